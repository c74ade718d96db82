package jsonl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// TestUnmarshalLineIsJSONUnmarshal: the one-pass decoding of a line gives
// what json.Unmarshal gives, the line or the error's text, for good and
// bad lines alike (a capture's skipped lines show the error).
func TestUnmarshalLineIsJSONUnmarshal(t *testing.T) {
	lines := []string{
		`{"seq":1,"time":"2024-01-01T00:00:00.5Z","source":"q","exchange":"x","routing_key":"k","redelivered":true,"offset":7,"size":1,` +
			`"properties":{"content_type":"text/plain","delivery_mode":2,"priority":3,"timestamp":"2024-01-01T00:00:00+01:00","app_id":"a"},` +
			`"headers":{"a":{"int":1},"b":[1,"x"]},"body":"x","decoded":{"format":"text","summary":"x","fields":[{"name":"n","value":"v"}]},` +
			`"delivery":{"queue":"q","connection":"c","channel":2,"published_seq":5},"gap":{"reason":"sampling","missed_estimate":3}}`,
		`{"seq":1,"SEQ":2,"Exchange":"y","exchange":"x","size":1,"body_base64":"eA=="}`,
		`{"seq":1,"exchange":"x\xff","size":1,"body":"a\xffb"}`,
		`{"seq":1,"exchange":"x","size":1,"properties":null,"headers":null,"body":null,"unknown":[1,{"a":2}]}`,
		`null`,
		`{"seq":1,"time":"2024-01-01T00:00:00Z","exchange":"x","size":1`,
		`{"seq":"a","time":"2024-01-01T00:00:00Z","exchange":"x","size":1}`,
		`{"seq":-1,"exchange":"x","size":1}`,
		`{"seq":1.5,"exchange":"x","size":1,"body":"x"}`,
		`{"seq":1,"time":"bad","exchange":"x","size":1}`,
		`{"seq":1,"exchange":"x","size":1,"properties":{"delivery_mode":300}}`,
		`{"seq":1,"exchange":"x","size":1,"headers":{"a":}}`,
		`{"seq":1,"exchange":"x","size":1,"decoded":{"format":"json",}}`,
		`{"seq":"a","exchange":"x","size":1,"body":"\u12"}`,
		`{"seq":1,"exchange":"x","size":1} trailing`,
		`{"seq":1,"exchange":"x","size":1}{}`,
		`not json`,
		`[]`,
		``,
	}
	for _, in := range lines {
		var got, want line
		gotErr, wantErr := unmarshalLine([]byte(in), &got), json.Unmarshal([]byte(in), &want)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s:\nerror %v\nwant  %v", in, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", in, got, want)
		}
	}
}

// TestUnmarshalHeadersIsDecodeHeaders: the one-pass decoding of the
// headers gives what json.Decoder with UseNumber gives, the table or the
// error's text.
func TestUnmarshalHeadersIsDecodeHeaders(t *testing.T) {
	tables := []string{
		`{"a":1,"b":-0,"c":1.0,"d":9223372036854775808,"e":1e400,"f":"x","g":true,"h":null}`,
		`{"n":{"m":{"int":[1,2.5,{"x":[3]}]}},"l":[],"o":{}}`,
		`{"a":{"x":1},"a":{"y":2},"b":[1],"b":[2,3]}`,
		`{"s":"a\xffb","t":"\u00e9\ud83d\ude00"}`,
		`{"$int8":5}`,
		`{}`,
		`{"a":1} {"b":2}`,
		`{"a":}`,
		`{"a":1`,
		`5`,
		`[]`,
		`"s"`,
		`null`,
		``,
	}
	for _, in := range tables {
		got, gotErr := unmarshalHeaders([]byte(in))
		want, wantErr := decodeHeaders([]byte(in))
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s:\nerror %v\nwant  %v", in, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %#v\nwant %#v", in, got, want)
		}
	}
}
