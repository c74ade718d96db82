package web

import (
	"strconv"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// maxSummary bounds the summary sent in a row; the page cuts it to the
// column's width anyway, and the detail view has the rest.
const maxSummary = 300

// appendRow appends a message's row, with the hub's id as its first
// member: the bytes withID gives for json.Marshal of the row type
// (rows_test.go, which compares the two), appended by hand because
// reflection was most of the monitor's own cost per message. Every string
// is already sanitised; the page still puts them in the DOM as text only.
func appendRow(b []byte, id uint64, m tap.Message, r *reading.Reading) []byte {
	c := &r.Cells
	sum := cut(c.Summary, maxSummary)
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, m.Time.UnixMilli(), 10)
	if c.Source != "" {
		b = append(b, `,"src":`...)
		b = appendJSONString(b, c.Source)
	}
	b = append(b, `,"x":`...)
	b = appendJSONString(b, c.Exchange)
	b = append(b, `,"rk":`...)
	b = appendJSONString(b, c.RoutingKey)
	b = append(b, `,"size":`...)
	b = appendJSONString(b, c.Size)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(m.Size()), 10)
	b = append(b, `,"fmt":`...)
	b = appendJSONString(b, c.Format)
	b = append(b, `,"sum":`...)
	b = appendJSONString(b, sum)
	if r.Unroutable() {
		b = append(b, `,"unroutable":true`...)
	}
	return append(b, '}')
}

// appendJSONString appends s quoted as json.Marshal quotes it: HTML's
// < > & escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// withID returns the JSON object obj (encoded without an id) with "id"
// added as its first member, appended to dst.
func withID(dst []byte, id uint64, obj []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, id, 10)
	if len(obj) > 2 {
		dst = append(dst, ',')
	}
	return append(dst, obj[1:]...)
}
