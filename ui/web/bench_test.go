package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// BenchmarkWebBatch is one tick of a busy tap as the web monitor sees it:
// a batch of 50 messages, read by the pipeline, is encoded once, added to a full ring of 10k, and the rows event of four
// pages (one filtered) is built.
func BenchmarkWebBatch(b *testing.B) {
	h := &hub{ring: make([]*item, DefaultRetain), maxBytes: DefaultMaxBytes, nextID: 1, changed: make(chan struct{})}
	intake(h, demoMessages(DefaultRetain))
	s := &Server{hub: h, run: "bench"}
	viewers := make([]*viewer, 4)
	for i := range viewers {
		viewers[i] = &viewer{s: s, cursor: h.nextID}
	}
	viewers[3].matcher = filter.Parse("rk:order.paid")
	batch := demoMessages(50)
	for i := range batch {
		batch[i].Reading = batch[i].Read()
	}
	b.ReportAllocs()
	for b.Loop() {
		intake(h, batch)
		for _, v := range viewers {
			pageTick(v)
		}
	}
}

// BenchmarkWebPages is what each open page adds to the tap process per
// message: one op is a 50-message batch (1 KB JSON bodies, read by the
// pipeline) taken in by the hub, then the rows event of every page built
// and written, as at 1k msg/s where each page is sent about two batches
// a tick. The pages have no filter, as the bench's tapcpu pages.
func BenchmarkWebPages(b *testing.B) {
	for _, pages := range []int{0, 3} {
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			h := &hub{ring: make([]*item, DefaultRetain), maxBytes: DefaultMaxBytes, nextID: 1, changed: make(chan struct{})}
			s := &Server{hub: h, run: "bench"}
			viewers := make([]*viewer, pages)
			for i := range viewers {
				viewers[i] = &viewer{s: s, cursor: h.nextID}
			}
			batch := kilobyteMessages(50)
			b.ReportAllocs()
			for b.Loop() {
				intake(h, batch)
				for _, v := range viewers {
					pageTick(v)
				}
			}
		})
	}
}

// kilobyteMessages are n messages of the tapcpu bench's shape: a 1 KB
// JSON body on one routing key, already read.
func kilobyteMessages(n int) []tap.Message {
	body := []byte(`{"order":12345,"customer":"ada","items":[`)
	for len(body) < 1000 {
		body = append(body, `{"sku":"A-1","qty":2},`...)
	}
	body = append(body[:len(body)-1], "]}"...)
	out := make([]tap.Message, n)
	for i := range out {
		m := tap.Message{Seq: uint64(i + 1), Time: time.Unix(1700000000, int64(i)), Source: "orders (#)", Exchange: "orders", RoutingKey: "order",
			Properties: tap.Properties{ContentType: "application/json"}, Body: body}
		m.Reading = m.Read()
		out[i] = m
	}
	return out
}
