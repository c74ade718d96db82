package decode

import (
	"bytes"
	"encoding/json"
	"strings"
)

// jsonFormatter re-prints JSON that json.Valid has already accepted. It is
// a byte-level state machine rather than json.Indent because it must stop
// at an output limit (deeply nested JSON indents quadratically), report
// how much input it consumed, and redact the values of chosen keys.
type jsonFormatter struct {
	indent bool // pretty-print with two-space indentation
	maxIn  int  // stop before consuming more input than this
	maxOut int  // stop once the output reaches this size
	redact bool // replace the values of secret-looking keys (IsSecretKey)
}

const redacted = "[redacted]"

// format returns the re-printed text, the number of input bytes it covers
// and whether it covers all of src.
func (f jsonFormatter) format(src []byte) (out []byte, consumed int, complete bool) {
	est := len(src)
	if f.indent {
		est += est / 2
	}
	if est > f.maxOut {
		est = f.maxOut
	}
	return f.appendFormat(make([]byte, 0, est+16), src)
}

// appendFormat is format writing to out, which must be empty: the limits
// count from its start. A caller's buffer spares an allocation.
func (f jsonFormatter) appendFormat(out, src []byte) (_ []byte, consumed int, complete bool) {
	// stack holds true for objects, false for arrays; its first levels
	// need no allocation.
	stack := make([]bool, 0, 32)
	expectKey := false
	i := 0
	for i < len(src) {
		if len(out) >= f.maxOut || i >= f.maxIn {
			return out, i, false
		}
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '"':
			end := stringEnd(src, i)
			tok := src[i:end]
			if len(out)+len(tok) > f.maxOut {
				// A huge string: show its start and stop here.
				out = append(out, tok[:f.maxOut-len(out)]...)
				return out, i, false
			}
			out = append(out, tok...)
			i = end
			if expectKey && len(stack) > 0 && stack[len(stack)-1] {
				expectKey = false
				if f.redact && secretJSONKey(tok) {
					// Copy the colon, skip the value, write a placeholder.
					i = skipSpace(src, i)
					if i < len(src) && src[i] == ':' {
						i++
					}
					out = f.colon(out)
					start := skipSpace(src, i)
					i = skipValue(src, start)
					if v := string(src[start:i]); v == "null" || v == `""` {
						out = append(out, v...) // reveals nothing
					} else {
						out = append(out, `"`+redacted+`"`...)
					}
				}
			}
		case '{', '[':
			j := skipSpace(src, i+1)
			if j < len(src) && (src[j] == '}' || src[j] == ']') {
				out = append(out, c, src[j])
				i = j + 1
				continue
			}
			out = append(out, c)
			stack = append(stack, c == '{')
			expectKey = c == '{'
			out = f.newline(out, len(stack))
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			out = f.newline(out, len(stack))
			out = append(out, c)
			i++
		case ',':
			out = append(out, ',')
			out = f.newline(out, len(stack))
			expectKey = len(stack) > 0 && stack[len(stack)-1]
			i++
		case ':':
			out = f.colon(out)
			i++
		default:
			// number, true, false, null
			j := i
			for j < len(src) && !isJSONDelim(src[j]) {
				j++
			}
			if j == i {
				j++ // never loop on an unexpected byte
			}
			if len(out)+j-i > f.maxOut {
				out = append(out, src[i:i+f.maxOut-len(out)]...)
				return out, i, false
			}
			out = append(out, src[i:j]...)
			i = j
		}
	}
	return out, len(src), true
}

func (f jsonFormatter) newline(out []byte, depth int) []byte {
	if !f.indent {
		return out
	}
	out = append(out, '\n')
	for k := 0; k < depth && len(out) < f.maxOut; k++ {
		out = append(out, ' ', ' ')
	}
	return out
}

func (f jsonFormatter) colon(out []byte) []byte {
	if f.indent {
		return append(out, ':', ' ')
	}
	return append(out, ':')
}

func isJSONDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
		return true
	}
	return false
}

// stringEnd returns the index just past the string starting at src[i].
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

func skipSpace(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the JSON value starting at src[i].
func skipValue(src []byte, i int) int {
	if i >= len(src) {
		return i
	}
	switch src[i] {
	case '"':
		return stringEnd(src, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(src); j++ {
			switch src[j] {
			case '"':
				j = stringEnd(src, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(src)
	}
	j := i
	for j < len(src) && !isJSONDelim(src[j]) {
		j++
	}
	return j
}

// jsonKey returns the text of a quoted key token.
func jsonKey(tok []byte) string {
	if len(tok) < 2 {
		return ""
	}
	inner := tok[1 : len(tok)-1]
	if !strings.ContainsRune(string(inner), '\\') {
		return string(inner)
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return string(inner)
	}
	return s
}

// secretJSONKey is IsSecretKey(jsonKey(tok)), without making a string of
// a key that has no escapes.
func secretJSONKey(tok []byte) bool {
	if len(tok) >= 2 && bytes.IndexByte(tok[1:len(tok)-1], '\\') < 0 {
		return isSecretKey(tok[1 : len(tok)-1])
	}
	return isSecretKey(jsonKey(tok))
}

// jsonBody is prettyJSON, or only the kind when the body's text is not
// wanted (Input.Brief).
func (in Input) jsonBody(src []byte, redact bool) Body {
	if in.noBodyText {
		return Body{Kind: BodyJSON}
	}
	return prettyJSON(src, redact)
}

// prettyJSON indents already-validated JSON for Body, rendering at most
// maxRender input bytes, with the values of secret-looking keys redacted
// when redact is set.
func prettyJSON(src []byte, redact bool) Body {
	f := jsonFormatter{indent: true, maxIn: maxRender, maxOut: maxRenderOut, redact: redact}
	out, consumed, _ := f.format(src)
	return Body{Kind: BodyJSON, Text: string(out), Omitted: len(src) - consumed}
}

// compactJSON returns already-validated JSON on one line, cut to about
// maxSummary bytes, with the values of secret-looking keys redacted when
// redact is set.
func compactJSON(src []byte, max int, redact bool) string {
	// Built on the stack: one allocation, the string's.
	var a, b [512]byte
	return string(appendCompactJSON(b[:0], a[:0], src, max, redact))
}

// appendCompactJSON appends compactJSON(src, max, redact) to dst, using
// scratch (empty) for the re-printed JSON.
func appendCompactJSON(dst, scratch, src []byte, max int, redact bool) []byte {
	f := jsonFormatter{maxIn: len(src), maxOut: max, redact: redact}
	out, _, complete := f.appendFormat(scratch, src)
	start := len(dst)
	dst = appendOneLine(dst, out, max)
	if !complete && !bytes.HasSuffix(dst[start:], []byte(ellipsis)) {
		dst = append(dst, ellipsis...)
	}
	return dst
}

// jsonSummary is oneLine(prefix+" "+compactJSON(js, max, redact), max),
// a summary's usual shape (a type's name, then its fields), with one
// allocation instead of five.
func jsonSummary(prefix string, js []byte, max int, redact bool) string {
	var a, b [512]byte
	line := append(a[:0], prefix...)
	line = append(line, ' ')
	line = appendCompactJSON(line, b[:0], js, max, redact)
	return string(appendOneLine(b[:0], line, max))
}
