//go:build go1.27 && goexperiment.jsonv2

package jsonl

import (
	"encoding/json"
	jsonv2 "encoding/json/v2"
)

// lineOptions are json.Unmarshal's but for the line being checked in full
// before it is decoded: reading a capture scanned every line twice. A
// line either decodes alike both ways or is refused both ways (a syntax
// error is found while decoding too); only the error's text differs.
var lineOptions = jsonv2.JoinOptions(json.DefaultOptionsV1(), json.ReportErrorsWithLegacySemantics(false))

// unmarshalLine is json.Unmarshal(data, l) in one pass over data.
func unmarshalLine(data []byte, l *line) error {
	if err := jsonv2.Unmarshal(data, l, lineOptions); err != nil {
		// The error json.Unmarshal gives, as before: a reader shows it
		// (a capture's skipped lines).
		*l = line{}
		return json.Unmarshal(data, l)
	}
	return nil
}
