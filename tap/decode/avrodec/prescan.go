package avrodec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
)

// maxValues bounds the values one body may decode to. Avro values of
// null, empty records and zero-size fixed take no bytes, so without it a
// few bytes of block counts ask for billions of them (arrays of arrays of
// null); and each decoded value costs the decoder and the JSON rendering
// some hundred bytes.
const maxValues = 100000

var (
	errTooMany  = fmt.Errorf("more than %d values (nested ones included): not decoded", maxValues)
	errTooDeep  = errors.New("nested too deep")
	errShort    = errors.New("body ends inside a value")
	errNegative = errors.New("negative length")
)

// countValues walks the binary encoding of body with the schema, without
// allocating, and fails when it holds more than maxValues values. Bodies
// that end early are left to the decoder to explain.
func countValues(s avro.Schema, body []byte) error {
	w := walker{b: body}
	err := w.value(s, 0)
	if errors.Is(err, errShort) || errors.Is(err, errNegative) {
		return nil
	}
	return err
}

type walker struct {
	b []byte
	n int
}

func (w *walker) long() (int64, error) {
	u, k := binary.Uvarint(w.b)
	if k <= 0 {
		return 0, errShort
	}
	w.b = w.b[k:]
	return int64(u>>1) ^ -int64(u&1), nil // zigzag
}

func (w *walker) skip(n int64) error {
	if n < 0 {
		return errNegative
	}
	if n > int64(len(w.b)) {
		return errShort
	}
	w.b = w.b[n:]
	return nil
}

func (w *walker) value(s avro.Schema, depth int) error {
	if depth > 512 {
		return errTooDeep
	}
	w.n++
	if w.n > maxValues {
		return errTooMany
	}
	switch x := s.(type) {
	case *avro.RefSchema:
		w.n-- // the value is counted as the schema it names
		return w.value(x.Schema(), depth)
	case *avro.RecordSchema:
		for _, f := range x.Fields() {
			if err := w.value(f.Type(), depth+1); err != nil {
				return err
			}
		}
		return nil
	case *avro.ArraySchema:
		return w.blocks(depth, func() error { return w.value(x.Items(), depth+1) })
	case *avro.MapSchema:
		return w.blocks(depth, func() error {
			n, err := w.long()
			if err != nil {
				return err
			}
			if err := w.skip(n); err != nil {
				return err
			}
			return w.value(x.Values(), depth+1)
		})
	case *avro.UnionSchema:
		i, err := w.long()
		if err != nil {
			return err
		}
		types := x.Types()
		if i < 0 || i >= int64(len(types)) {
			return errShort // the decoder says which index is wrong
		}
		w.n--
		return w.value(types[i], depth)
	case *avro.FixedSchema:
		return w.skip(int64(x.Size()))
	case *avro.EnumSchema:
		_, err := w.long()
		return err
	}
	switch s.Type() {
	case avro.Null:
		return nil
	case avro.Boolean:
		return w.skip(1)
	case avro.Int, avro.Long:
		_, err := w.long()
		return err
	case avro.Float:
		return w.skip(4)
	case avro.Double:
		return w.skip(8)
	case avro.Bytes, avro.String:
		n, err := w.long()
		if err != nil {
			return err
		}
		return w.skip(n)
	}
	return nil
}

// blocks walks an array's or map's blocks: a count, then (when the count
// is negative) a byte size, then the items; a zero count ends them.
func (w *walker) blocks(depth int, item func() error) error {
	for {
		count, err := w.long()
		if err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		if count < 0 {
			count = -count
			if _, err := w.long(); err != nil {
				return err
			}
		}
		for i := int64(0); i < count; i++ {
			if err := item(); err != nil {
				return err
			}
		}
	}
}
