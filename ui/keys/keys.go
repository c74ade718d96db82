// Package keys is shoveltap's key map: every binding as data, with its help
// text, enabled per mode so that the help shows only what works now.
package keys

import "charm.land/bubbles/v2/key"

// Mode is what has the keyboard.
type Mode int

const (
	ModeTable    Mode = iota // browsing the message table
	ModeDetail               // reading the detail pane
	ModeFilter               // typing in the filter bar
	ModeHelp                 // the full help is shown
	ModeQuitting             // the tap is being removed
	ModeTrace                // the trace tree of a Celery workflow
)

// ModeLifecycle is the task lifecycle view (per name, task, worker).
const ModeLifecycle = ModeTrace + 1

// ModeTopology is the topology view of the tapped exchanges (T).
const ModeTopology = ModeLifecycle + 1

// State is what else decides which bindings work.
type State struct {
	FilterActive bool // a filter is kept
	Paused       bool
	Following    bool
	Empty        bool // no message on display
	Celery       bool // the detail pane shows a Celery task, result or event
	Picker       bool // the source picker can be reopened (a live tap)
	Routing      bool // a routing model answers "why not?" (a live tap with the management API)
	// LifecycleTask: the lifecycle view shows one task, whose messages
	// and trace tree are a key away.
	LifecycleTask bool
}

// Lasting keeps only what decides whether a key exists in a mode at all,
// not whether it does something this moment: the help screen lists every
// key of a pane, G included while following.
func (s State) Lasting() State {
	return State{Celery: s.Celery, Picker: s.Picker, Routing: s.Routing}
}

// KeyMap holds every binding. Use For to get the one for a mode.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding // Bottom is "follow" in the table
	Open, Close      key.Binding
	Next, Prev       key.Binding
	Filter           key.Binding
	ClearFilter      key.Binding // esc in the table
	ApplyFilter      key.Binding
	CancelFilter     key.Binding
	Pause            key.Binding
	Help, CloseHelp  key.Binding
	Quit             key.Binding
	ForceQuit        key.Binding
	// Captures: save what is shown, copy or save one message.
	SaveShown, SaveMessage key.Binding
	CopyMessage, CopyBody  key.Binding
	Trace                  key.Binding // the trace tree, from the detail pane
	Sources                key.Binding // back to the source picker
	WhyNot                 key.Binding // why the message did not reach the queues on its way
	// The lifecycle view: open it from the table, switch its panes, cycle
	// the sort column, jump from a task to its messages.
	Lifecycle, NextPane, PrevPane key.Binding
	Sort, Messages                key.Binding
	// Topology opens the topology view from the table.
	Topology key.Binding
}

// Default returns the key map with every binding enabled. The source
// picker takes the bindings it shares with the tracer (moving, filter,
// help, quit) from this map, so that both answer the same keys with the
// same help.
func Default() KeyMap {
	return KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "oldest")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "follow")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Close:        key.NewBinding(key.WithKeys("esc", "enter"), key.WithHelp("esc", "close")),
		Next:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next")),
		Prev:         key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "previous")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Pause:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		CloseHelp:    key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("?/esc", "close help")),
		Quit:         key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		ForceQuit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now, leave the tap")),
		SaveShown:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save to file")),
		SaveMessage:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save message")),
		CopyMessage:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy message")),
		CopyBody:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "copy body")),
		Trace:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trace tree")),
		Sources:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sources")),
		WhyNot:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "why not?")),
		Lifecycle:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "lifecycles")),
		NextPane:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Sort:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort")),
		Messages:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "its messages")),
		Topology:     key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "topology")),
	}
}

