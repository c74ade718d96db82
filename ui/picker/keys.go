package picker

import (
	"charm.land/bubbles/v2/key"

	"github.com/shoveltap/shoveltap/ui/keys"
)

// mode is what has the keyboard.
type mode int

const (
	modeList    mode = iota // browsing the list
	modeFilter              // typing in the filter bar
	modeHelp                // the full help is shown
	modeLoading             // waiting for the management API
	modeError               // the list could not be loaded
)

// keyMap holds every binding of the picker, as data with its help text.
type keyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	Toggle           key.Binding // space: add to or drop from the selection
	Tap              key.Binding
	Filter           key.Binding
	ClearFilter      key.Binding // esc in the list, with a kept filter
	ApplyFilter      key.Binding
	CancelFilter     key.Binding
	Reload           key.Binding
	Help, CloseHelp  key.Binding
	Quit             key.Binding
}

// defaultKeys is the picker's key map. The keys it shares with the
// tracer's screen are taken from the shared map, so that both answer the
// same keys with the same help.
func defaultKeys(shared *keys.KeyMap) keyMap {
	return keyMap{
		Up:           shared.Up,
		Down:         shared.Down,
		PageUp:       shared.PageUp,
		PageDown:     shared.PageDown,
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Toggle:       key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		Tap:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "tap")),
		Filter:       shared.Filter,
		ClearFilter:  shared.ClearFilter,
		ApplyFilter:  shared.ApplyFilter,
		CancelFilter: shared.CancelFilter,
		Reload:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
		Help:         shared.Help,
		CloseHelp:    shared.CloseHelp,
		Quit:         shared.Quit,
	}
}

// state is what else decides which bindings work.
type state struct {
	filterKept bool // a filter is kept
	empty      bool // no row on display
	selected   int  // rows in the selection
}

// forMode returns a copy of k with only the bindings that work now enabled,
// and help texts that fit the state.
func (k keyMap) forMode(m mode, st state) keyMap {
	all := []*key.Binding{
		&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
		&k.Toggle, &k.Tap, &k.Filter, &k.ClearFilter, &k.ApplyFilter, &k.CancelFilter,
		&k.Reload, &k.Help, &k.CloseHelp, &k.Quit,
	}
	for _, b := range all {
		b.SetEnabled(false)
	}
	enable := func(bs ...*key.Binding) {
		for _, b := range bs {
			b.SetEnabled(true)
		}
	}
	switch m {
	case modeList:
		enable(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Filter, &k.Reload, &k.Help, &k.Quit)
		k.Toggle.SetEnabled(!st.empty)
		k.Tap.SetEnabled(!st.empty || st.selected > 0)
		k.ClearFilter.SetEnabled(st.filterKept)
		if st.selected > 1 {
			k.Tap.SetHelp("enter", "tap selected")
		}
	case modeFilter:
		enable(&k.Up, &k.Down, &k.ApplyFilter, &k.CancelFilter, &k.Quit)
		// Letters are part of the query here.
		k.Up.SetKeys("up")
		k.Up.SetHelp("↑", "up")
		k.Down.SetKeys("down")
		k.Down.SetHelp("↓", "down")
		k.Quit.SetKeys("ctrl+c")
		k.Quit.SetHelp("ctrl+c", "quit")
	case modeHelp:
		enable(&k.CloseHelp, &k.Quit)
	case modeLoading:
		enable(&k.Quit)
	case modeError:
		enable(&k.Reload, &k.Quit)
		k.Reload.SetHelp("r", "retry")
	}
	return k
}
