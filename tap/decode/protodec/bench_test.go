package protodec

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

// BenchmarkSummarize1KB is the decoding stage's cost for a 1 KB Protobuf
// order (issue 26 asks for at most 10 µs).
func BenchmarkSummarize1KB(b *testing.B) {
	reg := load(b, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	p, err := New(reg, formats.ProtoConfig{})
	if err != nil {
		b.Fatal(err)
	}
	d := decode.NewDecoder(p)
	// The fixture order, its lines repeated to about 1 KB.
	md, _ := reg.Message("shop.v1.Order")
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(fixture(b, "order.bin"), msg); err != nil {
		b.Fatal(err)
	}
	lines := msg.Mutable(md.Fields().ByName("lines")).List()
	for n := 0; n < 40; n++ {
		body, _ := proto.Marshal(msg)
		if len(body) >= 1000 {
			break
		}
		lines.Append(lines.Get(0))
	}
	body, _ := proto.Marshal(msg)
	in := decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := d.Summarize(in); r.Format != "protobuf" {
			b.Fatal(r.Notes)
		}
	}
}
