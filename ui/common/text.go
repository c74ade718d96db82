package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Truncate cuts s to at most width cells, ending in "…" when cut.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if TextWidth(s) <= width {
		return s
	}
	return Cut(s, width)
}

// Cut is ansi.Truncate(s, width, "…"). Table cells are cut thousands of
// times a second and are mostly printable ASCII, whose width is its
// length: such text is cut by bytes rather than by grapheme clusters.
func Cut(s string, width int) string {
	if printableASCII(s) {
		if len(s) <= width {
			return s
		}
		if width <= 0 {
			return ""
		}
		return s[:width-1] + "…"
	}
	return ansi.Truncate(s, width, "…")
}

// TextWidth is ansi.StringWidth, without the grapheme segmentation for
// printable ASCII (one cell a byte).
func TextWidth(s string) int {
	if printableASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Block returns exactly height lines: lines cut or padded with empty ones.
func Block(lines []string, height int) string {
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
