package decode

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// object is a decoded map that keeps the sender's key order, so kwargs
// and payloads display as written. Non-string keys (msgpack, YAML) are
// stringified.
type object []member

type member struct {
	Key string
	Val any
}

// get returns the value of key; objects are small so a scan is fine.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Val, true
		}
	}
	return nil, false
}

// str returns a string member, treating Celery's unset spellings as absent.
func (o object) str(key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	s := scalarString(v)
	if unsetString(s) {
		return ""
	}
	return s
}

func (o object) has(key string) bool {
	_, ok := o.get(key)
	return ok
}

// maxValueDepth bounds nesting in every structure decoder. Real messages
// nest a handful of levels; the bound keeps recursion shallow.
const maxValueDepth = 512

var errTooDeep = errors.New("nesting too deep")

// jsonParser decodes JSON into nil, bool, json.Number, string, []any and
// object. It runs after json.Valid, so it can be simple, but it still
// checks bounds so a bug cannot read past the input.
type jsonParser struct {
	s     []byte
	i     int
	depth int
}

func parseOrderedJSON(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errNotJSON
	}
	p := jsonParser{s: b}
	return p.value()
}

func (p *jsonParser) value() (any, error) {
	p.i = skipSpace(p.s, p.i)
	if p.i >= len(p.s) {
		return nil, errNotJSON
	}
	switch c := p.s[p.i]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		return p.str()
	case 't':
		p.i += 4
		return true, nil
	case 'f':
		p.i += 5
		return false, nil
	case 'n':
		p.i += 4
		return nil, nil
	default:
		j := p.i
		for j < len(p.s) && !isJSONDelim(p.s[j]) {
			j++
		}
		if j == p.i {
			return nil, fmt.Errorf("unexpected byte %q at %d", c, p.i)
		}
		n := json.Number(p.s[p.i:j])
		p.i = j
		return n, nil
	}
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxValueDepth {
		return errTooDeep
	}
	return nil
}

func (p *jsonParser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // {
	var o object
	for {
		p.i = skipSpace(p.s, p.i)
		if p.i >= len(p.s) {
			return nil, errNotJSON
		}
		if p.s[p.i] == '}' {
			p.i++
			if o == nil {
				o = object{}
			}
			return o, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		k, err := p.text()
		if err != nil {
			return nil, err
		}
		p.i = skipSpace(p.s, p.i)
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errNotJSON
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		o = append(o, member{Key: k, Val: v})
	}
}

func (p *jsonParser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // [
	a := []any{}
	for {
		p.i = skipSpace(p.s, p.i)
		if p.i >= len(p.s) {
			return nil, errNotJSON
		}
		switch p.s[p.i] {
		case ']':
			p.i++
			return a, nil
		case ',':
			p.i++
			continue
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

func (p *jsonParser) str() (any, error) {
	s, err := p.text()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// text reads a string as a string: an object's key is not put in an
// interface, which would cost an allocation for each.
func (p *jsonParser) text() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", errNotJSON
	}
	end := stringEnd(p.s, p.i)
	tok := p.s[p.i:end]
	p.i = end
	if len(tok) < 2 {
		return "", errNotJSON
	}
	inner := tok[1 : len(tok)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", fmt.Errorf("string at %d: %w", p.i, err)
	}
	return s, nil
}

// appendJSON writes a decoded value as compact JSON, keeping object key
// order, for rendering msgpack and other non-JSON bodies as JSON. It stops
// adding members once dst passes limit (the result stays valid JSON).
func appendJSON(dst []byte, v any, depth, limit int) []byte {
	if len(dst) > limit {
		return dst
	}
	if depth > maxValueDepth {
		return append(dst, `"…"`...)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case string:
		return appendJSONString(dst, x, limit)
	case []byte:
		if utf8.Valid(x) {
			return appendJSONString(dst, string(x), limit)
		}
		return appendJSONString(dst, "0x"+hexPreview(x, 64), limit)
	case json.Number:
		return append(dst, x...)
	case float64:
		if x != x || x > 1e308 || x < -1e308 {
			return appendJSONString(dst, strconv.FormatFloat(x, 'g', -1, 64), limit)
		}
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case float32:
		return appendJSON(dst, float64(x), depth, limit)
	case object:
		dst = append(dst, '{')
		for i, m := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if len(dst) > limit {
				break
			}
			dst = appendJSONString(dst, m.Key, limit)
			dst = append(dst, ':')
			dst = appendJSON(dst, m.Val, depth+1, limit)
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if len(dst) > limit {
				break
			}
			dst = appendJSON(dst, e, depth+1, limit)
		}
		return append(dst, ']')
	}
	if n, ok := asInt(v); ok {
		return strconv.AppendInt(dst, n, 10)
	}
	return appendJSONString(dst, scalarString(v), limit)
}

// appendJSONString writes s as a JSON string, cut so dst stays near limit.
func appendJSONString(dst []byte, s string, limit int) []byte {
	if room := limit - len(dst); room < len(s) {
		s = truncate(s, max(room, 16))
	}
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r < 0x20 || r == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}
