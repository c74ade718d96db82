package avrodec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/hamba/avro/v2/pkg/crc64"
)

// hamba/avro's fingerprints keep logical types in the canonical form
// ({"type":"long","logicalType":"timestamp-millis"}), while the spec's
// Parsing Canonical Form strips every attribute but name, type, fields,
// symbols, items, values and size, which leaves "long" (so do the Java and
// Python implementations). A schema with a logical type so has two
// fingerprints in use; both are registered. specForm rewrites hamba's form
// into the spec's.

// pcfKeys are the attributes the Parsing Canonical Form keeps, in its order.
var pcfKeys = []string{"name", "type", "fields", "symbols", "items", "values", "size"}

var primitives = []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

// specFingerprint is the CRC-64-AVRO fingerprint, as the spec defines it,
// of a schema whose canonical text (hamba's String) is given.
func specFingerprint(hambaForm string) (uint64, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(hambaForm)))
	d.UseNumber()
	v, err := readOrdered(d, 0)
	if err != nil {
		return 0, fmt.Errorf("canonical form: %w", err)
	}
	var b bytes.Buffer
	writeSpec(&b, v)
	h := crc64.NewWithByteOrder(crc64.LittleEndian)
	h.Write(b.Bytes())
	return h.Sum64(), nil
}

type kv struct {
	k string
	v any
}

// readOrdered reads one JSON value keeping object key order.
func readOrdered(d *json.Decoder, depth int) (any, error) {
	if depth > 512 {
		return nil, fmt.Errorf("nested too deep")
	}
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		var o []kv
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := readOrdered(d, depth+1)
			if err != nil {
				return nil, err
			}
			o = append(o, kv{k, v})
		}
		_, err = d.Token()
		return o, err
	case json.Delim('['):
		var a []any
		for d.More() {
			v, err := readOrdered(d, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = d.Token()
		return a, err
	}
	return t, nil
}

func writeSpec(w io.Writer, v any) {
	switch x := v.(type) {
	case []kv:
		var kept []kv
		for _, p := range x {
			if slices.Contains(pcfKeys, p.k) {
				kept = append(kept, p)
			}
		}
		if len(kept) == 1 && kept[0].k == "type" {
			if s, ok := kept[0].v.(string); ok && slices.Contains(primitives, s) {
				writeSpec(w, s)
				return
			}
		}
		io.WriteString(w, "{")
		for i, p := range kept {
			if i > 0 {
				io.WriteString(w, ",")
			}
			k, _ := json.Marshal(p.k)
			w.Write(k)
			io.WriteString(w, ":")
			writeSpec(w, p.v)
		}
		io.WriteString(w, "}")
	case []any:
		io.WriteString(w, "[")
		for i, e := range x {
			if i > 0 {
				io.WriteString(w, ",")
			}
			writeSpec(w, e)
		}
		io.WriteString(w, "]")
	case json.Number:
		io.WriteString(w, x.String())
	default:
		b, _ := json.Marshal(x)
		w.Write(b)
	}
}
