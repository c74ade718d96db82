package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// markStyles shows each token class as brackets, so the test can see
// which class every token got.
func markStyles() *styles.Styles {
	st := styles.New(styles.DefaultTheme())
	mark := func(open, close string) lipgloss.Style {
		return lipgloss.NewStyle().Transform(func(s string) string { return open + s + close })
	}
	st.JSON.Key = mark("K<", ">")
	st.JSON.String = mark("S<", ">")
	st.JSON.Number = mark("N<", ">")
	st.JSON.Literal = mark("L<", ">")
	st.JSON.Punct = mark("P<", ">")
	return &st
}

func TestColorJSON(t *testing.T) {
	st := markStyles()
	tests := []struct{ in, want string }{
		{`  "order_id": 1842,`, `  K<"order_id">P<:> N<1842>P<,>`},
		{`  "name": "a \"quoted\" b",`, `  K<"name">P<:> S<"a \"quoted\" b">P<,>`},
		{`  "ok": true, "x": null`, `  K<"ok">P<:> L<true>P<,> K<"x">P<:> L<null>`},
		{`  "n": -1.5e+3`, `  K<"n">P<:> N<-1.5e+3>`},
		{`  ],`, `  P<],>`},
		{`  "cut off here`, `  S<"cut off here>`},
		{`  "esc": "\x1b[2J"`, `  K<"esc">P<:> S<"\x1b[2J">`},
		{`… 12 more`, `… N<12> more`},
	}
	for _, tt := range tests {
		got := ansi.Strip(colorJSON(st, tt.in))
		if got != tt.want {
			t.Errorf("colorJSON(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestColorJSONKeepsTheText(t *testing.T) {
	st := styles.New(styles.DefaultTheme())
	lines := []string{`{`, `  "a": [1, 2, {"b": false}],`, `  "c": "d"`, `}`, `not json at all`, `"unterminated`}
	for _, l := range lines {
		if got := ansi.Strip(colorJSON(&st, l)); got != l {
			t.Errorf("colouring changed %q into %q", l, got)
		}
	}
	if !strings.Contains(colorJSON(&st, `"a": 1`), "\x1b[") {
		t.Error("no colour at all")
	}
}
