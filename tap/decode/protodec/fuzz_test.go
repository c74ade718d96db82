package protodec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// FuzzProtobuf decodes arbitrary bodies as each test type, and by trial:
// no panic, a one-line summary, bounded output; and the decoding stage's
// scan (Summarize) agrees with the library's decode (Decode) on whether
// the body parses, its unknown fields and its filter terms.
func FuzzProtobuf(f *testing.F) {
	for _, name := range []string{"order.bin", "shipment.bin", "order_voucher.bin", "deep.bin"} {
		f.Add(fixture(f, name), byte(0))
	}
	reg := load(f, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	p, err := New(reg, formats.ProtoConfig{Trial: true})
	if err != nil {
		f.Fatal(err)
	}
	d := decode.NewDecoder(p)
	cts := []string{"application/x-protobuf; proto=shop.v1.Order", "application/x-protobuf; proto=shop.v1.Node",
		"application/x-protobuf; proto=google.protobuf.Struct", "application/x-protobuf"}
	f.Fuzz(func(t *testing.T, body []byte, which byte) {
		r := d.Summarize(decode.Input{ContentType: cts[int(which)%len(cts)], Body: body})
		if !strings.HasPrefix(r.Format, "protobuf") {
			t.Errorf("format %q", r.Format)
		}
		if strings.ContainsAny(r.Summary, "\n\r") || len(r.Summary) > 400 {
			t.Errorf("summary %q", r.Summary)
		}
		if len(r.Body.Text) > 1<<20 {
			t.Errorf("body text %d bytes for %d", len(r.Body.Text), len(body))
		}
		scanAgrees(t, d, decode.Input{ContentType: cts[int(which)%len(cts)], Body: body}, false)
		// The decoding stage's brief result is the same without the
		// search text (asked for when a free-text filter searches); a
		// body only the library reads keeps its rendered text.
		brief, _ := d.SummarizeFacts(decode.Input{ContentType: cts[int(which)%len(cts)], Body: body}, func(decode.Result) bool { return false })
		if brief.Body.Text != "" && brief.Body.Text != r.Body.Text {
			t.Errorf("brief body %+v, want none or %+v", brief.Body, r.Body)
		}
		brief.Body, r.Body = decode.Body{Kind: brief.Body.Kind}, decode.Body{Kind: r.Body.Kind}
		if !reflect.DeepEqual(brief, r) {
			t.Errorf("brief result %+v, want %+v", brief, r)
		}
	})
}
