package web

import (
	"io"

	"github.com/shoveltap/shoveltap/tap"
)

// intake is the hub's goroutine taking in a batch.
func intake(h *hub, batch []tap.Message) { h.take(tap.Batch{Messages: batch}) }

// pageTick is one page's share of a tick, as its stream does it: its rows
// event built and written.
func pageTick(v *viewer) {
	items, missed, _ := v.s.hub.since(v.items[:0], v.cursor, maxPerEvent)
	v.buf = v.appendRows(v.buf[:0], items, missed)
	clear(items)
	v.items = items[:0]
	_, _ = io.Discard.Write(v.buf)
}
