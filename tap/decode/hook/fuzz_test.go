package hook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// FuzzAnswer feeds arbitrary answer lines to the protocol: an answer is
// either refused as garbage or turned into a bounded result.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"summary":"s","fields":[{"name":"a","value":"b"}],"body":"{\"a\":1}","body_kind":"json","terms":{"k":"v"}}`,
		`{"id":1,"error":"no"}`, `{"id":2}`, `{"id":1,"decline":true}`, `not json`, `{"id":1,"summary":"a\nb","format":"x\ny"}`,
		`{"id":1,"terms":{"a b":"c","":"d","K":"v"},"notes":["n"]}`, `[1,2]`, `{"id":-1}`, `{"id":1,"fields":{"a":"b"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a, err := parseAnswer(line, 1)
		if err != nil {
			if !strings.Contains(err.Error(), "breaks the protocol") {
				t.Errorf("error %v", err)
			}
			return
		}
		r := a.result("fuzz")
		if strings.ContainsAny(r.Summary, "\n\r") || len(r.Summary) > 400 || strings.ContainsAny(r.Format, "\n\r") || len(r.Format) > 40 {
			t.Errorf("summary %q format %q", r.Summary, r.Format)
		}
		if len(r.Body.Text) > maxBodyText*6 || len(r.Fields) > 70 || len(r.Terms) > 64 {
			t.Errorf("body %d fields %d terms %d", len(r.Body.Text), len(r.Fields), len(r.Terms))
		}
		for k := range r.Terms {
			if !strings.HasPrefix(k, "hook.") || strings.ContainsAny(k, " \t:\"") {
				t.Errorf("term %q", k)
			}
		}
	})
}

// FuzzRequest builds request lines from hostile messages: invalid UTF-8,
// deeply nested header tables, odd bytes. Each must be one line of valid
// JSON that carries the body back intact.
func FuzzRequest(f *testing.F) {
	f.Add([]byte("\xff\xfe body"), "key\xff", "val\xc3", byte(40))
	f.Add([]byte{}, "", "", byte(0))
	f.Fuzz(func(t *testing.T, body []byte, key, val string, depth byte) {
		// A chain as deep as the fuzzer likes (headers off the wire are
		// trees, never shared).
		var h any = val
		for i := 0; i < int(depth); i++ {
			if i%2 == 0 {
				h = map[string]any{key: h, "b": []byte(val)}
			} else {
				h = []any{h, int64(i)}
			}
		}
		in := decode.Input{RoutingKey: val, ContentType: key, Headers: map[string]any{key: h}}
		line, err := newRequest(9, in, body)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' || !utf8.Valid(line) {
			t.Fatalf("not one UTF-8 line: %q", line)
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		got, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil || !bytes.Equal(got, body) || req.ID != 9 {
			t.Fatalf("body or id changed")
		}
	})
}
