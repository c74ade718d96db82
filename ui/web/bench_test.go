package web

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// BenchmarkWebBatch is one tick of a busy tap as the web monitor sees it:
// a batch of 50 messages, read by the pipeline, is encoded once, added to a full ring of 10k, and the rows event of four
// pages (one filtered) is built.
func BenchmarkWebBatch(b *testing.B) {
	h := &hub{ring: make([]*item, DefaultRetain), maxBytes: DefaultMaxBytes, nextID: 1, changed: make(chan struct{})}
	msgs := demoMessages(DefaultRetain)
	items := make([]*item, len(msgs))
	for i, m := range msgs {
		items[i] = newItem(m)
	}
	h.add(items, tap.Status{})
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
		items := make([]*item, len(batch))
		for i, m := range batch {
			items[i] = newItem(m)
		}
		h.add(items, tap.Status{})
		for _, v := range viewers {
			got, missed, _ := h.since(v.cursor, maxPerEvent)
			v.buf = v.appendRows(v.buf[:0], got, missed)
		}
	}
}
