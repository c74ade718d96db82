package decode

// redactMsgpack returns a msgpack body with the values of secret keys
// replaced by the string "[redacted]", copying everything else byte for
// byte (re-encoding would lose key types such as Python's int keys).
func redactMsgpack(body []byte) ([]byte, bool) {
	if checkMsgpack(body) != nil {
		return body, false
	}
	r := msgpackRedactor{c: msgpackChecker{b: body}}
	if err := r.value(0); err != nil || r.out == nil {
		return body, false
	}
	return append(r.out, body[r.copied:]...), true
}

// redactedMsgpack is "[redacted]" as a msgpack fixstr.
var redactedMsgpack = append([]byte{0xa0 | byte(len(redacted))}, redacted...)

type msgpackRedactor struct {
	c      msgpackChecker // walks the body, already checked
	out    []byte
	copied int
}

// value walks the value at c.i, redacting inside maps and arrays.
func (r *msgpackRedactor) value(depth int) error {
	b := r.c.b
	t := b[r.c.i]
	var n int
	var isMap bool
	switch {
	case t >= 0x80 && t <= 0x8f:
		n, isMap = int(t&0x0f), true
		r.c.i++
	case t >= 0x90 && t <= 0x9f:
		n = int(t & 0x0f)
		r.c.i++
	case t == 0xdc || t == 0xdd || t == 0xde || t == 0xdf:
		r.c.i++
		var err error
		if n, err = r.c.uint(lenWidth(t)); err != nil {
			return err
		}
		isMap = t >= 0xde
	default:
		return r.c.value(depth)
	}
	for k := 0; k < n; k++ {
		if !isMap {
			if err := r.value(depth + 1); err != nil {
				return err
			}
			continue
		}
		key := msgpackStr(b, r.c.i)
		if err := r.c.value(depth + 1); err != nil {
			return err
		}
		start := r.c.i
		if key == nil || !isSecretKey(key) {
			if err := r.value(depth + 1); err != nil {
				return err
			}
			continue
		}
		if err := r.c.value(depth + 1); err != nil {
			return err
		}
		if v := b[start]; v == 0xc0 || v == 0xa0 {
			continue // nil or "": reveals nothing
		}
		r.out = append(r.out, b[r.copied:start]...)
		r.out = append(r.out, redactedMsgpack...)
		r.copied = r.c.i
	}
	return nil
}

// msgpackStr returns the bytes of the str or bin at b[i], or nil for any
// other type. b has been checked, so declared lengths fit.
func msgpackStr(b []byte, i int) []byte {
	t := b[i]
	var n, w int
	switch {
	case t >= 0xa0 && t <= 0xbf:
		n = int(t & 0x1f)
	case t == 0xd9 || t == 0xc4:
		w = 1
	case t == 0xda || t == 0xc5:
		w = 2
	case t == 0xdb || t == 0xc6:
		w = 4
	default:
		return nil
	}
	for k := 0; k < w; k++ {
		n = n<<8 | int(b[i+1+k])
	}
	start := i + 1 + w
	return b[start : start+n]
}
