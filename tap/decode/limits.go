package decode

import (
	"unicode"
	"unicode/utf8"
)

// Limits that bound what any decoder spends on one message. They are
// deliberately generous for real traffic and small for hostile traffic.
const (
	// maxRender is how many body bytes are rendered into Body.Text.
	maxRender = 64 << 10
	// maxRenderOut bounds Body.Text itself: pretty-printing deeply nested
	// JSON or a hex dump makes the text larger than the bytes it shows.
	maxRenderOut = 6 * maxRender
	// maxParse is the largest body that is parsed into a structure (JSON,
	// msgpack, YAML). Larger bodies are rendered, not decoded.
	maxParse = 1 << 20
	// maxDecompressed caps the output of decompression.
	maxDecompressed = 8 << 20
	// maxSummary is the length, in bytes, that a Summary is cut to.
	maxSummary = 200
	// maxField is the length a Field value is cut to.
	maxField = 400
	// maxDepth bounds nesting when walking decoded structures.
	maxDepth = 64
	// maxNotes keeps the Notes list short whatever the message says.
	maxNotes = 16
)

const ellipsis = "…"

// oneLine collapses every run of whitespace (including newlines) into one
// space, trims the ends, and cuts the result to about max bytes on a rune
// boundary, ending with "…" when cut. Invalid UTF-8 becomes U+FFFD.
func oneLine(s string, max int) string {
	if len(s) <= max && isOneLine(s) {
		// Most fields (ids, names, hosts) are one line already: no copy.
		return s
	}
	// Built on the stack: one allocation, the string's.
	var buf [512]byte
	return string(appendOneLine(buf[:0], s, max))
}

// appendOneLine appends oneLine(s, limit) to dst.
func appendOneLine[T string | []byte](dst []byte, s T, limit int) []byte {
	if len(s) <= limit && isOneLine(s) {
		return append(dst, s...)
	}
	start := len(dst)
	space := false
	cut := false
	for i := 0; i < len(s); {
		if len(dst)-start >= limit {
			cut = true
			break
		}
		if c := s[i]; c > ' ' && c < 0x7f {
			// A run of printable ASCII, copied at once: the byte at i,
			// after the space it may owe, then as many more as the
			// byte-by-byte loop would write before the cut.
			if space {
				dst = append(dst, ' ')
				space = false
			}
			j := i + 1
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			// The byte at i is written whatever the room left.
			n := max(1, min(j-i, limit-(len(dst)-start)))
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		// The rest rune by rune (an invalid byte is U+FFFD, as ranging
		// over the string gives). A rune is at most utf8.UTFMax bytes:
		// that much is made a string, on the stack.
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		}
		i += size
		if asciiSpace(r) || r >= utf8.RuneSelf && (unicode.IsSpace(r) || r == 0x85 || r == 0x2028 || r == 0x2029) {
			space = len(dst) > start
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	if cut {
		for len(dst) > start && dst[len(dst)-1] == ' ' {
			dst = dst[:len(dst)-1]
		}
		dst = append(dst, ellipsis...)
	}
	return dst
}

// isOneLine reports whether oneLine would give s back unchanged when it is
// short enough: printable ASCII, single spaces between words, none at the
// ends.
func isOneLine[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
			continue
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// asciiSpace is unicode.IsSpace for ASCII.
func asciiSpace(r rune) bool {
	return r == ' ' || r >= '\t' && r <= '\r'
}

// truncate cuts s to about max bytes on a rune boundary, adding "…".
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}

// shortID abbreviates a UUID-like id for summaries.
func shortID(id string) string {
	if len(id) <= 9 {
		return id
	}
	return truncate(id, 8)
}

// addNote appends a note unless the list is already full.
func (r *Result) addNote(n string) {
	if len(r.Notes) < maxNotes {
		r.Notes = append(r.Notes, n)
	}
}

// addField appends a field with its value cut to one bounded line; empty
// values are skipped so callers need not check.
func (r *Result) addField(name, value string) {
	if value == "" {
		return
	}
	r.Fields = append(r.Fields, Field{Name: name, Value: oneLine(value, maxField)})
}

// setTerm records a filter term when the value is set.
func (r *Result) setTerm(key, value string) {
	if value == "" {
		return
	}
	if r.Terms == nil {
		r.Terms = make(map[string]string, 4)
	}
	r.Terms[key] = truncate(value, maxField)
}
