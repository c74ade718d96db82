package decode

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkDecodeCeleryJSON(b *testing.B) {
	in := loadFixture(b, "celery_json_kwargs_unicode")
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		Decode(in)
	}
}

func BenchmarkDecodeCeleryChain(b *testing.B) {
	in := loadFixture(b, "celery_json_chain")
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		Decode(in)
	}
}

// generic1K is a 1 KB JSON body like an application event.
func generic1K() []byte {
	var s strings.Builder
	s.WriteString(`{"event":"order.placed","order_id":1842,"customer":{"id":77,"name":"Zoë Example","email":"zoe@example.com"},"items":[`)
	for i := 0; s.Len() < 950; i++ {
		if i > 0 {
			s.WriteString(",")
		}
		fmt.Fprintf(&s, `{"sku":"SKU-%04d","qty":%d,"price":%d.99}`, i, i%5+1, i*3)
	}
	s.WriteString(`],"total":123.45}`)
	return []byte(s.String())
}

func BenchmarkDecodeGenericJSON1K(b *testing.B) {
	in := Input{ContentType: "application/json", Exchange: "shop", RoutingKey: "order.placed", Body: generic1K()}
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		Decode(in)
	}
}

func BenchmarkDecodeOsloRPC(b *testing.B) {
	in := loadFixture(b, "oslo_rpc_call")
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		Decode(in)
	}
}

func BenchmarkDecodeBinary4K(b *testing.B) {
	body := make([]byte, 4096)
	for i := range body {
		body[i] = byte(i * 7)
	}
	in := Input{Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Decode(in)
	}
}
