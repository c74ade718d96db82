package decode

import (
	"strings"
	"testing"
	"unicode"
)

// oneLineByRunes is oneLine as it was before its ASCII paths: the
// reference it must still agree with.
func oneLineByRunes(s string, max int) string {
	var b strings.Builder
	space, cut := false, false
	for i, r := range s {
		if b.Len() >= max {
			cut = i < len(s)
			break
		}
		if unicode.IsSpace(r) || r == 0x85 || r == 0x2028 || r == 0x2029 {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if cut {
		return strings.TrimRight(b.String(), " ") + ellipsis
	}
	return b.String()
}

func TestOneLineAgrees(t *testing.T) {
	for _, s := range []string{
		"", " ", "a", "a b", "a  b", " a", "a ", "a\tb\nc", "\x00\x7f", "é è", "a\u00a0b", "a\u2028b",
		"\xff\xfe", "x\x85y", `Order {"order_id":"42"}`, strings.Repeat("ab ", 100), strings.Repeat("é", 150),
		strings.Repeat("a", 199) + "  b", strings.Repeat("a", 200), strings.Repeat("a", 201),
	} {
		for _, max := range []int{1, 3, 200} {
			if got, want := oneLine(s, max), oneLineByRunes(s, max); got != want {
				t.Errorf("oneLine(%q, %d) = %q, want %q", s, max, got, want)
			}
		}
	}
}

func FuzzOneLine(f *testing.F) {
	f.Add("a  b\tc", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			return
		}
		if got, want := oneLine(s, max), oneLineByRunes(s, max); got != want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", s, max, got, want)
		}
	})
}
