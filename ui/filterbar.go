package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
	"github.com/shoveltap/shoveltap/ui/sanitize"
)

const filterPrompt = "/ "

// filterBar is the one-line filter: a text input while typing, the kept
// query otherwise.
type filterBar struct {
	com    common.Common
	input  textinput.Model
	typing bool
}

var _ common.Component = (*filterBar)(nil)

func newFilterBar(com common.Common) filterBar {
	in := textinput.New()
	in.Prompt = filterPrompt
	in.Placeholder = "text, rk:order.#, task:tasks.add, -term"
	in.SetStyles(com.Styles.TextInput)
	return filterBar{com: com, input: in}
}

// SetSize sets the bar's width; it is one line high when visible.
func (f *filterBar) SetSize(width, height int) {
	f.com.SetSize(width, height)
	f.input.SetWidth(max(1, width-ansi.StringWidth(filterPrompt)-1))
}

// ShortHelp lists the keys that work while typing: every other key is
// part of the query.
func (f filterBar) ShortHelp() []key.Binding {
	k := f.com.Keys.For(keys.ModeFilter, keys.State{})
	return []key.Binding{k.ApplyFilter, k.CancelFilter, k.Quit}
}

func (f filterBar) FullHelp() [][]key.Binding {
	k := f.com.Keys.For(keys.ModeFilter, keys.State{})
	return [][]key.Binding{{k.ApplyFilter, k.CancelFilter}, {k.Quit}}
}

// visible reports whether the bar takes a line: while typing or while a
// filter is kept.
func (f filterBar) visible() bool { return f.typing || f.value() != "" }

func (f filterBar) value() string { return f.input.Value() }

// start puts the cursor in the bar.
func (f *filterBar) start() tea.Cmd {
	f.typing = true
	f.input.CursorEnd()
	return f.input.Focus()
}

// set puts a query in the bar without entering it (a starting filter).
func (f *filterBar) set(query string) { f.input.SetValue(query) }

// keep leaves the bar, keeping the query.
func (f *filterBar) keep() {
	f.typing = false
	f.input.Blur()
}

// clear leaves the bar and empties the query.
func (f *filterBar) clear() {
	f.keep()
	f.input.Reset()
}

// update passes a key or paste to the input and reports whether the query
// changed.
func (f *filterBar) update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	before := f.input.Value()
	f.input, cmd = f.input.Update(msg)
	return f.input.Value() != before, cmd
}

func (f filterBar) View() string {
	if f.typing {
		return truncate(f.input.View(), f.com.Width)
	}
	return truncate(f.com.Styles.Filter.Prompt.Render(filterPrompt)+
		f.com.Styles.Filter.Active.Render(truncate(sanitize.Line(f.value()), f.com.Width-ansi.StringWidth(filterPrompt))), f.com.Width)
}
