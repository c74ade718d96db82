package decode

import (
	"strings"
	"testing"
	"unicode"
)

// oneLineSlow is oneLine's rule spelled out: whitespace runs become one
// space, the ends are trimmed, invalid UTF-8 becomes U+FFFD.
func oneLineSlow(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == 0x85 || r == 0x2028 || r == 0x2029
	}), " ")
}

// The fast path (a string that is one line already comes back as it is)
// gives what the rune-by-rune path gives, for short strings of every kind.
func TestOneLine(t *testing.T) {
	for _, s := range []string{
		"", "a", "celery@w1", "task-succeeded app.tasks.x", " lead", "trail ", "two  spaces", "tab\there",
		"line\nbreak", "ctrl\x01char", "del\x7f", "café", "bad\xffutf8", "x\u2028y", "ValueError('bad input')",
		strings.Repeat("a b ", 50),
	} {
		if got, want := oneLine(s, 1000), oneLineSlow(s); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
	}
	long := strings.Repeat("x", 500)
	if got := oneLine(long, maxField); !strings.HasSuffix(got, ellipsis) || len(got) > maxField+len(ellipsis) {
		t.Errorf("oneLine of 500 bytes = %d bytes %q…, want cut at %d with an ellipsis", len(got), got[:10], maxField)
	}
}

// oneLineByRunes is oneLine as it was before its ASCII paths: the
// reference the byte-by-byte path must agree with, cuts included.
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
		want := oneLineByRunes(s, max)
		if got := oneLine(s, max); got != want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", s, max, got, want)
		}
		if got := appendOneLine([]byte("pre"), []byte(s), max); string(got) != "pre"+want {
			t.Errorf("appendOneLine(pre, %q, %d) = %q, want pre%q", s, max, got, want)
		}
	})
}
