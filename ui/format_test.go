package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/ui/common"
)

func TestThousands(t *testing.T) {
	tests := map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1204: "1,204", 1234567: "1,234,567"}
	for n, want := range tests {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		s     string
		width int
		want  string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 5, "abcd…"},
		{"注文注文", 5, "注文…"},
		{"注文", 3, "注…"},
		{"x", 0, ""},
	}
	for _, tt := range tests {
		got := fit(tt.s, tt.width)
		if got != tt.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); tt.width > 0 && w != tt.width {
			t.Errorf("fit(%q, %d) is %d cells wide", tt.s, tt.width, w)
		}
	}
	if got := fitRight("12K", 5); got != "  12K" {
		t.Errorf("fitRight = %q", got)
	}
}

func TestCompactCount(t *testing.T) {
	tests := map[uint64]string{
		0: "0", 9999: "9,999", 10_000: "10.0k", 12_345: "12.3k", 456_789: "457k", 999_499: "999k",
		999_500: "1.00M", 1_234_567: "1.23M", 12_345_678_901: "12.3G",
	}
	for n, want := range tests {
		if got := compactCount(n); got != want {
			t.Errorf("compactCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// The ASCII fast paths of fit, fitRight, truncate and textWidth give what
// the ansi package gives.
func TestFitFastPathMatchesAnsi(t *testing.T) {
	texts := []string{"", "a", "order.eu.created", "shoveltap-bench-raw-ingest-1", "  spaced  out ",
		"café au lait", "漢字のキー", "a…b", "\x1b[31mred\x1b[m", "tab\there", "~!@#$%^&*()_+{}|:<>?"}
	for _, s := range texts {
		if got, want := common.TextWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("common.TextWidth(%q) = %d, want %d", s, got, want)
		}
		for width := 1; width <= 32; width++ {
			if got, want := common.Cut(s, width), ansi.Truncate(s, width, "…"); got != want {
				t.Errorf("common.Cut(%q, %d) = %q, want %q", s, width, got, want)
			}
			want := ansi.Truncate(s, width, "…")
			if w := ansi.StringWidth(want); w < width {
				want += strings.Repeat(" ", width-w)
			}
			if got := fit(s, width); got != want {
				t.Errorf("fit(%q, %d) = %q, want %q", s, width, got, want)
			}
			if got := ansi.StringWidth(fitRight(s, width)); got != width && ansi.StringWidth(s) <= width {
				t.Errorf("fitRight(%q, %d) is %d cells wide", s, width, got)
			}
		}
	}
}

// The table's cell styles take the fast path, and it renders exactly what
// lipgloss renders.
func TestInlineStyleMatchesRender(t *testing.T) {
	st := common.New().Styles
	for name, style := range map[string]lipgloss.Style{
		"time": st.Table.Time, "format": st.Table.Format, "selected": st.Table.Selected,
	} {
		in := newInlineStyle(style)
		if !in.exact {
			t.Errorf("%s: the style is not reduced to its escape codes", name)
		}
		for _, s := range []string{"12:04:05.123", "celery", "▸ order.eu.created  1.2K  {\"id\": 7}", "漢字 …", " ", "x"} {
			if got, want := in.render(s), style.Render(s); got != want {
				t.Errorf("%s: render(%q) = %q, want %q", name, s, got, want)
			}
		}
	}
	// A style that pads to a width is left to Render.
	wide := lipgloss.NewStyle().Width(8).Foreground(lipgloss.Color("#ff0000"))
	in := newInlineStyle(wide)
	if in.exact {
		t.Error("a style with a width was reduced to escape codes")
	}
	if got, want := in.render("ab"), wide.Render("ab"); got != want {
		t.Errorf("render with a width = %q, want %q", got, want)
	}
}
