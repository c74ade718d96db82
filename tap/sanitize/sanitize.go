// Package sanitize makes untrusted message text safe to put on a terminal.
//
// Message bodies, routing keys and headers come from whoever can publish to
// the broker. Written to a terminal as they are, an escape sequence could clear
// the screen, change the window title or move the cursor, and a bidi override
// could make text read differently from what it is. Stripping ANSI sequences
// is not enough (a lone ESC or a C1 control still does damage), so every
// dangerous code point is replaced by a visible escape such as \x1b or \u202e:
// the operator sees that it was there, and the terminal never acts on it.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

// tabWidth is the tab stop used when Block expands tabs. Tabs are expanded
// rather than kept because terminals place them at their own stops, which
// would break width calculations.
const tabWidth = 8

// Line sanitises s for a single-line cell: every control character,
// including newline and tab, becomes a visible escape.
func Line(s string) string {
	if isSafe(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	write(&b, s, false)
	return b.String()
}

// Block sanitises s for multi-line display: newlines are kept (a CRLF
// becomes a newline), tabs are expanded to spaces and every other control
// character becomes a visible escape.
func Block(s string) string {
	if isSafe(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	write(&b, s, true)
	return b.String()
}

// isSafe reports whether write would copy s unchanged: valid UTF-8 with no
// control and no dangerous character (newlines allowed in a block), the
// common case that needs no copy. Tabs, carriage returns and invalid
// bytes are always rewritten.
func isSafe(s string, block bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && (!block || c != '\n') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || isDangerous(r) {
			return false
		}
		i += size
	}
	return true
}

func write(b *strings.Builder, s string, block bool) {
	col := 0 // column within the current line, for tab expansion
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			// Invalid UTF-8: show the byte itself.
			writeByteEscape(b, s[i])
			col += 4
		case block && r == '\n':
			b.WriteByte('\n')
			col = 0
		case block && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// Drop the CR of a CRLF; the LF ends the line.
		case block && r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case r < 0x20 || r == 0x7f:
			writeNamedEscape(b, r)
			col += 2
			if r != '\n' && r != '\t' && r != '\r' {
				col += 2
			}
		case isDangerous(r):
			writeRuneEscape(b, r)
			col += 6
		default:
			b.WriteString(s[i : i+size])
			col++ // approximate: only used for tab stops
		}
		i += size
	}
}

// isDangerous reports whether r is a C1 control or a character that changes
// how surrounding text is displayed: bidi embeddings, overrides, isolates and
// marks, and the Unicode line and paragraph separators.
func isDangerous(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls, e.g. CSI U+009B
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x200e || r == 0x200f || r == 0x061c: // LRM, RLM, ALM
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"

// writeNamedEscape writes a C0 control or DEL the way Go would quote it:
// \n, \t, \r for the familiar ones and \xNN for the rest.
func writeNamedEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\t':
		b.WriteString(`\t`)
	case '\r':
		b.WriteString(`\r`)
	default:
		writeByteEscape(b, byte(r))
	}
}

func writeByteEscape(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func writeRuneEscape(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}
