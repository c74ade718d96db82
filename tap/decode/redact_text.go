package decode

import "strings"

// redactReprText replaces the values of secret keys in Python repr or
// JSON text, such as Celery's kwargsrepr "{'password': 'x', 'n': 1}". It
// follows quotes and brackets rather than parsing, so it also works on
// reprs cut short. Values become '[redacted]' in the key's quotes.
func redactReprText(s string) (string, bool) {
	if !strings.Contains(s, ":") || !strings.ContainsAny(s, `'"`) {
		return s, false
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		q := s[i]
		if q != '\'' && q != '"' {
			i++
			continue
		}
		end := quotedEnd(s, i)
		colon := skipSpaceString(s, end)
		if end-i < 2 || s[end-1] != q || colon >= len(s) || s[colon] != ':' || !IsSecretKey(s[i+1:end-1]) {
			i = end
			continue
		}
		v := skipSpaceString(s, colon+1)
		ve := reprValueEnd(s, v)
		val := strings.TrimSpace(s[v:ve])
		if val == "" || val == "None" || val == "null" || val == "''" || val == `""` {
			i = ve
			continue
		}
		b.WriteString(s[last:v])
		b.WriteByte(q)
		b.WriteString(redacted)
		b.WriteByte(q)
		last, i = ve, ve
	}
	if last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// quotedEnd returns the index past the string quoted at s[i], or len(s).
func quotedEnd(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(s)
}

func skipSpaceString(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// reprValueEnd returns where the value starting at s[i] ends: at the
// comma or closing bracket that ends it, outside quotes and brackets.
func reprValueEnd(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch c := s[i]; c {
		case '\'', '"':
			i = quotedEnd(s, i)
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return len(s)
}
