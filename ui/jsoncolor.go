package ui

import (
	"strings"

	"github.com/shoveltap/shoveltap/ui/styles"
)

// colorJSON colours one line of indented JSON: keys, strings, numbers,
// literals and punctuation. It never fails: the decoder may have cut the
// text short, and anything it does not recognise is copied as it is. The
// line must already be sanitised.
func colorJSON(st *styles.Styles, line string) string {
	var b strings.Builder
	b.Grow(len(line) * 2)
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ':
			j := i
			for j < len(line) && line[j] == ' ' {
				j++
			}
			b.WriteString(line[i:j])
			i = j
		case c == '"':
			j := stringEnd(line, i)
			tok := line[i:j]
			if isKey(line, j) {
				b.WriteString(st.JSON.Key.Render(tok))
			} else {
				b.WriteString(st.JSON.String.Render(tok))
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(line) && strings.IndexByte("0123456789.eE+-", line[j]) >= 0 {
				j++
			}
			b.WriteString(st.JSON.Number.Render(line[i:j]))
			i = j
		case strings.HasPrefix(line[i:], "true"), strings.HasPrefix(line[i:], "null"):
			b.WriteString(st.JSON.Literal.Render(line[i : i+4]))
			i += 4
		case strings.HasPrefix(line[i:], "false"):
			b.WriteString(st.JSON.Literal.Render(line[i : i+5]))
			i += 5
		case strings.IndexByte("{}[],:", c) >= 0:
			j := i + 1
			for j < len(line) && strings.IndexByte("{}[],:", line[j]) >= 0 {
				j++
			}
			b.WriteString(st.JSON.Punct.Render(line[i:j]))
			i = j
		default:
			// Not JSON (a cut-off marker, say): copy up to the next space.
			j := i + 1
			for j < len(line) && line[j] != ' ' && line[j] != '"' {
				j++
			}
			b.WriteString(line[i:j])
			i = j
		}
	}
	return b.String()
}

// stringEnd returns the index just past the string starting at the quote at
// i, or the end of the line for an unterminated string.
func stringEnd(line string, i int) int {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(line)
}

// isKey reports whether the string ending at j is an object key, that is
// followed by a colon.
func isKey(line string, j int) bool {
	for j < len(line) && line[j] == ' ' {
		j++
	}
	return j < len(line) && line[j] == ':'
}
