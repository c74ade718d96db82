package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/shoveltap/shoveltap/ui/common"
)

// thousands formats n with comma separators: 1,204.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// compactCount rounds large counts to three significant digits: 9,999,
// 12.3k, 456k, 1.23M, 12.3G.
func compactCount(n uint64) string {
	if n < 10_000 {
		return thousands(n)
	}
	v := float64(n)
	for _, suffix := range []string{"k", "M", "G", "T"} {
		v /= 1000
		switch {
		case v < 9.995:
			return strconv.FormatFloat(v, 'f', 2, 64) + suffix
		case v < 99.95:
			return strconv.FormatFloat(v, 'f', 1, 64) + suffix
		case v < 999.5:
			return strconv.FormatFloat(v, 'f', 0, 64) + suffix
		}
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "P"
}

// fit cuts s to width cells (ending in "…" when cut) and pads it with
// spaces to exactly width cells.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := common.TextWidth(s)
	if w > width {
		s = common.Cut(s, width)
		w = common.TextWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// fitRight is fit with the text aligned to the right.
func fitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := common.TextWidth(s)
	if w > width {
		return common.Cut(s, width)
	}
	return strings.Repeat(" ", width-w) + s
}

// inlineStyle is a style that only colours a line of text (no padding,
// width, border, margin or transform), reduced to the escape codes it puts
// around the text: lipgloss's Render measures and lays out every call, and
// table rows are built thousands of times a second.
type inlineStyle struct {
	style          lipgloss.Style
	prefix, suffix string
	exact          bool // Render(s) is prefix + s + suffix
}

func newInlineStyle(st lipgloss.Style) inlineStyle {
	const probe, check = "x", "a b…界"
	in := inlineStyle{style: st}
	before, after, found := strings.Cut(st.Render(probe), probe)
	in.prefix, in.suffix = before, after
	// A style that pads, aligns or transforms fails the check and is
	// left to Render.
	in.exact = found && st.Render(check) == before+check+after
	return in
}

// render is style.Render(s) for one line of text.
func (in inlineStyle) render(s string) string {
	if !in.exact || s == "" || strings.ContainsAny(s, "\n\t\r") {
		return in.style.Render(s)
	}
	return in.prefix + s + in.suffix
}

func itoa(n int) string { return strconv.Itoa(n) }
