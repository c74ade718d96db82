// Package ui is shoveltap's terminal UI: a live table of the messages seen
// through a tap, a detail pane, a filter, pause, and a status line. It reads
// tap.Batch values from a channel and never touches the broker itself.
package ui

import (
	"github.com/shoveltap/shoveltap/ui/filterbar"

	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// DefaultRetain is how many messages are kept when Options.Retain is 0.
const DefaultRetain = 10000

// Options configure the UI.
type Options struct {
	Broker  string   // "localhost:5672", no credentials
	Vhost   string   // shown in the status line
	Sources []string // what is tapped, e.g. "orders (order.#)"
	// Retain is how many messages are kept in memory (DefaultRetain if 0).
	Retain int
	// OnQuit removes the tap. It runs in a tea.Cmd when the user quits,
	// while the screen says "removing tap…"; its error is kept for QuitErr.
	// May be nil.
	OnQuit func() error
	// Capture says the batches come from a capture file, not a live tap:
	// the status line says "capture" and Status.Broker names the file.
	Capture bool
	// SaveDir is where w and s save files ("" is the working directory).
	SaveDir string
	// Picker enables s in the table: remove the tap like q, then quit
	// with WantsPicker true so that the caller reopens the source picker.
	Picker bool
	// EnvLabel names the environment (--env) the tap runs in; it leads the
	// status line, in EnvColour (a lipgloss colour: a number or #rrggbb),
	// and always in red when Production.
	EnvLabel   string
	EnvColour  string
	Production bool
	// InsecureTLS says the broker's certificate is not verified: the
	// status line warns for the whole session.
	InsecureTLS bool
	// Notice is shown in the status line until the first key press, e.g.
	// where the web monitor (--web) is: what was printed before the UI
	// took the screen.
	Notice string
	// Filter is the query the filter bar starts with (--filter), in the
	// filter bar's language (tap/filter).
	Filter string
	// Routing answers "why not?" (r in the detail pane); nil without a
	// routing model.
	Routing Routing
	// TraceURL is the environment's trace link template (trace-url).
	TraceURL string
	// QueueTap says a queue is tapped: the status line then groups the
	// dead letters seen by reason and original queue (a dead-letter
	// queue's tap).
	QueueTap bool
	// Lifecycle opens the lifecycle view (L) at the start (--celery).
	Lifecycle bool
	// Now is the lifecycle view's clock (time.Now for a live tap); nil
	// takes the newest message's time, as for a capture read back.
	Now func() time.Time
}

// ErrTapNotRemoved is what QuitErr returns when the user pressed ctrl+c a
// second time and quit without waiting for OnQuit.
var ErrTapNotRemoved = errors.New("ui: quit before the tap was removed; it may still be on the broker")

// Model is the root of the UI. It implements tea.Model. The retained
// messages live behind a pointer shared by every copy, so, as Bubble Tea
// intends, only the Model that Update returns last is to be used.
type Model struct {
	opts    Options
	batches <-chan tap.Batch

	// com is the size, styles and key map every component shares, built
	// once here.
	com      common.Common
	help     help.Model // the help line at the bottom
	retained *retained
	table    table
	detail   detail
	trace    traceView
	life     lifecycleView
	topo     topologyView
	filter   filterbar.Bar
	status   statusBar
	helpView helpScreen
	quitView quitView
	// filtering runs a changed filter over many retained messages off the
	// UI goroutine, debounced (see filterjob.go).
	filtering filterJob

	lay    screenLayout
	tap    tap.Status
	closed bool // the batch channel was closed

	detailOpen bool
	traceOpen  bool // the trace tree is drawn in place of the detail pane
	helpOpen   bool
	quitting   bool
	quitErr    error
	toPicker   bool   // quitting to go back to the source picker
	notice     string // what the last action did, until the next key
	envBadge   string // the environment's label, rendered once

	// lifeOpen: the lifecycle view is drawn in place of the table;
	// traceFromLife: the trace tree was opened from it, and esc goes back.
	lifeOpen      bool
	traceFromLife bool
	lifeLatest    time.Time // the newest message's time (lifeNow)

	// topoOpen: the topology view (T) is drawn in place of the table.
	topoOpen bool
}

// New returns the UI for a tap whose batches arrive on batches.
func New(opts Options, batches <-chan tap.Batch) Model {
	if opts.Retain <= 0 {
		opts.Retain = DefaultRetain
	}
	com := common.New()
	h := help.New()
	h.Styles = com.Styles.Bubbles
	m := Model{
		opts:     opts,
		envBadge: envBadge(com.Styles, opts),
		batches:  batches,
		com:      com,
		help:     h,
		retained: newRetained(opts.Retain),
		table:    newTable(com, len(opts.Sources) > 1),
		detail:   newDetail(com),
		trace:    newTrace(com),
		life:     newLifecycleView(com),
		topo:     newTopologyView(com),
		filter:   newFilterBar(com),
		status:   statusBar{com: com},
		helpView: newHelpScreen(com),
		quitView: quitView{com: com},
		tap:      tap.Status{State: tap.StateStarting},
		notice:   opts.Notice,
		lifeOpen: opts.Lifecycle,
	}
	if opts.Filter != "" {
		// Nothing is retained yet, so the filter applies at once (no
		// command to run).
		m.filter.Set(opts.Filter)
		m.applyFilter()
	}
	if opts.TraceURL != "" {
		m.detail.extras.trace = &traceLink{template: opts.TraceURL}
	}
	return m
}

// QuitErr returns the error of Options.OnQuit, or ErrTapNotRemoved when the
// user did not wait for it. Call it on the model that tea.Program.Run
// returns.
func (m Model) QuitErr() error { return m.quitErr }

// WantsPicker reports whether the user quit with s to choose other
// sources, rather than with q. Call it on the model that Run returns.
func (m Model) WantsPicker() bool { return m.toPicker }

// batchMsg carries one batch from the tap. entries are the messages made
// ready for the screen (sanitised cells, filter subject) by the command
// that received the batch, off the UI goroutine, so that Update only
// appends them; when nil (tests), Update makes them.
type batchMsg struct {
	Messages []tap.Message
	Status   tap.Status
	entries  []*entry
}

// tapClosedMsg says the batch channel was closed: the tap has stopped.
type tapClosedMsg struct{}

// tapRemovedMsg says Options.OnQuit returned.
type tapRemovedMsg struct{ err error }

// waitBatch waits for the next batch. The tap sends one per tick, so the UI
// updates once per tick however many messages arrive.
func (m Model) waitBatch() tea.Cmd {
	if m.batches == nil {
		return nil
	}
	ch := m.batches
	// A free-text filter tests each new message's haystack: made here,
	// off the UI goroutine, rather than by Update's test (tap/reading
	// makes it only when asked).
	searches := m.retained.matcher.SearchesText()
	return func() tea.Msg {
		b, ok := <-ch
		if !ok {
			return tapClosedMsg{}
		}
		entries := newEntries(b.Messages)
		if searches {
			for _, e := range entries {
				if !e.msg.CountOnly {
					e.r.SearchText()
				}
			}
		}
		return batchMsg{Messages: b.Messages, Status: b.Status, entries: entries}
	}
}

// Init starts waiting for batches.
func (m Model) Init() tea.Cmd { return m.waitBatch() }

// Update handles one message. Only the part of the UI that has the keyboard
// gets key presses.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.com.SetSize(msg.Width, msg.Height)
	case batchMsg:
		m.tap = msg.Status
		entries := msg.entries
		if entries == nil {
			entries = newEntries(msg.Messages)
		}
		m.retained.ingest(entries)
		m.feedLifecycle(entries)
		cmd = m.waitBatch()
	case tapClosedMsg:
		m.closed = true
	case tapRemovedMsg:
		m.quitErr = msg.err
		return m, tea.Quit
	case savedMsg:
		m.saved(msg)
	case filterTickMsg:
		cmd = m.filtering.start(msg, m.retained)
	case filterDoneMsg:
		m.filtering.finish(msg, m.retained)
	case tea.KeyPressMsg:
		m.notice = ""
		cmd = m.handleKey(msg)
	case whyNotMsg:
		m.detail.setWhyNot(msg)
	case tea.PasteMsg:
		if m.mode() == keys.ModeFilter {
			var changed bool
			changed, cmd = m.filter.Update(msg)
			if changed {
				cmd = tea.Batch(cmd, m.applyFilter())
			}
		}
	}
	m.refresh()
	return m, cmd
}