// For returns a copy of k with only the bindings that work in mode enabled,
// and help texts that fit the state.
func (k KeyMap) For(mode Mode, st State) KeyMap {
	for _, b := range k.all() {
		b.SetEnabled(false)
	}
	enable := func(bs ...*key.Binding) {
		for _, b := range bs {
			b.SetEnabled(true)
		}
	}

	if st.Paused {
		k.Pause.SetHelp("space", "resume")
	}
	switch mode {
	case ModeTable:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Open, &k.Filter, &k.Pause, &k.Help, &k.Quit)
		k.ClearFilter.SetEnabled(st.FilterActive)
		k.Open.SetEnabled(!st.Empty)
		// Following already: G would do nothing, so the help leaves it out.
		k.Bottom.SetEnabled(!st.Following)
		k.SaveShown.SetEnabled(!st.Empty)
		k.Sources.SetEnabled(st.Picker)
		k.Lifecycle.SetEnabled(true)
		// The topology is drawn from the routing model.
		k.Topology.SetEnabled(st.Routing)
		if st.FilterActive {
			k.SaveShown.SetHelp("w", "save matching to file")
		}
	case ModeDetail:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Close, &k.Next, &k.Prev, &k.Pause, &k.Help, &k.Quit)
		k.Up.SetHelp("↑/k", "scroll up")
		k.Down.SetHelp("↓/j", "scroll down")
		k.Top.SetHelp("g/home", "top")
		k.Bottom.SetHelp("G/end", "bottom")
		enable(&k.SaveMessage, &k.CopyMessage, &k.CopyBody)
		// The trace tree exists only for Celery workflows.
		k.Trace.SetEnabled(st.Celery)
		k.WhyNot.SetEnabled(st.Routing)
	case ModeTrace:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Open, &k.Close, &k.Pause, &k.Help, &k.Quit)
		k.Open.SetHelp("enter", "open message")
		// enter opens the selected message here, so only esc goes back.
		k.Close.SetKeys("esc")
		k.Close.SetHelp("esc", "back")
		k.Top.SetHelp("g/home", "first")
		k.Bottom.SetHelp("G/end", "last")
	case ModeLifecycle:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Open, &k.Close, &k.NextPane, &k.PrevPane, &k.Filter, &k.Pause, &k.Help, &k.Quit)
		k.Top.SetHelp("g/home", "first")
		k.Bottom.SetHelp("G/end", "last")
		k.Open.SetHelp("enter", "open")
		// enter opens here, so only esc goes back.
		k.Close.SetKeys("esc")
		k.Close.SetHelp("esc", "back")
		k.Sort.SetEnabled(!st.LifecycleTask)
		k.Messages.SetEnabled(st.LifecycleTask)
		k.Trace.SetEnabled(st.LifecycleTask)
	case ModeTopology:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Close, &k.Pause, &k.Help, &k.Quit)
		k.Up.SetHelp("↑/k", "scroll up")
		k.Down.SetHelp("↓/j", "scroll down")
		k.Top.SetHelp("g/home", "top")
		k.Bottom.SetHelp("G/end", "bottom")
		k.Close.SetKeys("esc")
		k.Close.SetHelp("esc", "back")
	case ModeFilter:
		enable(&k.ApplyFilter, &k.CancelFilter, &k.Quit)
		// q is a letter of the query here.
		k.Quit.SetKeys("ctrl+c")
		k.Quit.SetHelp("ctrl+c", "quit")
	case ModeHelp:
		enable(&k.CloseHelp, &k.Quit)
	case ModeQuitting:
		enable(&k.ForceQuit)
	}
	return k
}

// all is every binding of k, for For to switch them off and on.
func (k *KeyMap) all() []*key.Binding {
	return []*key.Binding{
		&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
		&k.Open, &k.Close, &k.Next, &k.Prev,
		&k.Filter, &k.ClearFilter, &k.ApplyFilter, &k.CancelFilter,
		&k.Pause, &k.Help, &k.CloseHelp, &k.Quit, &k.ForceQuit,
		&k.SaveShown, &k.SaveMessage, &k.CopyMessage, &k.CopyBody,
		&k.Trace, &k.Sources, &k.WhyNot,
		&k.Lifecycle, &k.NextPane, &k.PrevPane, &k.Sort, &k.Messages,
		&k.Topology,
	}
}
