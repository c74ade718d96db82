package decode

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// reprWriter renders decoded values the way Python's repr() would, so
// Celery arguments read as the sender wrote them. It stops writing at max
// bytes and marks the cut with "…".
type reprWriter struct {
	b   strings.Builder
	max int
	cut bool
}

// pyRepr renders v as a bounded Python-ish repr.
func pyRepr(v any, max int) string {
	w := reprWriter{max: max}
	w.value(v, 0)
	return w.String()
}

func (w *reprWriter) String() string {
	if w.cut {
		return w.b.String() + ellipsis
	}
	return w.b.String()
}

// full reports whether the budget is spent.
func (w *reprWriter) full() bool {
	if w.b.Len() >= w.max {
		w.cut = true
	}
	return w.cut
}

func (w *reprWriter) write(s string) {
	if w.full() {
		return
	}
	if room := w.max - w.b.Len(); len(s) > room {
		s = truncate(s, room)
		s = strings.TrimSuffix(s, ellipsis)
		w.cut = true
	}
	w.b.WriteString(s)
}

func (w *reprWriter) value(v any, depth int) {
	if w.full() {
		return
	}
	if depth > maxDepth {
		w.write("…")
		return
	}
	switch x := v.(type) {
	case nil:
		w.write("None")
	case bool:
		if x {
			w.write("True")
		} else {
			w.write("False")
		}
	case string:
		w.quote(x)
	case []byte:
		w.write("b")
		w.quote(string(x))
	case json.Number:
		w.write(string(x))
	case float64:
		w.write(pyFloat(x))
	case float32:
		w.write(pyFloat(float64(x)))
	case time.Time:
		w.write(x.Format(time.RFC3339Nano))
	case []any:
		w.write("[")
		w.items(x, depth)
		w.write("]")
	case object:
		if s, ok := kombuTyped(x); ok {
			w.write(s)
			return
		}
		w.write("{")
		for i, m := range x {
			if i > 0 {
				w.write(", ")
			}
			if w.full() {
				return
			}
			w.quote(m.Key)
			w.write(": ")
			w.value(m.Val, depth+1)
		}
		w.write("}")
	case map[string]any:
		// Header tables: Go maps have no order, so sort the keys.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.write("{")
		for i, k := range keys {
			if i > 0 {
				w.write(", ")
			}
			if w.full() {
				return
			}
			w.quote(k)
			w.write(": ")
			w.value(x[k], depth+1)
		}
		w.write("}")
	default:
		if n, ok := asInt(v); ok {
			w.write(strconv.FormatInt(n, 10))
			return
		}
		// Not scalarString: it falls back to pyRepr for unknown types.
		w.write("<" + fmt.Sprintf("%T", v) + ">")
	}
}

func (w *reprWriter) items(xs []any, depth int) {
	for i, e := range xs {
		if i > 0 {
			w.write(", ")
		}
		if w.full() {
			return
		}
		w.value(e, depth+1)
	}
}

// quote writes s in Python's quoting: single quotes unless s contains a
// single quote and no double quote.
func (w *reprWriter) quote(s string) {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	room := w.max - w.b.Len()
	if room <= 0 {
		w.cut = true
		return
	}
	// Only look at as much of s as can be shown.
	if len(s) > room {
		s = truncate(s, room)
		s = strings.TrimSuffix(s, ellipsis)
		w.cut = true
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	if !w.cut {
		b.WriteByte(q)
	}
	cut := w.cut
	w.cut = false
	w.write(b.String())
	w.cut = w.cut || cut
}

// pyFloat formats like Python: integral floats keep a ".0".
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.ContainsAny(s, ".eEnN") {
		return s
	}
	return s + ".0"
}

// callArgs renders args and kwargs as a call's argument list:
// `2, 3, order=1842`.
func callArgs(args []any, kwargs object, max int) string {
	w := reprWriter{max: max}
	for i, a := range args {
		if i > 0 {
			w.write(", ")
		}
		w.value(a, 1)
		if w.full() {
			return w.String()
		}
	}
	for i, m := range kwargs {
		if i > 0 || len(args) > 0 {
			w.write(", ")
		}
		w.write(m.Key)
		w.write("=")
		w.value(m.Val, 1)
		if w.full() {
			return w.String()
		}
	}
	return w.String()
}

// kombuTyped renders kombu's JSON type markers {"__type__": T,
// "__value__": V} (datetime, date, time, decimal, uuid, bytes, base64)
// as the plain value.
func kombuTyped(o object) (string, bool) {
	if len(o) != 2 {
		return "", false
	}
	t, ok1 := o.get("__type__")
	v, ok2 := o.get("__value__")
	ts, ok3 := t.(string)
	if !ok1 || !ok2 || !ok3 {
		return "", false
	}
	s := scalarString(v)
	switch ts {
	case "bytes":
		return "b" + pyRepr(s, maxField), true
	case "base64":
		if b, err := decodeBase64([]byte(s)); err == nil {
			return "b" + pyRepr(string(b), maxField), true
		}
	}
	return s, true
}