// mode says what has the keyboard.
func (m Model) mode() keys.Mode {
	switch {
	case m.quitting:
		return keys.ModeQuitting
	case m.helpOpen:
		return keys.ModeHelp
	case m.filter.Typing():
		return keys.ModeFilter
	case m.traceOpen:
		return keys.ModeTrace
	case m.lifeOpen:
		return keys.ModeLifecycle
	case m.topoOpen:
		return keys.ModeTopology
	case m.detailOpen:
		return keys.ModeDetail
	}
	return keys.ModeTable
}

// keyState is what, besides the mode, decides which keys work now.
func (m Model) keyState() keys.State {
	return keys.State{
		FilterActive:  m.filter.Value() != "",
		Paused:        m.retained.paused,
		Following:     m.retained.following,
		Empty:         m.retained.limit() == 0,
		Celery:        m.traceable(),
		Picker:        m.opts.Picker,
		Routing:       m.opts.Routing != nil,
		LifecycleTask: m.lifeOpen && m.life.showingTask(),
	}
}

// keyMap is the bindings that work now, the ones the focused component's
// help lists.
func (m Model) keyMap() keys.KeyMap {
	return m.com.Keys.For(m.mode(), m.keyState())
}

// focused is the component that has the keyboard, whose keys the help
// line at the bottom lists.
func (m *Model) focused() common.Component {
	switch m.mode() {
	case keys.ModeQuitting:
		return &m.quitView
	case keys.ModeHelp:
		return &m.helpView
	case keys.ModeFilter:
		return &m.filter
	case keys.ModeTrace:
		return &m.trace
	case keys.ModeLifecycle:
		return &m.life
	case keys.ModeTopology:
		return &m.topo
	case keys.ModeDetail:
		return &m.detail
	}
	return &m.table
}

