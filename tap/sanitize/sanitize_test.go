package sanitize

import (
	// golden registers the -update flag, so that `go test ./ui/... -update`
	// runs in every package.
	_ "github.com/charmbracelet/x/exp/golden"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "order.created", "order.created"},
		{"unicode kept", "café ☕ 注文", "café ☕ 注文"},
		{"escape sequences", "\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\x07`},
		{"newline and tab", "a\nb\tc\r", `a\nb\tc\r`},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 csi", "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", "abc\u202edef\u202c", `abc\u202edef\u202c`},
		{"bidi isolates", "\u2066x\u2069", `\u2066x\u2069`},
		{"marks", "\u200f\u200e\u061c", `\u200f\u200e\u061c`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid utf8", "a\xffb\xc3", `a\xffb\xc3`},
		{"real replacement char kept", "a\ufffdb", "a\ufffdb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBlock(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"newlines kept", "a\nb", "a\nb"},
		{"crlf", "a\r\nb", "a\nb"},
		{"lone cr", "a\rb", `a\rb`},
		{"tab stops", "a\tb\n\tc", "a       b\n        c"},
		{"tab after escape", "\x1b\tx", `\x1b` + "    x"},
		{"escapes", "x\x1b[31my\n\u202ez", `x\x1b[31my` + "\n" + `\u202ez`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Block(tt.in); got != tt.want {
				t.Errorf("Block(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNothingDangerousSurvives feeds every byte and every dangerous rune
// through Line and checks that the output is printable and that its
// terminal width equals its length, i.e. no byte is invisible or a control.
func TestNothingDangerousSurvives(t *testing.T) {
	var in []byte
	for c := 0; c < 256; c++ {
		in = append(in, byte(c))
	}
	for _, r := range []rune{0x85, 0x9b, 0x9d, 0x202a, 0x202e, 0x2066, 0x2069, 0x200f, 0x2028} {
		in = append(in, string(r)...)
	}
	for _, out := range []string{Line(string(in)), Block(string(in))} {
		for i := 0; i < len(out); i++ {
			c := out[i]
			if c == '\n' {
				continue
			}
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("byte %#x survived at %d in %q", c, i, out)
			}
		}
		if ansi.Strip(out) != out {
			t.Errorf("output still holds an escape sequence: %q", out)
		}
	}
}

func BenchmarkLinePlain(b *testing.B) {
	s := "orders.eu-west-1.order.created.v2"
	for b.Loop() {
		_ = Line(s)
	}
}

// isSafe never lets through a string that write would change: Line and
// Block return their input uncopied only when it is already safe.
func FuzzIsSafe(f *testing.F) {
	for _, s := range []string{"", "plain", "café", "漢字", "a\nb", "a\r\nb", "tab\t", "\x1b[2J", "\u009b31m",
		"\u202egnp", "\u2066x\u2069", "\u200e", "\u2028", "\xff\xfe", "ok…", "\x7f", "\u00a0nbsp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, block := range []bool{false, true} {
			var b strings.Builder
			write(&b, s, block)
			if isSafe(s, block) && b.String() != s {
				t.Errorf("isSafe(%q, %v) but write gives %q", s, block, b.String())
			}
		}
	})
}
