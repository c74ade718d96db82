package decode

import (
	"bytes"
	"encoding/base64"
	"math"
)

// maxRedact is the largest body RedactBody rewrites: RabbitMQ 4's default
// largest message. Larger bodies are returned unchanged.
const maxRedact = 16 << 20

// maxRedactNest bounds JSON held in strings held in JSON (oslo's
// envelope is one level).
const maxRedactNest = 3

var redactedJSON = []byte(`"` + redacted + `"`)

// RedactBody returns the body of in with the values of secret keys
// (IsSecretKey) replaced by "[redacted]", for writing messages out with
// secrets removed. It rewrites JSON bodies: plain JSON, kombu and Celery
// JSON, oslo.messaging messages including the JSON string inside the 2.0
// envelope's "oslo.message", and Python repr or JSON text inside string
// values (Celery events' args and kwargs); and msgpack bodies (kombu's
// msgpack serializer), by map key. Only the redacted values change; the
// rest keeps its bytes. A body under kombu's base64
// body_encoding or a compression (zlib, gzip, zstd, brotli, xz, lzma) is
// unwrapped, redacted and wrapped again the same way, so its headers
// still describe it; the compressed bytes differ from the sender's.
//
// It cannot redact what it cannot parse, and returns it unchanged with
// changed false: YAML, pickle, text and binary bodies, bodies larger than
// 16 MiB (compressed or not), bzip2 bodies (Go has no bzip2 writer) and
// bodies that do not decompress.
func RedactBody(in Input) (body []byte, changed bool) {
	if len(in.Body) == 0 || len(in.Body) > maxRedact {
		return in.Body, false
	}
	m := makeMsg(in)
	ser := m.serializer
	if ser != serJSON && ser != serMsgpack && ser != "" {
		return in.Body, false
	}
	redact := func(b []byte) ([]byte, bool) { return redactJSONText(b, 0) }
	if ser == serMsgpack {
		redact = redactMsgpack
	}
	body = in.Body
	b64 := m.bodyEncoding() == "base64"
	if b64 {
		var err error
		if body, err = decodeBase64(body); err != nil {
			return in.Body, false
		}
	}
	method := compressionOf(in)
	if method != "" {
		plain, algo, err := decompress(method, body, maxRedact)
		if err != nil {
			return in.Body, false
		}
		red, ok := redact(plain)
		if !ok {
			return in.Body, false
		}
		if body, err = recompress(algo, red); err != nil {
			return in.Body, false
		}
	} else if body, changed = redact(body); !changed {
		return in.Body, false
	}
	if b64 {
		// kombu writes standard padded base64.
		body = []byte(base64.StdEncoding.EncodeToString(body))
	}
	return body, true
}

// redactJSONText returns src with the values of secret keys replaced, or
// src itself and false when there was nothing to redact or src is not
// one JSON value. nest counts the JSON strings src sits in.
func redactJSONText(src []byte, nest int) ([]byte, bool) {
	if !looksJSON(src) {
		return src, false
	}
	r := jsonRedactor{src: src, nest: nest}
	end := r.value(0, 0)
	if end < 0 || skipSpace(src, end) != len(src) || r.out == nil {
		return src, false
	}
	return append(r.out, src[r.copied:]...), true
}

// jsonRedactor copies JSON lazily: out stays nil until the first
// replacement, so a body without secrets costs one scan and no copy.
type jsonRedactor struct {
	src    []byte
	out    []byte
	copied int // src[:copied] is in out already
	nest   int
}

func (r *jsonRedactor) replace(from, to int, with []byte) {
	if r.out == nil {
		r.out = make([]byte, 0, len(r.src)+16)
	}
	r.out = append(r.out, r.src[r.copied:from]...)
	r.out = append(r.out, with...)
	r.copied = to
}

// value walks the value at or after src[i] and returns the index past
// it, or -1 when src is not JSON there.
func (r *jsonRedactor) value(i, depth int) int {
	i = skipSpace(r.src, i)
	if i >= len(r.src) {
		return -1
	}
	if depth > maxValueDepth {
		// Too deep to walk: hide it whole rather than let a secret pass.
		end := skipValue(r.src, i)
		r.replace(i, end, redactedJSON)
		return end
	}
	switch r.src[i] {
	case '{':
		return r.object(i+1, depth)
	case '[':
		return r.array(i+1, depth)
	case '"':
		return r.str(i)
	}
	j := i
	for j < len(r.src) && !isJSONDelim(r.src[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func (r *jsonRedactor) object(i, depth int) int {
	for first := true; ; first = false {
		i = skipSpace(r.src, i)
		if i < len(r.src) && r.src[i] == '}' && first {
			return i + 1
		}
		if i >= len(r.src) || r.src[i] != '"' {
			return -1
		}
		kend := stringEnd(r.src, i)
		if kend-i < 2 || r.src[kend-1] != '"' {
			return -1
		}
		key := r.src[i+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = []byte(jsonKey(r.src[i:kend]))
		}
		i = skipSpace(r.src, kend)
		if i >= len(r.src) || r.src[i] != ':' {
			return -1
		}
		v := skipSpace(r.src, i+1)
		if isSecretKey(key) {
			i = skipValue(r.src, v)
			if i <= v {
				return -1
			}
			if tok := string(r.src[v:i]); tok != "null" && tok != `""` {
				r.replace(v, i, redactedJSON)
			}
		} else if i = r.value(v, depth+1); i < 0 {
			return -1
		}
		i = skipSpace(r.src, i)
		if i >= len(r.src) {
			return -1
		}
		switch r.src[i] {
		case ',':
			i++
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

func (r *jsonRedactor) array(i, depth int) int {
	for first := true; ; first = false {
		i = skipSpace(r.src, i)
		if i < len(r.src) && r.src[i] == ']' && first {
			return i + 1
		}
		if i = r.value(i, depth+1); i < 0 {
			return -1
		}
		i = skipSpace(r.src, i)
		if i >= len(r.src) {
			return -1
		}
		switch r.src[i] {
		case ',':
			i++
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// str walks a string and redacts what it may hold: JSON (oslo's
// envelope) or Python repr text (Celery's event args and kwargs).
func (r *jsonRedactor) str(i int) int {
	end := stringEnd(r.src, i)
	if end-i < 2 || r.src[end-1] != '"' {
		return -1
	}
	tok := r.src[i:end]
	if r.nest >= maxRedactNest || !mayHoldSecret(tok) {
		return end
	}
	s := jsonKey(tok)
	var out string
	if inner, ok := redactJSONText([]byte(s), r.nest+1); ok {
		out = string(inner)
	} else if text, ok := redactReprText(s); ok {
		out = text
	} else {
		return end
	}
	r.replace(i, end, appendJSONString(nil, out, math.MaxInt))
	return end
}

// mayHoldSecret is a cheap test of a string token: key-value text has a
// colon and a quote (escaped or not) inside.
func mayHoldSecret(tok []byte) bool {
	colon, quote := false, false
	for _, c := range tok[1 : len(tok)-1] {
		switch c {
		case ':':
			colon = true
		case '\'', '"':
			quote = true
		}
	}
	return colon && quote
}

// redactBody redacts a JSON body once, before any recogniser sees it, so
// that summaries, fields and the rendered body all show "[redacted]".
func (m *msg) redactBody() {
	if len(m.body) > maxRedact {
		return
	}
	if s := m.serializer; s != serJSON && s != "" {
		return
	}
	if out, ok := redactJSONText(m.body, 0); ok {
		m.body = out
	}
}