// pane is the component in the body under the help screen, and its name.
func (m *Model) pane() (string, common.Component) {
	switch {
	case m.traceOpen:
		return "the trace tree", &m.trace
	case m.lifeOpen:
		return "the lifecycle view", &m.life
	case m.topoOpen:
		return "the topology view", &m.topo
	case m.detailOpen:
		return "the detail pane", &m.detail
	}
	return "the message table", &m.table
}

func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	km := m.keyMap()
	rows := m.lay.tableRows()
	s := m.retained

	// Keys that work the same wherever they are enabled.
	switch {
	case key.Matches(k, km.ForceQuit):
		m.quitErr = ErrTapNotRemoved
		return tea.Quit
	case key.Matches(k, km.Quit):
		return m.quit()
	case key.Matches(k, km.Help):
		m.helpOpen = true
		return nil
	case key.Matches(k, km.CloseHelp):
		m.helpOpen = false
		return nil
	case key.Matches(k, km.Pause):
		s.togglePause()
		return nil
	}

	switch m.mode() {
	case keys.ModeFilter:
		switch {
		case key.Matches(k, km.ApplyFilter):
			m.filter.Keep()
		case key.Matches(k, km.CancelFilter):
			m.filter.Clear()
			return m.applyFilter()
		default:
			changed, cmd := m.filter.Update(k)
			if changed {
				cmd = tea.Batch(cmd, m.applyFilter())
			}
			return cmd
		}

	case keys.ModeDetail:
		switch {
		case key.Matches(k, km.Close):
			m.detailOpen = false
		case scrollKey(&m.detail, k, km):
		case key.Matches(k, km.Next):
			s.move(1, rows)
		case key.Matches(k, km.Prev):
			s.move(-1, rows)
		case key.Matches(k, km.CopyMessage):
			return m.copyMessage(false)
		case key.Matches(k, km.CopyBody):
			return m.copyMessage(true)
		case key.Matches(k, km.SaveMessage):
			return m.saveMessage()
		case key.Matches(k, km.Trace):
			m.openTrace()
		case key.Matches(k, km.WhyNot):
			if e := s.selectedEntry(); e != nil && m.opts.Routing != nil {
				return whyNot(m.com.Styles, m.opts.Routing, e)
			}
		}

	case keys.ModeTrace:
		if m.traceFromLife && key.Matches(k, km.Close) {
			m.traceOpen, m.detailOpen, m.lifeOpen, m.traceFromLife = false, false, true, false
			return nil
		}
		m.traceKey(k, km)
		m.traceFromLife = m.traceFromLife && m.traceOpen

	case keys.ModeLifecycle:
		return m.lifecycleKey(k, km)

	case keys.ModeTopology:
		switch {
		case key.Matches(k, km.Close):
			m.topoOpen = false
		default:
			scrollKey(&m.topo, k, km)
		}

	case keys.ModeTable:
		switch {
		case key.Matches(k, km.Up):
			s.move(-1, rows)
		case key.Matches(k, km.Down):
			s.move(1, rows)
		case key.Matches(k, km.PageUp):
			s.move(-max(1, rows-1), rows)
		case key.Matches(k, km.PageDown):
			s.move(max(1, rows-1), rows)
		case key.Matches(k, km.Top):
			s.home(rows)
		case key.Matches(k, km.Bottom):
			s.follow()
		case key.Matches(k, km.Open):
			if s.selectedEntry() != nil {
				// Reading a message pins it: the pane must not change
				// under the reader as new messages arrive.
				s.pin(rows)
				m.detailOpen = true
			}
		case key.Matches(k, km.Filter):
			return m.filter.Start()
		case key.Matches(k, km.SaveShown):
			return m.saveShown()
		case key.Matches(k, km.Sources):
			// The tap goes first, as with q: the picker opens a new one.
			m.toPicker = true
			return m.quit()
		case key.Matches(k, km.ClearFilter):
			m.filter.Clear()
			return m.applyFilter()
		case key.Matches(k, km.Lifecycle):
			m.lifeOpen = true
		case key.Matches(k, km.Topology):
			m.openTopology()
		}
	}
	return nil
}

