package avrodec

import (
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
		r := d.Summarize(decode.Input{ContentType: "avro/binary", RoutingKey: keys[int(which)%len(keys)], Body: body})
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
