// Package picker is the source picker: started without --exchange or
// --queue, shoveltap lists the vhost's exchanges and queues with their type,
// bindings and rates, and the user chooses what to tap.
package picker

import (
	"github.com/shoveltap/shoveltap/ui/filterbar"

	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
)

// Options configure the picker.
type Options struct {
	// Load lists the vhost's exchanges and queues. It talks to the broker,
	// so it runs in a tea.Cmd, at start and on r.
	Load   func() ([]broker.Resource, error)
	Broker string // "localhost:5672", no credentials
	Vhost  string
	// Selected are pre-selected: what was tapped when the user came back
	// from the tracer to change sources.
	Selected []tap.Source
	// Problem is why the last choice could not be tapped, shown until
	// the next key.
	Problem string
}

// Model is the picker. It implements tea.Model; after the program ends,
// Chosen says what to tap.
type Model struct {
	opts Options
	// com is the size, styles and key map the picker's parts share,
	// built once here.
	com      common.Common
	keys     keyMap
	help     help.Model // the help line at the bottom
	list     list
	filter   filterbar.Bar
	helpView helpScreen

	loading  bool
	err      error
	all      []broker.Resource
	shown    []int                 // indexes into all that pass the filter, in order
	selected map[string]tap.Source // by id; kept across reloads and filters
	helpOpen bool
	chosen   []tap.Source
	problem  []string // Options.Problem, wrapped to the width
	// toSelected puts the cursor on the first selected row once the
	// first list arrives: coming back from the tracer, that is the tap.
	toSelected bool
}

// New returns the picker. Its Init starts loading.
func New(opts Options) Model {
	com := common.New()
	km := defaultKeys(com.Keys)
	h := help.New()
	h.Styles = com.Styles.Bubbles

	selected := map[string]tap.Source{}
	for _, s := range opts.Selected {
		selected[sourceID(s)] = s
	}
	return Model{
		opts:     opts,
		com:      com,
		keys:     km,
		help:     h,
		list:     newList(com, km),
		filter:   newFilterBar(com, km),
		helpView: newHelpScreen(com, km),
		loading:  true,
		selected: selected,
	}
}

// markCursor puts ▸ in the first cell of the cursor row, left blank for it.
func markCursor(row string) string {
	if strings.HasPrefix(row, " ") {
		return "▸" + row[1:]
	}
	return row
}

// Chosen is what the user chose to tap, in the list's order; empty when
// they quit. Call it on the model that tea.Program.Run returns.
func (m Model) Chosen() []tap.Source { return m.chosen }

// loadedMsg carries the answer of Options.Load.
type loadedMsg struct {
	resources []broker.Resource
	err       error
}

func (m Model) load() tea.Cmd {
	load := m.opts.Load
	return func() tea.Msg {
		if load == nil {
			return loadedMsg{}
		}
		rs, err := load()
		return loadedMsg{resources: rs, err: err}
	}
}

// Init starts loading the list.
func (m Model) Init() tea.Cmd { return m.load() }

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.com.SetSize(msg.Width, msg.Height)
	case loadedMsg:
		m.toSelected = m.all == nil && len(m.selected) > 0
		m.loading = false
		m.err = msg.err
		if msg.err == nil {
			m.all = msg.resources
			m.pruneSelection()
		}
	case tea.KeyPressMsg:
		m.opts.Problem = ""
		cmd = m.handleKey(msg)
	case tea.PasteMsg:
		if m.filter.Typing() {
			_, cmd = m.filter.Update(msg)
		}
	}
	m.refresh()
	return m, cmd
}

func (m Model) mode() mode {
	switch {
	case m.helpOpen:
		return modeHelp
	case m.loading:
		return modeLoading
	case m.err != nil:
		return modeError
	case m.filter.Typing():
		return modeFilter
	}
	return modeList
}

// focused is the part that has the keyboard, whose keys the help line at
// the bottom lists.
func (m *Model) focused() common.Component {
	switch m.mode() {
	case modeHelp:
		return &m.helpView
	case modeFilter:
		return &m.filter
	}
	return &m.list
}