// applyFilter tests every retained message against the query. Batches
// that arrive later test only their own messages.
func (m *Model) applyFilter() tea.Cmd {
	return m.filtering.change(m.retained, filter.Parse(m.filter.Value()))
}

// quit starts removing the tap. OnQuit runs in a command; the program
// quits when it returns.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.helpOpen = false
	onQuit := m.opts.OnQuit
	return func() tea.Msg {
		if onQuit == nil {
			return tapRemovedMsg{}
		}
		return tapRemovedMsg{err: onQuit()}
	}
}

// refresh lays the screen out again and prepares what View draws, after
// every Update, so that View itself only reads.
func (m *Model) refresh() {
	width, height := m.com.Width, m.com.Height
	m.lay = layout(width, height, layoutState{
		detailOpen:  m.detailOpen,
		helpOpen:    m.helpOpen,
		filterBar:   m.filter.Visible(),
		statusLines: m.status.set(m.statusInfo(), width),
	})
	m.status.SetSize(width, m.lay.status)
	m.table.withTrace = m.retained.routes.traced > 0
	m.table.SetSize(width, m.lay.table)
	m.filter.SetSize(width, m.lay.filter)
	m.help.SetWidth(width)

	st := m.keyState()
	m.table.keyState, m.detail.keyState, m.trace.keyState, m.life.keyState, m.topo.keyState = st, st, st, st, st

	s := m.retained
	rows := m.lay.tableRows()
	s.settle(rows)
	win := windowFor(s.top(rows), s.limit(), rows, s.selected(), m.liveBoundary())
	m.table.show(s.shown, win, s.selected(), m.emptyText(), m.boundaryText())
	if m.detailOpen {
		m.detail.SetSize(width, m.lay.detail)
		m.detail.show(s.selectedEntry())
	}
	if m.traceOpen {
		m.trace.SetSize(width, m.lay.detail)
		m.trace.refresh(s)
	}
	if m.lifeOpen {
		// In place of the table (the detail pane is closed under it).
		m.life.SetSize(width, m.lay.table+m.lay.detail)
		m.life.refresh(m.lifeNow(), filter.Parse(m.filter.Value()))
	}
	if m.topoOpen {
		// In place of the table, as the lifecycle view.
		m.topo.SetSize(width, m.lay.table+m.lay.detail)
		m.topo.refresh(topologyOf(m.opts.Routing), &m.retained.edges)
	}
	if m.helpOpen {
		// The help lists the keys of the pane it covers, all of them:
		// what works once it is closed.
		m.helpView.show(m.pane())
		m.helpView.SetSize(width, m.lay.help)
	}
	if m.quitting {
		m.quitView.SetSize(width, m.lay.table+m.lay.detail+m.lay.help)
	}
}

