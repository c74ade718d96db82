package decode

import (
	"bytes"
	"strings"
	"testing"
)

func TestGeneric(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		format  string
		summary string
		kind    BodyKind
		body    string // expected Body.Text prefix
	}{
		{
			name:    "json object",
			in:      Input{ContentType: "application/json", Body: []byte(`{"order_id": 1842, "items": 3}`)},
			format:  "json",
			summary: `{"order_id":1842,"items":3}`,
			kind:    BodyJSON,
			body:    "{\n  \"order_id\": 1842,\n  \"items\": 3\n}",
		},
		{
			name:    "json nested and empty containers",
			in:      Input{Body: []byte(`[{"a":[]},{},[1,{"b":null}]]`)},
			format:  "json",
			summary: `[{"a":[]},{},[1,{"b":null}]]`,
			kind:    BodyJSON,
			body:    "[\n  {\n    \"a\": []\n  },\n  {},\n  [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n]",
		},
		{
			name:    "json string with braces and escapes",
			in:      Input{Body: []byte(`{"s":"a{b}[c],\"d\": e\\"}`)},
			format:  "json",
			summary: `{"s":"a{b}[c],\"d\": e\\"}`,
			kind:    BodyJSON,
			body:    "{\n  \"s\": \"a{b}[c],\\\"d\\\": e\\\\\"\n}",
		},
		{
			name:    "text",
			in:      Input{ContentType: "text/plain", Body: []byte("\n  hello   world \t again\nsecond line\n")},
			format:  "text",
			summary: "hello world again",
			kind:    BodyText,
			body:    "\n  hello",
		},
		{
			name:    "unicode text",
			in:      Input{Body: []byte("grüße, 世界 ✓")},
			format:  "text",
			summary: "grüße, 世界 ✓",
			kind:    BodyText,
		},
		{
			name:    "invalid json with json content type is text",
			in:      Input{ContentType: "application/json", Body: []byte(`{"a": 1`)},
			format:  "text",
			summary: `{"a": 1`,
			kind:    BodyText,
		},
		{
			name:    "binary",
			in:      Input{Body: []byte{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 'A'}},
			format:  "binary",
			summary: "8 bytes: de ad be ef 00 01 02 41",
			kind:    BodyHex,
			body:    "00000000  de ad be ef 00 01 02 41                           |.......A|",
		},
		{
			name:    "empty",
			in:      Input{},
			format:  "empty",
			summary: "(empty)",
			kind:    BodyEmpty,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Decode(tt.in)
			if r.Format != tt.format {
				t.Errorf("Format = %q, want %q", r.Format, tt.format)
			}
			if r.Summary != tt.summary {
				t.Errorf("Summary = %q, want %q", r.Summary, tt.summary)
			}
			if r.Body.Kind != tt.kind {
				t.Errorf("Body.Kind = %v, want %v", r.Body.Kind, tt.kind)
			}
			if !strings.HasPrefix(r.Body.Text, tt.body) {
				t.Errorf("Body.Text = %q, want prefix %q", r.Body.Text, tt.body)
			}
			checkInvariants(t, tt.in, r)
		})
	}
}

func TestHexDumpLayout(t *testing.T) {
	b := make([]byte, 20)
	for i := range b {
		b[i] = byte('a' + i)
	}
	b[3] = 0x7f
	got := hexDump(b)
	want := "00000000  61 62 63 7f 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abc.efghijklmnop|\n" +
		"00000010  71 72 73 74                                       |qrst|"
	if got != want {
		t.Errorf("hexDump:\n%s\nwant:\n%s", got, want)
	}
}

