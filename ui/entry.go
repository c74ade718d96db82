package ui

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// entry is one retained message with what the UI shows of it: its
// reading (tap/reading), built once in the pipeline's decoding stage and
// shared with every other view, and the UI's own state for the row.
type entry struct {
	msg tap.Message
	r   *reading.Reading // = msg.Reading, never nil

	// deliveries are the deliveries of this published message seen so far
	// (--deliveries); ofSummary is, for a delivery, the summary of the
	// message it delivers when that was retained.
	deliveries []deliveryNote
	ofSummary  string

	// row caches the rendered table row for one set of columns; it is
	// filled when the row is first drawn and rebuilt when the width changes.
	row     string // styled, for ordinary rows
	rowSel  string // plain, for the selected row
	rowCols int    // columns key the row was built for; 0 means none
	evicted bool   // pushed out of the ring
}

// newEntries makes the entries of a batch. It touches no model state, so
// it runs in the command that received the batch, off the UI goroutine.
func newEntries(msgs []tap.Message) []*entry {
	out := make([]*entry, len(msgs))
	for i, m := range msgs {
		out[i] = newEntry(m)
	}
	return out
}

// newEntry takes the message's reading; a message that did not pass
// through the pipeline (a test) gets one here.
func newEntry(m tap.Message) *entry {
	if m.Reading == nil {
		m.Reading = m.Read()
	}
	return &entry{msg: m, r: m.Reading}
}

// body returns the rendered body for the detail pane: decoded on the
// first showing, and kept with the reading.
func (e *entry) body() decode.Body { return e.r.Body() }
