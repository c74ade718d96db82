// Package styles holds shoveltap's theme and the one Styles struct built
// from it. Components receive Styles and never build styles while rendering.
package styles

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Theme is the palette. The defaults are the 16 ANSI colours, so the
// terminal's own palette decides the exact shades and both light and dark
// backgrounds stay readable.
type Theme struct {
	Accent  color.Color // headings, the filter prompt
	Muted   color.Color // secondary text
	OK      color.Color // tap running
	Warn    color.Color // starting, reconnecting, paused
	Error   color.Color // failed
	Key     color.Color // JSON keys, help keys
	String  color.Color // JSON strings
	Number  color.Color // JSON numbers
	Literal color.Color // JSON true, false, null
}

// DefaultTheme is the theme shoveltap uses.
func DefaultTheme() Theme {
	return Theme{
		Accent:  lipgloss.Blue,
		Muted:   lipgloss.BrightBlack,
		OK:      lipgloss.Green,
		Warn:    lipgloss.Yellow,
		Error:   lipgloss.Red,
		Key:     lipgloss.Cyan,
		String:  lipgloss.Green,
		Number:  lipgloss.Magenta,
		Literal: lipgloss.Yellow,
	}
}

// Styles are every style the UI uses, grouped by component.
type Styles struct {
	Table struct {
		Header   lipgloss.Style
		Time     lipgloss.Style
		Format   lipgloss.Style
		Selected lipgloss.Style // the whole selected row
		Empty    lipgloss.Style // "waiting for messages"
		Boundary lipgloss.Style // the line between a stream's history and live messages
	}
	Detail struct {
		Title   lipgloss.Style // the message line at the top
		Section lipgloss.Style // "Decoded", "Properties", …
		Label   lipgloss.Style
		Note    lipgloss.Style
		Omitted lipgloss.Style // "… N more bytes"
		Rule    lipgloss.Style // the line between table and detail
	}
	JSON struct {
		Key, String, Number, Literal, Punct lipgloss.Style
	}
	Status struct {
		Running, Starting, Reconnecting, Failed, Stopped lipgloss.Style
		Paused                                           lipgloss.Style
		Label                                            lipgloss.Style
		Value                                            lipgloss.Style
		Warn                                             lipgloss.Style // a non-zero drop count
		// Env is a named environment's label; Production is a production
		// environment's, always red.
		Env, Production lipgloss.Style
	}
	Filter struct {
		Prompt lipgloss.Style
		Active lipgloss.Style // the kept query when not typing
	}
	Help struct {
		Title lipgloss.Style
	}
	Muted     lipgloss.Style
	Bubbles   help.Styles
	TextInput textinput.Styles
}

// New builds the Styles for a theme. Call it once.
func New(t Theme) Styles {
	var s Styles
	base := lipgloss.NewStyle()
	muted := base.Foreground(t.Muted)

	s.Muted = muted

	s.Table.Header = base.Bold(true).Foreground(t.Accent)
	s.Table.Time = muted
	s.Table.Format = base.Foreground(t.Key)
	s.Table.Selected = base.Reverse(true)
	s.Table.Empty = muted
	s.Table.Boundary = base.Foreground(t.Accent)

	s.Detail.Title = base.Bold(true)
	s.Detail.Section = base.Bold(true).Foreground(t.Accent)
	s.Detail.Label = muted
	s.Detail.Note = base.Foreground(t.Warn)
	s.Detail.Omitted = base.Foreground(t.Warn).Italic(true)
	s.Detail.Rule = muted

	s.JSON.Key = base.Foreground(t.Key)
	s.JSON.String = base.Foreground(t.String)
	s.JSON.Number = base.Foreground(t.Number)
	s.JSON.Literal = base.Foreground(t.Literal)
	s.JSON.Punct = muted

	s.Status.Running = base.Foreground(t.OK).Bold(true)
	s.Status.Starting = base.Foreground(t.Warn)
	s.Status.Reconnecting = base.Foreground(t.Warn).Bold(true).Reverse(true)
	s.Status.Failed = base.Foreground(t.Error).Bold(true).Reverse(true)
	s.Status.Stopped = muted.Bold(true)
	s.Status.Paused = base.Foreground(t.Warn).Bold(true).Reverse(true)
	s.Status.Label = muted
	s.Status.Value = base
	s.Status.Warn = base.Foreground(t.Warn).Bold(true)
	s.Status.Env = base.Bold(true).Reverse(true)
	s.Status.Production = base.Foreground(t.Error).Bold(true).Reverse(true)

	s.Filter.Prompt = base.Foreground(t.Accent).Bold(true)
	s.Filter.Active = base.Foreground(t.Accent)

	s.Help.Title = base.Bold(true).Foreground(t.Accent)

	s.Bubbles = help.Styles{
		Ellipsis:       muted,
		ShortKey:       base.Foreground(t.Key),
		ShortDesc:      muted,
		ShortSeparator: muted,
		FullKey:        base.Foreground(t.Key),
		FullDesc:       base,
		FullSeparator:  muted,
	}

	ti := textinput.DefaultStyles(true)
	ti.Focused.Prompt = s.Filter.Prompt
	ti.Blurred.Prompt = s.Filter.Prompt
	ti.Focused.Text = base
	ti.Blurred.Text = s.Filter.Active
	ti.Focused.Placeholder = muted
	ti.Blurred.Placeholder = muted
	// A steady cursor: blinking would need a timer and makes screens
	// differ from one moment to the next.
	ti.Cursor.Blink = false
	s.TextInput = ti

	return s
}
