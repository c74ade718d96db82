package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// filterSyntax is the filter's reference, shown under the keys.
var filterSyntax = []string{
	"words       match anywhere: routing key, exchange, headers, summary, body",
	`"a b"       one term with a space       -term   excludes what matches`,
	"rk:order.#  routing key, AMQP topic pattern (* one word, # any words)",
	"exchange:x  ctype:json  format:celery   all terms must match",
	"task:name   also id: root: parent: group: event: method: type: status:",
	"task:a.*    * is a wildcard             task:   the term is set at all",
	"trace:4bf9  W3C trace id (any part)     route:unroutable  no queue got it",
}

// helpScreen is the full help, drawn in place of the table and the detail
// pane: the keys of the pane under it, then the filter syntax.
type helpScreen struct {
	com    common.Common
	help   help.Model
	title  string          // which pane the keys are of
	groups [][]key.Binding // that pane's FullHelp
}

var _ common.Component = (*helpScreen)(nil)

func newHelpScreen(com common.Common) helpScreen {
	h := help.New()
	h.Styles = com.Styles.Bubbles
	return helpScreen{com: com, help: h}
}

// show sets the pane whose keys the screen lists, titled "keys in <name>".
func (h *helpScreen) show(name string, pane common.Component) {
	h.title = "keys in " + name
	h.groups = pane.FullHelp()
}

func (h *helpScreen) SetSize(width, height int) {
	h.com.SetSize(width, height)
	h.help.SetWidth(width)
}

func (h helpScreen) View() string {
	return helpView(h.com.Styles, h.help, h.title, h.groups, h.com.Width, h.com.Height)
}

// ShortHelp lists the keys that work while the help is shown.
func (h helpScreen) ShortHelp() []key.Binding {
	k := h.com.Keys.For(keys.ModeHelp, keys.State{})
	return []key.Binding{k.CloseHelp, k.Quit}
}

func (h helpScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{h.ShortHelp()}
}

// helpView draws the full help in a box of width × height: the key groups
// side by side as far as they fit, then the filter syntax.
func helpView(st *styles.Styles, h help.Model, title string, groups [][]key.Binding, width, height int) string {
	lines := []string{st.Help.Title.Render(title), ""}

	var row []string
	rowWidth := 0
	flush := func() {
		if len(row) > 0 {
			lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, row...), "\n")...)
			lines = append(lines, "")
		}
		row, rowWidth = nil, 0
	}
	for _, g := range groups {
		col := h.FullHelpView([][]key.Binding{g})
		if col == "" {
			continue // every binding of the group is disabled now
		}
		w := lipgloss.Width(col)
		if len(row) > 0 {
			if rowWidth+4+w > width {
				flush()
			} else {
				col = lipgloss.JoinHorizontal(lipgloss.Top, "    ", col)
				w += 4
			}
		}
		row = append(row, col)
		rowWidth += w
	}
	flush()

	// The syntax is worth showing only whole.
	if len(lines)+len(filterSyntax)+1 <= height {
		lines = append(lines, st.Help.Title.Render("filter"), "")
		for _, l := range filterSyntax {
			lines = append(lines, st.Muted.Render(l))
		}
	}

	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return common.Block(lines, height)
}
