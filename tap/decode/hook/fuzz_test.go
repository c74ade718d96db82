package hook

import (
	"strings"
	"testing"
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
