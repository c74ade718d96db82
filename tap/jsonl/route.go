package jsonl

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/routing"
)

// RoutedQueue is a production queue the message reached (routed_to),
// with the way there and where the queue's dead letters of it would go.
type RoutedQueue struct {
	Queue string `json:"queue"`
	// Path is each step, "exchange orders → queue paid (key \"order.#\")".
	Path        []string     `json:"path"`
	ByAlternate bool         `json:"by_alternate,omitempty"`
	DeadLetters *DeadLetters `json:"dead_letters,omitempty"`
}

// DeadLetters is where a queue's dead letters of the message go.
type DeadLetters struct {
	Exchange   string  `json:"exchange"`
	RoutingKey *string `json:"routing_key,omitempty"` // the queue's dead-letter routing key, if set
	// RoutedTo are the queues the dead letter would reach; empty: none,
	// the broker drops it.
	RoutedTo []string `json:"routed_to"`
}

// setRoute fills the record's routing and dead-letter fields from the
// message's reading: routed_to, unroutable, routing_unknown, dead_letter,
// trace_id and span_id.
func (r *Record) setRoute(m tap.Message, d decode.Result) {
	if c := d.Trace; c != nil && c.Valid() {
		r.TraceID, r.SpanID = c.TraceID, c.SpanID
	}
	var w *routing.Where
	if m.Reading != nil {
		w = m.Reading.Route
		r.DeadLetter = m.Reading.DeadLetter
	} else if dl, ok := decode.DeadLettered(m.Headers); ok {
		r.DeadLetter = &dl
	}
	if w == nil {
		return
	}
	res := w.Result
	switch res.Verdict {
	case routing.Unroutable:
		r.Unroutable = true
	case routing.Unknown:
		r.RoutingUnknown = res.Unknowns
		if len(r.RoutingUnknown) == 0 {
			r.RoutingUnknown = []string{"cannot say"}
		}
	}
	if len(res.Queues) > 0 && len(res.Unknowns) > 0 {
		r.RoutingUnknown = res.Unknowns // routed, and more may have been
	}
	r.UsedAlternate = res.UsedAlternate
	for _, q := range res.Queues {
		rq := RoutedQueue{Queue: q.Queue, Path: make([]string, len(q.Path)), ByAlternate: q.ByAlternate}
		for i, s := range q.Path {
			rq.Path[i] = s.String()
		}
		for _, dq := range w.DeadLetters {
			if dq.Queue != q.Queue {
				continue
			}
			dl := &DeadLetters{Exchange: dq.DeadLetter.Exchange, RoutedTo: dq.Result.QueueNames()}
			if dq.DeadLetter.HasRoutingKey {
				k := dq.DeadLetter.RoutingKey
				dl.RoutingKey = &k
			}
			rq.DeadLetters = dl
		}
		r.RoutedTo = append(r.RoutedTo, rq)
	}
}
