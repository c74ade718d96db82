package decode

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// recogniseSerialised claims bodies whose content type names a binary
// serialisation, MessagePack or CBOR, that no envelope recogniser claimed:
// it shows the decoded value as JSON instead of a hex dump.
func recogniseSerialised(m *msg) (Result, bool) {
	ct := m.media
	var (
		v     any
		err   error
		label string
	)
	switch {
	case m.serializer == serMsgpack:
		label = "msgpack"
		v, _, err = m.decoded()
	case ct == "application/cbor" || hasSuffixFold(ct, "+cbor"):
		label = "cbor"
		v, err = decodeCBOR(m.body)
		if err == nil {
			v, _ = redactCopy(v, 0)
		}
	default:
		return Result{}, false
	}
	if err != nil {
		r := decodeGeneric(m.in, m.body)
		r.Format = label
		r.addNote(truncate("content type says "+label+" but the body does not decode: "+err.Error(), maxField))
		return r, true
	}
	var r Result
	r.Format = label
	r.Summary = oneLine(string(appendJSON(nil, v, 0, maxSummary)), maxSummary)
	r.Body = m.in.valueBody(v)
	r.addNote("body decoded from " + label + " and shown as JSON")
	return r, true
}

// cborDecoder bounds what a hostile body can make the library allocate.
var cborDecoder = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  maxDepth,
		MaxArrayElements: 1 << 17,
		MaxMapPairs:      1 << 17,
		IndefLength:      cbor.IndefLengthAllowed,
		DupMapKey:        cbor.DupMapKeyQuiet,
		DefaultMapType:   nil,
	}.DecMode()
	if err != nil {
		panic(err) // the options are constants
	}
	return dm
}()

// decodeCBOR decodes one CBOR item into the value types the renderers
// know: maps become objects with their keys sorted.
func decodeCBOR(body []byte) (any, error) {
	if len(body) > maxParse {
		return nil, errTooLarge
	}
	var v any
	if err := cborDecoder.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("cbor: %w", err)
	}
	return cborValue(v, 0), nil
}

func cborValue(v any, depth int) any {
	if depth > maxDepth {
		return "…"
	}
	switch x := v.(type) {
	case map[any]any:
		o := make(object, 0, len(x))
		for k, val := range x {
			o = append(o, member{Key: scalarString(cborValue(k, depth+1)), Val: cborValue(val, depth+1)})
		}
		slices.SortFunc(o, func(a, b member) int {
			switch {
			case a.Key < b.Key:
				return -1
			case a.Key > b.Key:
				return 1
			}
			return 0
		})
		return o
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = cborValue(x[i], depth+1)
		}
		return out
	case cbor.Tag:
		return object{{Key: "tag", Val: x.Number}, {Key: "value", Val: cborValue(x.Content, depth+1)}}
	case big.Int:
		return x.String()
	case *big.Int:
		return x.String()
	}
	return v
}
