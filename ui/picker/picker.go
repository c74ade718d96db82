// Package picker is the source picker: started without --exchange or
// --queue, shoveltap lists the vhost's exchanges and queues with their type,
// bindings and rates, and the user chooses what to tap.
package picker

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/ui/sanitize"
	"github.com/shoveltap/shoveltap/ui/styles"
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

const filterPrompt = "/ "

// Model is the picker. It implements tea.Model; after the program ends,
// Chosen says what to tap.
type Model struct {
	opts  Options
	st    *styles.Styles
	keys  keyMap
	help  help.Model
	table table.Model
	input textinput.Model

	width, height int
	cols          []table.Column

	loading  bool
	err      error
	all      []broker.Resource
	shown    []int                 // indexes into all that pass the filter, in order
	selected map[string]tap.Source // by id; kept across reloads and filters
	typing   bool
	helpOpen bool
	chosen   []tap.Source
	problem  []string // Options.Problem, wrapped to the width
	// toSelected puts the cursor on the first selected row once the
	// first list arrives: coming back from the tracer, that is the tap.
	toSelected bool
}

// New returns the picker. Its Init starts loading.
func New(opts Options) Model {
	st := styles.New(styles.DefaultTheme())
	h := help.New()
	h.Styles = st.Bubbles

	in := textinput.New()
	in.Prompt = filterPrompt
	in.Placeholder = "part of a name"
	in.SetStyles(st.TextInput)

	// The cursor row is reversed and marked with ▸ so that it shows
	// without colour too.
	tableStyles := table.Styles{
		Header:   st.Table.Header.PaddingRight(1),
		Cell:     lipgloss.NewStyle().PaddingRight(1),
		Selected: st.Table.Selected.Transform(markCursor),
	}
	t := table.New(table.WithStyles(tableStyles), table.WithFocused(true))

	selected := map[string]tap.Source{}
	for _, s := range opts.Selected {
		selected[sourceID(s)] = s
	}
	return Model{
		opts:     opts,
		st:       &st,
		keys:     defaultKeys(),
		help:     h,
		table:    t,
		input:    in,
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
		m.width, m.height = msg.Width, msg.Height
		m.cols = columns(m.width)
		m.table.SetColumns(m.cols)
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
		if m.typing {
			m.input, cmd = m.input.Update(msg)
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
	case m.typing:
		return modeFilter
	}
	return modeList
}

func (m Model) keyMap() keyMap {
	return m.keys.forMode(m.mode(), state{
		filterKept: !m.typing && m.input.Value() != "",
		empty:      len(m.shown) == 0,
		selected:   len(m.selected),
	})
}

func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	km := m.keyMap()
	page := max(1, m.table.Height()-1)
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
		m.table.MoveUp(1)
	case key.Matches(k, km.Down):
		m.table.MoveDown(1)
	case key.Matches(k, km.PageUp):
		m.table.MoveUp(page)
	case key.Matches(k, km.PageDown):
		m.table.MoveDown(page)
	case key.Matches(k, km.Top):
		m.table.GotoTop()
	case key.Matches(k, km.Bottom):
		m.table.GotoBottom()
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
		m.typing = true
		m.input.CursorEnd()
		return m.input.Focus()
	case key.Matches(k, km.ApplyFilter):
		m.typing = false
		m.input.Blur()
	case key.Matches(k, km.CancelFilter), key.Matches(k, km.ClearFilter):
		m.typing = false
		m.input.Blur()
		m.input.Reset()
	case m.typing:
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		m.table.GotoTop() // the best match of a new query is the first
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
	c := m.table.Cursor()
	if c < 0 || c >= len(m.shown) {
		return broker.Resource{}, false
	}
	return m.all[m.shown[c]], true
}

// refresh recomputes the rows after every Update, keeping the cursor on
// the same resource, so that View only reads.
func (m *Model) refresh() {
	if m.width == 0 {
		return
	}
	current, hadCursor := m.cursorResource()
	query := m.input.Value()
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
		rows = append(rows, row(r, on, m.cols))
	}
	if !hadCursor {
		cursor = max(0, m.table.Cursor())
	}
	m.table.SetRows(rows)
	m.table.SetWidth(m.width)
	m.table.SetHeight(m.lay().table)
	m.table.SetCursor(cursor)
	m.input.SetWidth(max(1, m.width-ansi.StringWidth(filterPrompt)-1))
	m.problem = nil
	if m.opts.Problem != "" {
		text := "could not tap: " + sanitize.Line(m.opts.Problem)
		m.problem = strings.Split(ansi.Wrap(text, max(1, m.width), ""), "\n")
		if len(m.problem) > maxProblemLines {
			m.problem = m.problem[:maxProblemLines]
		}
	}
	m.help.SetWidth(m.width)
}

// layout is how many lines each part of the screen takes.
type layout struct {
	title, table, filter, problem, status, help int
}