// keyState is what, besides the mode, decides which keys work now.
func (m Model) keyState() state {
	return state{
		filterKept: !m.filter.Typing() && m.filter.Value() != "",
		empty:      len(m.shown) == 0,
		selected:   len(m.selected),
	}
}

func (m Model) keyMap() keyMap {
	return m.keys.forMode(m.mode(), m.keyState())
}

func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	km := m.keyMap()
	page := max(1, m.list.table.Height()-1)
	switch {
	case key.Matches(k, km.Quit):
		m.chosen = nil
		return tea.Quit
	case key.Matches(k, km.Help):
		m.helpOpen = true
	case key.Matches(k, km.CloseHelp):
		m.helpOpen = false
	case key.Matches(k, km.Reload):
		m.loading, m.err = true, nil
		return m.load()
	case key.Matches(k, km.Up):
		m.list.table.MoveUp(1)
	case key.Matches(k, km.Down):
		m.list.table.MoveDown(1)
	case key.Matches(k, km.PageUp):
		m.list.table.MoveUp(page)
	case key.Matches(k, km.PageDown):
		m.list.table.MoveDown(page)
	case key.Matches(k, km.Top):
		m.list.table.GotoTop()
	case key.Matches(k, km.Bottom):
		m.list.table.GotoBottom()
	case key.Matches(k, km.Toggle):
		if r, ok := m.cursorResource(); ok {
			if _, on := m.selected[id(r.Kind, r.Name)]; on {
				delete(m.selected, id(r.Kind, r.Name))
			} else {
				m.selected[id(r.Kind, r.Name)] = source(r)
			}
		}
	case key.Matches(k, km.Tap):
		if m.chosen = m.choice(); len(m.chosen) > 0 {
			return tea.Quit
		}
	case key.Matches(k, km.Filter):
		return m.filter.Start()
	case key.Matches(k, km.ApplyFilter):
		m.filter.Keep()
	case key.Matches(k, km.CancelFilter), key.Matches(k, km.ClearFilter):
		m.filter.Clear()
	case m.filter.Typing():
		_, cmd := m.filter.Update(k)
		m.list.table.GotoTop() // the best match of a new query is the first
		return cmd
	}
	return nil
}

// pruneSelection drops what is no longer listed (deleted since it was
// tapped), so that the count shown is what enter taps.
func (m *Model) pruneSelection() {
	listed := map[string]bool{}
	for _, r := range m.all {
		listed[id(r.Kind, r.Name)] = true
	}
	kept := map[string]tap.Source{}
	for k, s := range m.selected {
		if listed[k] {
			kept[k] = s
		}
	}
	m.selected = kept
}

// choice is the selection, in the list's order, or else the row under the
// cursor.
func (m Model) choice() []tap.Source {
	var out []tap.Source
	for _, r := range m.all {
		if s, ok := m.selected[id(r.Kind, r.Name)]; ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		if r, ok := m.cursorResource(); ok {
			out = append(out, source(r))
		}
	}
	return out
}

func (m Model) cursorResource() (broker.Resource, bool) {
	c := m.list.table.Cursor()
	if c < 0 || c >= len(m.shown) {
		return broker.Resource{}, false
	}
	return m.all[m.shown[c]], true
}

