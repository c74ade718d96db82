package picker

import (
	"github.com/shoveltap/shoveltap/ui/filterbar"

	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
)

// list is the exchanges and queues, or in their place what is happening:
// loading, the error that stopped the loading, or why nothing is listed.
type list struct {
	com   common.Common
	table table.Model
	cols  []table.Column
	keys  keyMap // every binding of the picker
	// mode and state decide which keys work now; the root sets them.
	mode  mode
	state state

	// What View shows in place of rows, set by the root.
	loading bool   // loading for the first time
	err     error  // the list could not be loaded
	empty   string // why no row is listed
}

var _ common.Component = (*list)(nil)

func newList(com common.Common, keys keyMap) list {
	// The cursor row is reversed and marked with ▸ so that it shows
	// without colour too.
	st := com.Styles
	tableStyles := table.Styles{
		Header:   st.Table.Header.PaddingRight(1),
		Cell:     lipgloss.NewStyle().PaddingRight(1),
		Selected: st.Table.Selected.Transform(markCursor),
	}
	t := table.New(table.WithStyles(tableStyles), table.WithFocused(true))
	return list{com: com, table: t, keys: keys}
}

// SetSize sets the list's size, its header line included. A new width
// makes new columns.
func (l *list) SetSize(width, height int) {
	if width != l.com.Width || l.cols == nil {
		l.cols = columns(width)
		l.table.SetColumns(l.cols)
	}
	l.com.SetSize(width, height)
	l.table.SetWidth(width)
	l.table.SetHeight(height)
}

func (l list) View() string {
	st, h := l.com.Styles, l.com.Height
	switch {
	case l.loading:
		return l.message(st.Muted.Render("loading exchanges and queues…"), "")
	case l.err != nil:
		return l.message(st.Detail.Title.Render("could not list the exchanges and queues"),
			sanitize.Line(l.err.Error()))
	case l.empty != "":
		header := strings.SplitN(l.table.View(), "\n", 2)[0]
		return common.Block([]string{common.Truncate(header, l.com.Width), st.Table.Empty.Render(common.Truncate(l.empty, l.com.Width))}, h)
	}
	lines := strings.Split(l.table.View(), "\n")
	for i, line := range lines {
		lines[i] = common.Truncate(line, l.com.Width)
	}
	return common.Block(lines, h)
}

// message is a centred notice in place of the table, with an optional
// explanation wrapped below it.
func (l list) message(title, detail string) string {
	width := l.com.Width
	lines := []string{common.Truncate(title, width)}
	if detail != "" {
		lines = append(lines, "")
		lines = append(lines, strings.Split(ansi.Wrap(detail, max(1, min(width-4, 76)), ""), "\n")...)
	}
	// Padded to one width, the block is centred as a whole and its
	// paragraph stays aligned on the left.
	w := 0
	for _, line := range lines {
		w = max(w, ansi.StringWidth(line))
	}
	for i, line := range lines {
		lines[i] = line + strings.Repeat(" ", w-ansi.StringWidth(line))
	}
	placed := lipgloss.Place(width, l.com.Height, lipgloss.Center, lipgloss.Center, strings.Join(lines, "\n"))
	return common.Block(strings.Split(placed, "\n"), l.com.Height) // Place keeps a taller message whole
}

// ShortHelp lists the list's keys that work now, most useful first: the
// help line is cut at the terminal's width.
func (l list) ShortHelp() []key.Binding {
	k := l.keys.forMode(l.mode, l.state)
	return []key.Binding{k.Tap, k.Toggle, k.Filter, k.ClearFilter, k.Reload, k.Help, k.Quit}
}

// FullHelp lists every key of the list, one column per group, whether or
// not it does something this moment.
func (l list) FullHelp() [][]key.Binding {
	k := l.keys.forMode(modeList, state{})
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Toggle, k.Tap, k.Reload},
		{k.Filter, k.ClearFilter},
		{k.Help, k.Quit},
	}
}

// newFilterBar is the picker's filter on names. While typing, the arrows
// still move in the list.
func newFilterBar(com common.Common, keys keyMap) filterbar.Bar {
	k := keys.forMode(modeFilter, state{})
	return filterbar.New(com, "part of a name",
		[]key.Binding{k.ApplyFilter, k.CancelFilter, k.Quit},
		[][]key.Binding{{k.Up, k.Down}, {k.ApplyFilter, k.CancelFilter}, {k.Quit}})
}

// helpScreen is the full help in place of the list: the list's keys, then
// what tapping an exchange or a queue means.
type helpScreen struct {
	com    common.Common
	help   help.Model
	groups [][]key.Binding // the list's FullHelp
	keys   keyMap          // every binding of the picker
}

var _ common.Component = (*helpScreen)(nil)

func newHelpScreen(com common.Common, keys keyMap) helpScreen {
	h := help.New()
	h.Styles = com.Styles.Bubbles
	return helpScreen{com: com, help: h, keys: keys}
}

// show sets the pane whose keys the screen lists.
func (h *helpScreen) show(pane common.Component) { h.groups = pane.FullHelp() }

func (h *helpScreen) SetSize(width, height int) {
	h.com.SetSize(width, height)
	h.help.SetWidth(width)
}

func (h helpScreen) View() string {
	st := h.com.Styles
	lines := []string{st.Help.Title.Render("keys in the source picker"), ""}

	var cols []string
	for _, g := range h.groups {
		if c := h.help.FullHelpView([][]key.Binding{g}); c != "" {
			cols = append(cols, c, "    ")
		}
	}
	lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, cols...), "\n")...)
	lines = append(lines, "",
		st.Muted.Render("An exchange is tapped whole (key #). A queue is tapped through copies of its"),
		st.Muted.Render("bindings: it is never consumed from, and what is published straight to it"),
		st.Muted.Render("through the default exchange is not seen."))
	for i, l := range lines {
		lines[i] = common.Truncate(l, h.com.Width)
	}
	return common.Block(lines, h.com.Height)
}

func (h helpScreen) ShortHelp() []key.Binding {
	k := h.keys.forMode(modeHelp, state{})
	return []key.Binding{k.CloseHelp, k.Quit}
}

func (h helpScreen) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }
