package tracectx

import "slices"

// Group is the items (messages) of one trace, in the order they came.
type Group[T any] struct {
	TraceID string
	Items   []T
	// Spans are the distinct span IDs that sent them, in order of first
	// appearance: one per hop when each service starts a producer span.
	Spans []string
}

// GroupByTrace gathers items by trace, in order of each trace's first
// item; of says an item's trace context (for a tap.Message,
// m.Result().Trace). Items without one are left out.
func GroupByTrace[T any](items []T, of func(T) *Context) []Group[T] {
	var groups []Group[T]
	at := map[string]int{}
	for _, it := range items {
		c := of(it)
		if c == nil || !c.Valid() {
			continue
		}
		i, seen := at[c.TraceID]
		if !seen {
			i = len(groups)
			at[c.TraceID] = i
			groups = append(groups, Group[T]{TraceID: c.TraceID})
		}
		g := &groups[i]
		g.Items = append(g.Items, it)
		if !slices.Contains(g.Spans, c.SpanID) {
			g.Spans = append(g.Spans, c.SpanID)
		}
	}
	return groups
}