func (m Model) statusInfo() statusInfo {
	s := m.retained
	seen := max(m.tap.Seen, s.received)
	broker, vhost, sources := m.opts.Broker, m.opts.Vhost, m.opts.Sources
	if broker == "" {
		broker = m.tap.Broker
	}
	if vhost == "" {
		vhost = m.tap.Vhost
	}
	if len(sources) == 0 {
		sources = m.tap.Sources
	}
	state := m.tap.State
	if m.quitting && state != tap.StateStopped && state != tap.StateFailed {
		// The tap reports its own state only until the channel stops;
		// say what is happening now.
		state = tap.StateStopping
	}
	return statusInfo{
		broker:         broker,
		vhost:          vhost,
		sources:        sources,
		state:          state,
		detail:         m.tap.Detail,
		closed:         m.closed,
		rate:           m.tap.Rate,
		seen:           seen,
		dropped:        m.tap.Dropped,
		droppedUnknown: m.tap.DroppedUnknown,
		evicted:        s.evicted,
		shown:          len(s.shown),
		retained:       s.ring.len(),
		filtered:       !s.matcher.Empty(),
		paused:         s.paused,
		newPaused:      s.newPaused,
		following:      s.following,
		newer:          s.newer(),
		capture:        m.opts.Capture,
		notice:         m.notice,
		warning:        strings.Join(m.warnings(), " · "),
		env:            m.envBadge,
		budget:         m.tap.Budget,
		routes:         s.routes,
		deadLetters:    m.opts.QueueTap,
	}
}

// View draws the screen. It reads what refresh prepared.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "shoveltap · " + sanitize.Line(m.opts.Broker)
	return v
}

func (m Model) render() string {
	if m.com.Width == 0 || m.com.Height == 0 {
		return "" // no size yet
	}
	if m.lay.tooSmall {
		return m.tooSmall()
	}
	var parts []string
	switch {
	case m.quitting:
		parts = append(parts, m.quitView.View())
	case m.lay.help > 0:
		parts = append(parts, m.helpView.View())
	default:
		if m.lifeOpen && m.lay.table > 0 {
			parts = append(parts, m.life.View())
		} else if m.topoOpen && m.lay.table > 0 {
			parts = append(parts, m.topo.View())
		} else if m.lay.table > 0 {
			parts = append(parts, m.table.View())
		}
		if m.lay.detail > 0 && m.traceOpen {
			parts = append(parts, m.trace.View())
		} else if m.lay.detail > 0 {
			parts = append(parts, m.detail.View())
		}
	}
	if m.lay.filter > 0 {
		parts = append(parts, m.filter.View())
	}
	parts = append(parts, m.status.View())
	// help cuts its line at the width only when an ellipsis still fits.
	parts = append(parts, common.Truncate(m.help.ShortHelpView(m.focused().ShortHelp()), m.com.Width))
	return strings.Join(parts, "\n")
}

func (m Model) emptyText() string {
	s := m.retained
	switch {
	case s.ring.len() == 0 && s.received > 0 && !m.closed:
		// open counts a capture's lines before the ones it keeps
		// (tap.Message.CountOnly) before it shows any.
		return "counting the capture's earlier lines (" + thousands(s.received) + " so far); its last ones come next"
	case s.ring.len() == 0 && m.closed:
		return "the tap stopped before any message arrived"
	case s.ring.len() == 0:
		src := sanitize.Line(strings.Join(m.opts.Sources, ", "))
		if src == "" {
			return "waiting for messages…"
		}
		return "waiting for messages on " + src + "…"
	case len(s.shown) == 0:
		return "no retained message matches the filter"
	case s.evicted > 0:
		return "the messages on display were evicted while paused · space resumes"
	}
	return "paused before any message arrived · space resumes"
}

// tooSmall is the whole screen when the terminal is below the minimum.
func (m Model) tooSmall() string {
	lines := []string{
		"terminal too small",
		"need ≥ " + itoa(minWidth) + "×" + itoa(minHeight),
		"have " + itoa(m.com.Width) + "×" + itoa(m.com.Height),
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.com.Width, "")
	}
	return common.Block(lines, m.com.Height)
}
