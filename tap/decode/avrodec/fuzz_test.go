package avrodec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// FuzzAvro decodes arbitrary bodies with each test schema and as
// single-object encoding: no panic, a one-line summary, bounded output.
func FuzzAvro(f *testing.F) {
	for _, name := range []string{"order.bin", "order.single.bin", "money.single.bin", "deep.bin"} {
		f.Add(fixture(f, name), byte(0))
	}
	d := newDecoder(f, formats.AvroConfig{Types: []formats.Rule{
		{RoutingKey: "order", Type: "shop.v1.Order"}, {RoutingKey: "node", Type: "shop.v1.Node"}, {RoutingKey: "money", Type: "shop.v1.Money"}}})
	keys := []string{"order", "node", "money", "none"}
	f.Fuzz(func(t *testing.T, body []byte, which byte) {
		in := decode.Input{ContentType: "avro/binary", RoutingKey: keys[int(which)%len(keys)], Body: body}
		r := d.Summarize(in)
		// The decoding stage's brief result is the same without the
		// body's text (asked for when a free-text filter searches); a
		// body not decoded with the schema keeps the text it has.
		brief, _ := d.SummarizeFacts(in, func(decode.Result) bool { return false })
		if brief.Body.Text != "" && brief.Body.Text != r.Body.Text {
			t.Errorf("brief body %+v, want none or %+v", brief.Body, r.Body)
		}
		if want := withoutText(r); !reflect.DeepEqual(withoutText(brief), want) {
			t.Errorf("brief result %+v, want %+v", brief, want)
		}
		if r.Format != "avro" {
			t.Errorf("format %q", r.Format)
		}
		if strings.ContainsAny(r.Summary, "\n\r") || len(r.Summary) > 400 {
			t.Errorf("summary %q", r.Summary)
		}
		if len(r.Body.Text) > 1<<20 {
			t.Errorf("body text %d bytes for %d", len(r.Body.Text), len(body))
		}
	})
}

// withoutText is r with the body's kind only.
func withoutText(r decode.Result) decode.Result {
	r.Body = decode.Body{Kind: r.Body.Kind}
	return r
}
