//go:build !go1.27 || !goexperiment.jsonv2

package jsonl

import "encoding/json"

// unmarshalLine is json.Unmarshal(data, l); line_onepass.go does it in
// one pass where encoding/json/v2 is at hand.
func unmarshalLine[T line | countedLine](data []byte, l *T) error {
	return json.Unmarshal(data, l)
}

// unmarshalHeaders is decodeHeaders.
func unmarshalHeaders(data []byte) (map[string]any, error) {
	return decodeHeaders(data)
}
