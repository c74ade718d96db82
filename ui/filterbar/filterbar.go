// Package filterbar is the one-line filter of both screens, the tracer's
// (on messages) and the source picker's (on names): a text input while
// typing, the kept query otherwise.
package filterbar

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
)

// Prompt starts the bar.
const Prompt = "/ "

// Bar is the filter bar. Its keys are the screen's: it lists them in its
// help while typing, when every other key is part of the query.
type Bar struct {
	com    common.Common
	input  textinput.Model
	typing bool
	short  []key.Binding
	full   [][]key.Binding
}

var _ common.Component = (*Bar)(nil)

// New makes a bar that shows placeholder while the query is empty, with
// short and full as its help.
func New(com common.Common, placeholder string, short []key.Binding, full [][]key.Binding) Bar {
	in := textinput.New()
	in.Prompt = Prompt
	in.Placeholder = placeholder
	in.SetStyles(com.Styles.TextInput)
	return Bar{com: com, input: in, short: short, full: full}
}

// SetSize sets the bar's width; it is one line high when visible.
func (b *Bar) SetSize(width, height int) {
	b.com.SetSize(width, height)
	b.input.SetWidth(max(1, width-ansi.StringWidth(Prompt)-1))
}

// ShortHelp lists the keys that work while typing.
func (b Bar) ShortHelp() []key.Binding { return b.short }

// FullHelp lists them in groups.
func (b Bar) FullHelp() [][]key.Binding { return b.full }

// Typing reports whether the cursor is in the bar.
func (b Bar) Typing() bool { return b.typing }

// Visible reports whether the bar takes a line: while typing or while a
// query is kept.
func (b Bar) Visible() bool { return b.typing || b.Value() != "" }

// Value is the query.
func (b Bar) Value() string { return b.input.Value() }

// Start puts the cursor in the bar.
func (b *Bar) Start() tea.Cmd {
	b.typing = true
	b.input.CursorEnd()
	return b.input.Focus()
}

// Set puts a query in the bar without entering it (a starting filter).
func (b *Bar) Set(query string) { b.input.SetValue(query) }

// Keep leaves the bar, keeping the query.
func (b *Bar) Keep() {
	b.typing = false
	b.input.Blur()
}

// Clear leaves the bar and empties the query.
func (b *Bar) Clear() {
	b.Keep()
	b.input.Reset()
}

// Update passes a key or a paste to the input and reports whether the
// query changed.
func (b *Bar) Update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	before := b.input.Value()
	b.input, cmd = b.input.Update(msg)
	return b.input.Value() != before, cmd
}

// View is the input while typing, the kept query otherwise.
func (b Bar) View() string {
	if b.typing {
		return common.Truncate(b.input.View(), b.com.Width)
	}
	st := b.com.Styles
	query := common.Truncate(sanitize.Line(b.Value()), b.com.Width-ansi.StringWidth(Prompt))
	return common.Truncate(st.Filter.Prompt.Render(Prompt)+st.Filter.Active.Render(query), b.com.Width)
}
