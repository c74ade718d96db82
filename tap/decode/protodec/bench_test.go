package protodec

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

// BenchmarkSummarize1KB is the decoding stage's cost for a 1 KB Protobuf
// order (issue 26 asks for at most 10 µs): decode.Decoder.SummarizeFacts
// as reading.BuildWith calls it for every message, whose result gives the
// table's summary, the decoded fields and notes and the filter terms. The
// text the free-text filter searches is BenchmarkSearchText1KB's, made
// only for a message a free-text term tests.
func BenchmarkSummarize1KB(b *testing.B) {
	d, in := order1KB(b)
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	noFacts := func(decode.Result) bool { return false }
	for b.Loop() {
		if r, _ := d.SummarizeFacts(in, noFacts); r.Format != "protobuf" || r.Terms["proto.order_id"] != "42" {
			b.Fatal(r.Notes)
		}
	}
}

// BenchmarkSearchText1KB is what the first free-text term costs a
// message besides: Summarize with the fields' values as text, which the
// reading's haystack searches (tap/reading SearchText).
func BenchmarkSearchText1KB(b *testing.B) {
	d, in := order1KB(b)
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := d.Summarize(in); r.Format != "protobuf" || len(r.Body.Text) < 1000 {
			b.Fatal(r.Notes)
		}
	}
}

// BenchmarkDetail1KB is a detail view's decode of the same message
// (Reading.Body, once per message shown): the library's decode and its
// protojson, which the decoding stage no longer does.
func BenchmarkDetail1KB(b *testing.B) {
	d, in := order1KB(b)
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := d.Decode(in); r.Format != "protobuf" || r.Body.Kind != decode.BodyJSON {
			b.Fatal(r.Notes)
		}
	}
}

// order1KB is the fixture order (a Timestamp, a Duration, an Any and a
// Struct among its fields), its lines repeated to about 1 KB, typed by
// its content type.
func order1KB(b *testing.B) (*decode.Decoder, decode.Input) {
	reg := load(b, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	p, err := New(reg, formats.ProtoConfig{})
	if err != nil {
		b.Fatal(err)
	}
	md, _ := reg.Message("shop.v1.Order")
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(fixture(b, "order.bin"), msg); err != nil {
		b.Fatal(err)
	}
	lines := msg.Mutable(md.Fields().ByName("lines")).List()
	// Deterministic: the fields in number order, as encoders write them
	// (a dynamicpb message's are otherwise in random order, which moves
	// the well-known types into the summary in some runs).
	marshal := proto.MarshalOptions{Deterministic: true}
	for n := 0; n < 40; n++ {
		body, _ := marshal.Marshal(msg)
		if len(body) >= 1000 {
			break
		}
		lines.Append(lines.Get(0))
	}
	body, _ := marshal.Marshal(msg)
	return decode.NewDecoder(p), decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: body}
}
