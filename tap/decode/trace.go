package decode

import (
	"strings"

	"github.com/shoveltap/shoveltap/tap/tracectx"
)

// addTrace records the message's W3C trace context once, for every view
// (the trace column and view, JSON lines, links) and for the trace: filter
// term: from the headers, or from an oslo.messaging request context, which
// the oslo decoder lists among the fields.
func addTrace(r *Result, in Input) {
	c, ok := tracectx.FromHeaders(in.Headers)
	if !ok && strings.HasPrefix(r.Format, "oslo") {
		var parent, state string
		for _, f := range r.Fields {
			switch f.Name {
			case "Context traceparent":
				parent = f.Value
			case "Context tracestate":
				state = f.Value
			}
		}
		if parent != "" {
			c, ok = tracectx.FromOsloContext(parent, state)
		}
	}
	if !ok {
		return
	}
	// A copy taken only here: &c would move c to the heap for every
	// message, with a trace context or not.
	t := c
	r.Trace = &t
	r.setTerm("trace", c.TraceID)
}
