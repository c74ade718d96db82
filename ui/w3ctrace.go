package ui

import (
	"strconv"

	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/tap/tracectx"
	"github.com/shoveltap/shoveltap/ui/tracetree"
)

// The trace view of a W3C trace (traceparent): the retained messages of
// one trace, in order of arrival, each with its span, beside Celery's
// task tree (a Celery task opens its workflow's tree; any other message
// with a trace opens this list). It reuses the tree's rows: one row per
// message, led by its span.

// w3cTraceOf is the W3C trace ID of e, "" for none.
func w3cTraceOf(e *entry) string {
	if e == nil {
		return ""
	}
	if c := e.r.Decoded.Trace; c != nil && c.Valid() {
		return c.TraceID
	}
	return ""
}

// buildW3C makes the rows of trace t.w3c from the retained messages.
func (t *traceView) buildW3C(s *retained) {
	var items []*entry
	for i := 0; i < s.ring.len(); i++ {
		items = append(items, s.ring.at(i))
	}
	groups := tracectx.GroupByTrace(items, func(e *entry) *tracectx.Context { return e.r.Decoded.Trace })
	t.rows = t.rows[:0]
	t.w3cSpans = 0
	for _, g := range groups {
		if g.TraceID != t.w3c {
			continue
		}
		t.w3cSpans = len(g.Spans)
		for _, e := range g.Items {
			// The span in full (16 digits): spans of one trace often
			// share no prefix worth cutting to.
			label := "span " + e.r.Decoded.Trace.SpanID + " · " + e.r.Cells.Exchange + " → " + e.r.Cells.RoutingKey + " · " + e.r.Cells.Summary
			t.rows = append(t.rows, tracetree.Row{Node: &tracetree.Node{Seq: e.msg.Seq, Label: label}})
		}
	}
	t.builtAt = s.received
}

// w3cTitle is the view's title line parts for a W3C trace.
func (t traceView) w3cTitle() (title, pos string) {
	return "W3C trace · " + sanitize.Line(t.w3c),
		count(len(t.rows), "message", "messages") + " · " + strconv.Itoa(t.w3cSpans) + " span(s)"
}