func TestGenericTruncation(t *testing.T) {
	t.Run("large text", func(t *testing.T) {
		body := bytes.Repeat([]byte("line of text\n"), 20000) // 260 000 bytes
		r := Decode(Input{Body: body})
		if r.Format != "text" || r.Body.Kind != BodyText {
			t.Fatalf("Format %q kind %v", r.Format, r.Body.Kind)
		}
		if len(r.Body.Text) != maxRender || r.Body.Omitted != len(body)-maxRender {
			t.Errorf("rendered %d, omitted %d", len(r.Body.Text), r.Body.Omitted)
		}
	})
	t.Run("large json", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("[")
		for i := 0; i < 20000; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"id":12345,"name":"widget"}`)
		}
		b.WriteString("]")
		r := Decode(Input{Body: b.Bytes()})
		if r.Format != "json" {
			t.Fatalf("Format %q", r.Format)
		}
		if r.Body.Omitted <= 0 || r.Body.Omitted >= b.Len() {
			t.Errorf("Omitted = %d of %d", r.Body.Omitted, b.Len())
		}
		if len(r.Body.Text) > maxRenderOut+maxRender {
			t.Errorf("rendered %d bytes", len(r.Body.Text))
		}
		if !strings.HasSuffix(r.Summary, "…") || len(r.Summary) > maxSummary+len("…") {
			t.Errorf("Summary %q", r.Summary)
		}
	})
	t.Run("json over parse limit is text", func(t *testing.T) {
		body := []byte(`["` + strings.Repeat("x", maxParse) + `"]`)
		r := Decode(Input{ContentType: "application/json", Body: body})
		if r.Format != "text" || r.Body.Omitted != len(body)-maxRender {
			t.Errorf("Format %q omitted %d", r.Format, r.Body.Omitted)
		}
	})
	t.Run("large binary", func(t *testing.T) {
		body := make([]byte, 100000)
		r := Decode(Input{Body: body})
		if r.Format != "binary" || r.Body.Omitted != 100000-maxRender {
			t.Errorf("Format %q omitted %d", r.Format, r.Body.Omitted)
		}
		if lines := strings.Count(r.Body.Text, "\n") + 1; lines != maxRender/16 {
			t.Errorf("%d hex lines", lines)
		}
	})
}

// checkInvariants holds for every Result, whatever the input.
func checkInvariants(t *testing.T, in Input, r Result) {
	t.Helper()
	if r.Format == "" {
		t.Errorf("empty Format")
	}
	if strings.ContainsAny(r.Summary, "\n\r") {
		t.Errorf("Summary has a newline: %q", r.Summary)
	}
	if len(r.Summary) > 4*maxSummary {
		t.Errorf("Summary is %d bytes", len(r.Summary))
	}
	if len(r.Body.Text) > maxRenderOut+maxRender {
		t.Errorf("Body.Text is %d bytes", len(r.Body.Text))
	}
	if r.Body.Omitted < 0 {
		t.Errorf("Body.Omitted = %d", r.Body.Omitted)
	}
	if len(r.Fields) > 200 || len(r.Notes) > maxNotes {
		t.Errorf("%d fields, %d notes", len(r.Fields), len(r.Notes))
	}
	for _, f := range r.Fields {
		if strings.ContainsAny(f.Value, "\n\r") || len(f.Value) > maxField+8 {
			t.Errorf("field %q value %q", f.Name, truncate(f.Value, 100))
		}
	}
	for k, v := range r.Terms {
		if len(v) > maxField+8 {
			t.Errorf("term %q is %d bytes", k, len(v))
		}
	}
}

// Summarize is Decode without a binary body's hex dump: the table, the
// filter and JSON lines read the same result; only the dump is missing.
func TestSummarizeLeavesOnlyTheHexDumpOut(t *testing.T) {
	body := make([]byte, 1024)
	body[0], body[9] = 0x01, 0xfe
	for _, in := range []Input{
		{Body: body, ContentType: "application/octet-stream"},
		{Body: []byte(`{"a": 1}`), ContentType: "application/json"},
		{Body: []byte("plain words"), ContentType: "text/plain"},
	} {
		full, brief := Decode(in), Summarize(in)
		if full.Format != brief.Format || full.Summary != brief.Summary || full.Body.Kind != brief.Body.Kind {
			t.Errorf("%s: Summarize %+v differs from Decode %+v", in.ContentType, brief, full)
		}
		if full.Body.Kind == BodyHex {
			if brief.Body.Text != "" || brief.Body.Omitted != len(body) || !strings.Contains(full.Body.Text, "01 00 00 00") {
				t.Errorf("binary: Summarize body %+v, Decode body starts %.40q", brief.Body, full.Body.Text)
			}
		} else if full.Body != brief.Body {
			t.Errorf("%s: the body differs: %+v vs %+v", in.ContentType, brief.Body, full.Body)
		}
	}
}

func BenchmarkSummarizeBinary1K(b *testing.B) {
	body := make([]byte, 1024)
	body[0] = 1
	in := Input{Body: body, ContentType: "application/octet-stream"}
	b.ReportAllocs()
	for b.Loop() {
		Summarize(in)
	}
}
