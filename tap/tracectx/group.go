package tracectx

import (
	"slices"

	"github.com/shoveltap/shoveltap/tap"
)

// Group is the messages of one trace, in the order they came.
type Group struct {
	TraceID  string
	Messages []tap.Message
	// Spans are the distinct span IDs that sent them, in order of first
	// appearance: one per hop when each service starts a producer span.
	Spans []string
}

// GroupByTrace gathers msgs by trace, in order of each trace's first
// message; messages without a trace context are left out.
func GroupByTrace(msgs []tap.Message) []Group {
	var groups []Group
	at := map[string]int{}
	for _, m := range msgs {
		c, ok := FromMessage(m)
		if !ok {
			continue
		}
		i, seen := at[c.TraceID]
		if !seen {
			i = len(groups)
			at[c.TraceID] = i
			groups = append(groups, Group{TraceID: c.TraceID})
		}
		g := &groups[i]
		g.Messages = append(g.Messages, m)
		if !slices.Contains(g.Spans, c.SpanID) {
			g.Spans = append(g.Spans, c.SpanID)
		}
	}
	return groups
}
