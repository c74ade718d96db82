package jsonl

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/shoveltap/shoveltap/tap"
	"math"
	"strconv"
	"time"
)

// Header values are plain JSON wherever plain JSON keeps them: strings,
// booleans, null, integers (read back as int64), non-integral finite
// floats, tables and arrays. Every other value is a one-key object whose key
// names its type, so that a replay publishes what was captured:
//
//	{"base64": "AAE="}              bytes (the v1 form, kept)
//	{"$int8": -1}  {"$int16": 2}  {"$int32": 3}
//	{"$uint8": 1}  {"$uint16": 2} {"$uint32": 3}
//	{"$float32": 1.5}  {"$float64": 3}  {"$float64": "NaN"}
//	{"$timestamp": "2025-03-14T09:26:53Z"}
//	{"$decimal": {"scale": 2, "value": 12345}}
//	{"$table": {...}}               a table that would read as one of these
//
// A real table with exactly one key that is one of these tags is wrapped in
// "$table", so reading is never ambiguous.

// Decimal is an AMQP decimal header value: Value × 10^-Scale.
type Decimal = tap.Decimal

var typeTags = map[string]bool{
	"base64": true, "$int8": true, "$int16": true, "$int32": true,
	"$uint8": true, "$uint16": true, "$uint32": true,
	"$float32": true, "$float64": true, "$timestamp": true, "$decimal": true, "$table": true,
}

func tagged(tag string, v any) map[string]any { return map[string]any{tag: v} }

// encodeValue returns v as a value encoding/json writes losslessly.
func encodeValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, json.Number:
		return v
	case int:
		return int64(x)
	case int8:
		return tagged("$int8", x)
	case int16:
		return tagged("$int16", x)
	case int32:
		return tagged("$int32", x)
	case uint8:
		return tagged("$uint8", x)
	case uint16:
		return tagged("$uint16", x)
	case uint32:
		return tagged("$uint32", x)
	case float32:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return tagged("$float32", strconv.FormatFloat(f, 'g', -1, 32))
		}
		return tagged("$float32", x)
	case float64:
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			return tagged("$float64", strconv.FormatFloat(x, 'g', -1, 64))
		case x == math.Trunc(x):
			// 3.0 would be written 3 and read back as an integer.
			return tagged("$float64", x)
		}
		return x
	case []byte:
		return tagged("base64", base64.StdEncoding.EncodeToString(x))
	case time.Time:
		return tagged("$timestamp", x.UTC().Format(time.RFC3339Nano))
	case Decimal:
		return tagged("$decimal", x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = encodeValue(e)
		}
		if len(x) == 1 {
			for k := range x {
				if typeTags[k] {
					return tagged("$table", out)
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = encodeValue(e)
		}
		return out
	}
	// Not a header type the tap produces; keep what JSON makes of it.
	return v
}

// decodeValue turns a value read with json.Decoder.UseNumber back into the
// Go value that was written.
func decodeValue(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return f, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			d, err := decodeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, inner := range x {
				if typeTags[k] {
					return decodeTagged(k, inner)
				}
			}
		}
		return decodeTable(x)
	}
	return v, nil
}

func decodeTable(x map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(x))
	for k, e := range x {
		d, err := decodeValue(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = d
	}
	return out, nil
}

func decodeTagged(tag string, v any) (any, error) {
	num := func(bits int, signed bool) (any, error) {
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s wants a number, got %T", tag, v)
		}
		if signed {
			i, err := strconv.ParseInt(n.String(), 10, bits)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", tag, err)
			}
			return i, nil
		}
		u, err := strconv.ParseUint(n.String(), 10, bits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		return int64(u), nil
	}
	float := func(bits int) (float64, error) {
		var s string
		switch n := v.(type) {
		case json.Number:
			s = n.String()
		case string:
			s = n
		default:
			return 0, fmt.Errorf("%s wants a number, got %T", tag, v)
		}
		f, err := strconv.ParseFloat(s, bits)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", tag, err)
		}
		return f, nil
	}
	switch tag {
	case "base64":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("base64 wants a string, got %T", v)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		return b, nil
	case "$int8":
		i, err := num(8, true)
		if err != nil {
			return nil, err
		}
		return int8(i.(int64)), nil
	case "$int16":
		i, err := num(16, true)
		if err != nil {
			return nil, err
		}
		return int16(i.(int64)), nil
	case "$int32":
		i, err := num(32, true)
		if err != nil {
			return nil, err
		}
		return int32(i.(int64)), nil
	case "$uint8":
		i, err := num(8, false)
		if err != nil {
			return nil, err
		}
		return uint8(i.(int64)), nil
	case "$uint16":
		i, err := num(16, false)
		if err != nil {
			return nil, err
		}
		return uint16(i.(int64)), nil
	case "$uint32":
		i, err := num(32, false)
		if err != nil {
			return nil, err
		}
		return uint32(i.(int64)), nil
	case "$float32":
		f, err := float(32)
		return float32(f), err
	case "$float64":
		return float(64)
	case "$timestamp":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("$timestamp wants a string, got %T", v)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("$timestamp: %w", err)
		}
		return t, nil
	case "$decimal":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$decimal wants {scale, value}, got %T", v)
		}
		sn, _ := m["scale"].(json.Number)
		vn, _ := m["value"].(json.Number)
		scale, err1 := strconv.ParseUint(sn.String(), 10, 8)
		value, err2 := strconv.ParseInt(vn.String(), 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("$decimal wants {scale: 0..255, value: int32}, got %v", m)
		}
		return Decimal{Scale: uint8(scale), Value: int32(value)}, nil
	case "$table":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$table wants an object, got %T", v)
		}
		return decodeTable(m)
	}
	return nil, fmt.Errorf("unknown type tag %s", tag)
}
