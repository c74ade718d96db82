package jsonl

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// TestHeadersRoundTrip writes every AMQP header type and reads it back
// with its Go type and value intact.
func TestHeadersRoundTrip(t *testing.T) {
	ts := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	headers := map[string]any{
		"string": "text", "empty": "", "bool": true, "null": nil,
		"int64": int64(math.MaxInt64), "neg": int64(-7),
		"int8": int8(-8), "int16": int16(16), "int32": int32(-32),
		"uint8": uint8(255), "uint16": uint16(65535), "uint32": uint32(math.MaxUint32),
		"float64": 1.25, "integral-float": 3.0, "nan": math.Inf(-1), "float32": float32(0.5),
		"bytes": []byte{0, 1, 0xff}, "time": ts,
		"decimal": Decimal{Scale: 2, Value: 12345},
		"table":   map[string]any{"a": int64(1), "b": []any{"x", int32(2), []byte("y")}},
		// Tables that look like typed values must stay tables.
		"looks-typed":  map[string]any{"base64": "AAE="},
		"looks-typed2": map[string]any{"$int8": int64(1)},
		"empty-table":  map[string]any{},
		"array":        []any{ts, nil, map[string]any{"$table": "x"}},
	}
	m := tap.Message{Seq: 7, Time: ts, Exchange: "ex", RoutingKey: "rk", Headers: headers,
		Body: []byte{0xff, 0, 'a'}, Properties: tap.Properties{Timestamp: ts, UserID: "guest", Priority: 3}}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(m); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(bytes.TrimSpace(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip changed the message\n got %#v\nwant %#v\nline %s", got, m, buf.String())
	}
}

// TestReadsV1Records reads a line written before typed values existed.
func TestReadsV1Records(t *testing.T) {
	line := `{"seq":1,"time":"2025-03-14T09:26:53Z","exchange":"","routing_key":"q","size":2,"properties":{},` +
		`"headers":{"b":{"base64":"AAE="},"n":3,"f":1.5},"body_base64":"AAE=","decoded":{"format":"binary"}}`
	m, err := Parse([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"b": []byte{0, 1}, "n": int64(3), "f": 1.5}
	if !reflect.DeepEqual(m.Headers, want) || !bytes.Equal(m.Body, []byte{0, 1}) {
		t.Errorf("got headers %#v body %v", m.Headers, m.Body)
	}
}

func TestParseRejects(t *testing.T) {
	for _, line := range []string{`{"seq":1`, `{"hello":"world"}`, `{"exchange":"","size":5,"body":"ab"}`} {
		if _, err := Parse([]byte(line)); err == nil {
			t.Errorf("Parse(%s) accepted it", line)
		}
	}
}