// refresh recomputes the rows after every Update, keeping the cursor on
// the same resource, and lays the screen out, so that View only reads.
func (m *Model) refresh() {
	width := m.com.Width
	if width == 0 {
		return
	}
	m.problem = nil
	if m.opts.Problem != "" {
		text := "could not tap: " + sanitize.Line(m.opts.Problem)
		m.problem = strings.Split(ansi.Wrap(text, max(1, width), ""), "\n")
		if len(m.problem) > maxProblemLines {
			m.problem = m.problem[:maxProblemLines]
		}
	}
	l := m.lay()
	m.list.SetSize(width, l.table)
	m.filter.SetSize(width, l.filter)
	m.help.SetWidth(width)

	current, hadCursor := m.cursorResource()
	query := m.filter.Value()
	m.shown = make([]int, 0, len(m.all))
	rows := make([]table.Row, 0, len(m.all))
	cursor := 0
	for i, r := range m.all {
		if !matches(r, query) {
			continue
		}
		if hadCursor && r.Kind == current.Kind && r.Name == current.Name {
			cursor = len(m.shown)
		}
		_, on := m.selected[id(r.Kind, r.Name)]
		if on && m.toSelected {
			cursor, hadCursor, m.toSelected = len(m.shown), true, false
		}
		m.shown = append(m.shown, i)
		rows = append(rows, row(r, on, m.list.cols))
	}
	if !hadCursor {
		cursor = max(0, m.list.table.Cursor())
	}
	m.list.table.SetRows(rows)
	m.list.table.SetCursor(cursor)

	m.list.mode, m.list.state = m.mode(), m.keyState()
	m.list.loading = m.loading && m.all == nil
	m.list.err = m.err
	m.list.empty = ""
	if len(m.shown) == 0 {
		m.list.empty = "no exchange or queue to tap in this vhost"
		if query != "" {
			m.list.empty = "no exchange or queue name contains " + sanitize.Line(query)
		}
	}
	if m.helpOpen {
		m.helpView.show(&m.list)
		m.helpView.SetSize(width, l.table)
	}
}

// layout is how many lines each part of the screen takes.
type layout struct {
	title, table, filter, problem, status, help int
}

// maxProblemLines is the most room a problem takes from the list.
const maxProblemLines = 4

func (m Model) lay() layout {
	l := layout{title: 1, status: 1, help: 1}
	if m.filter.Typing() || m.filter.Value() != "" {
		l.filter = 1
	}
	l.problem = len(m.problem)
	l.table = max(0, m.com.Height-l.title-l.filter-l.problem-l.status-l.help)
	return l
}

// View draws the screen from what refresh prepared.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "shoveltap · " + sanitize.Line(m.opts.Broker)
	return v
}

func (m Model) render() string {
	if m.com.Width == 0 || m.com.Height == 0 {
		return ""
	}
	l := m.lay()
	parts := []string{m.titleLine()}
	if m.helpOpen {
		parts = append(parts, m.helpView.View())
	} else {
		parts = append(parts, m.list.View())
	}
	if l.filter > 0 {
		parts = append(parts, m.filter.View())
	}
	for _, line := range m.problem {
		parts = append(parts, m.com.Styles.Detail.Note.Render(line))
	}
	parts = append(parts, m.statusLine())
	parts = append(parts, common.Truncate(m.help.ShortHelpView(m.focused().ShortHelp()), m.com.Width))
	return strings.Join(parts, "\n")
}

func (m Model) titleLine() string {
	st := m.com.Styles
	where := sanitize.Line(m.opts.Broker) + "  vhost " + sanitize.Line(m.opts.Vhost)
	return common.Truncate(st.Help.Title.Render("pick what to tap")+"  "+st.Muted.Render(where), m.com.Width)
}

func (m Model) statusLine() string {
	label, value := m.com.Styles.Status.Label, m.com.Styles.Status.Value
	if m.loading {
		if m.all == nil {
			return common.Truncate(label.Render("asking the management API…"), m.com.Width)
		}
		return common.Truncate(label.Render("reloading…"), m.com.Width)
	}
	if m.err != nil {
		return common.Truncate(m.com.Styles.Status.Failed.Render(" failed ")+" "+label.Render("nothing listed"), m.com.Width)
	}
	exchanges, queues := 0, 0
	for _, r := range m.all {
		if r.Kind == broker.KindQueue {
			queues++
		} else {
			exchanges++
		}
	}
	parts := []string{
		value.Render(fmt.Sprint(exchanges)) + label.Render(" exchanges"),
		value.Render(fmt.Sprint(queues)) + label.Render(" queues"),
	}
	if m.filter.Value() != "" {
		parts = append(parts, value.Render(fmt.Sprint(len(m.shown)))+label.Render(" match"))
	}
	if n := len(m.selected); n > 0 {
		parts = append(parts, m.com.Styles.Status.Warn.Render(fmt.Sprint(n))+label.Render(" selected"))
	}
	return common.Truncate(strings.Join(parts, label.Render(" · ")), m.com.Width)
}