// maxProblemLines is the most room a problem takes from the list.
const maxProblemLines = 4

func (m Model) lay() layout {
	l := layout{title: 1, status: 1, help: 1}
	if m.typing || m.input.Value() != "" {
		l.filter = 1
	}
	l.problem = len(m.problem)
	l.table = max(0, m.height-l.title-l.filter-l.problem-l.status-l.help)
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
	if m.width == 0 || m.height == 0 {
		return ""
	}
	l := m.lay()
	parts := []string{m.titleLine()}
	switch {
	case m.helpOpen:
		parts = append(parts, m.helpView(l.table))
	case m.loading && m.all == nil:
		parts = append(parts, m.message(l.table, m.st.Muted.Render("loading exchanges and queues…"), ""))
	case m.err != nil:
		parts = append(parts, m.message(l.table,
			m.st.Detail.Title.Render("could not list the exchanges and queues"),
			sanitize.Line(m.err.Error())))
	case len(m.shown) == 0:
		text := "no exchange or queue to tap in this vhost"
		if m.input.Value() != "" {
			text = "no exchange or queue name contains " + sanitize.Line(m.input.Value())
		}
		header := strings.SplitN(m.table.View(), "\n", 2)[0]
		parts = append(parts, block([]string{header, m.st.Table.Empty.Render(truncate(text, m.width))}, l.table))
	default:
		parts = append(parts, block(strings.Split(m.table.View(), "\n"), l.table))
	}
	if l.filter > 0 {
		parts = append(parts, m.filterView())
	}
	for _, line := range m.problem {
		parts = append(parts, m.st.Detail.Note.Render(line))
	}
	parts = append(parts, m.statusLine())
	parts = append(parts, truncate(m.help.ShortHelpView(m.keyMap().ShortHelp()), m.width))
	return strings.Join(parts, "\n")
}

func (m Model) titleLine() string {
	where := sanitize.Line(m.opts.Broker) + "  vhost " + sanitize.Line(m.opts.Vhost)
	return truncate(m.st.Help.Title.Render("pick what to tap")+"  "+m.st.Muted.Render(where), m.width)
}

// message is a centred notice in place of the table, with an optional
// explanation wrapped below it.
func (m Model) message(height int, title, detail string) string {
	lines := []string{title}
	if detail != "" {
		lines = append(lines, "")
		lines = append(lines, strings.Split(ansi.Wrap(detail, min(m.width-4, 76), ""), "\n")...)
	}
	// Padded to one width, the block is centred as a whole and its
	// paragraph stays aligned on the left.
	width := 0
	for _, l := range lines {
		width = max(width, ansi.StringWidth(l))
	}
	for i, l := range lines {
		lines[i] = l + strings.Repeat(" ", width-ansi.StringWidth(l))
	}
	return lipgloss.Place(m.width, height, lipgloss.Center, lipgloss.Center, strings.Join(lines, "\n"))
}

func (m Model) filterView() string {
	if m.typing {
		return truncate(m.input.View(), m.width)
	}
	return m.st.Filter.Prompt.Render(filterPrompt) +
		m.st.Filter.Active.Render(truncate(sanitize.Line(m.input.Value()), m.width-ansi.StringWidth(filterPrompt)))
}

func (m Model) statusLine() string {
	label, value := m.st.Status.Label, m.st.Status.Value
	if m.loading {
		if m.all == nil {
			return truncate(label.Render("asking the management API…"), m.width)
		}
		return truncate(label.Render("reloading…"), m.width)
	}
	if m.err != nil {
		return truncate(m.st.Status.Failed.Render(" failed ")+" "+label.Render("nothing listed"), m.width)
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
	if m.input.Value() != "" {
		parts = append(parts, value.Render(fmt.Sprint(len(m.shown)))+label.Render(" match"))
	}
	if n := len(m.selected); n > 0 {
		parts = append(parts, m.st.Status.Warn.Render(fmt.Sprint(n))+label.Render(" selected"))
	}
	return truncate(strings.Join(parts, label.Render(" · ")), m.width)
}

func (m Model) helpView(height int) string {
	lines := []string{m.st.Help.Title.Render("keys in the source picker"), ""}
	groups := m.keys.forMode(modeList, state{}).FullHelp()
	var cols []string
	for _, g := range groups {
		if c := m.help.FullHelpView([][]key.Binding{g}); c != "" {
			cols = append(cols, c, "    ")
		}
	}
	lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, cols...), "\n")...)
	lines = append(lines, "",
		m.st.Muted.Render("An exchange is tapped whole (key #). A queue is tapped through copies of its"),
		m.st.Muted.Render("bindings: it is never consumed from, and what is published straight to it"),
		m.st.Muted.Render("through the default exchange is not seen."))
	for i, l := range lines {
		lines[i] = truncate(l, m.width)
	}
	return block(lines, height)
}

// block returns exactly height lines: lines cut or padded with empty ones.
func block(lines []string, height int) string {
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}
