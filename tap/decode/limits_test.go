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
