//go:build go1.27 && goexperiment.jsonv2

package jsonl

import (
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
)

// lineOptions are json.Unmarshal's but for the line being checked in full
// before it is decoded: reading a capture scanned every line twice. A
// line either decodes alike both ways or is refused both ways (a syntax
// error is found while decoding too); only the error's text differs.
var lineOptions = jsonv2.JoinOptions(json.DefaultOptionsV1(), json.ReportErrorsWithLegacySemantics(false))

// unmarshalLine is json.Unmarshal(data, l) in one pass over data.
func unmarshalLine[T line | countedLine](data []byte, l *T) error {
	if err := jsonv2.Unmarshal(data, l, lineOptions); err != nil {
		// The error json.Unmarshal gives, as before: a reader shows it
		// (a capture's skipped lines).
		var zero T
		*l = zero
		return json.Unmarshal(data, l)
	}
	return nil
}

// headerOptions are lineOptions with numbers read as json.Number, what
// json.Decoder's UseNumber does (its option is not exported).
var headerOptions = jsonv2.JoinOptions(lineOptions, jsonv2.WithUnmarshalers(
	jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
		if dec.PeekKind() != '0' {
			return errors.ErrUnsupported // the default
		}
		num, err := dec.ReadValue()
		if err != nil {
			return err
		}
		*v = json.Number(num)
		return nil
	})))

// unmarshalHeaders is decodeHeaders in one pass over data, where
// json.Decoder reads the value and then checks it again before decoding.
func unmarshalHeaders(data []byte) (map[string]any, error) {
	var raw map[string]any
	if err := jsonv2.Unmarshal(data, &raw, headerOptions); err != nil {
		// decodeHeaders' error, as before.
		return decodeHeaders(data)
	}
	return raw, nil
}
