package routing

import (
	"context"
	"fmt"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// DefaultScopeLimit is how many exchanges LoadFrom lists the bindings of,
// one request each, before it lists all bindings of the vhost at once.
const DefaultScopeLimit = 50

// LoadFrom reads a model that holds only what a message published to one
// of roots can meet: every exchange, queue and policy of the vhost (three
// listings), but only the bindings of the exchanges reachable from roots
// through exchange bindings, alternate exchanges and the dead-letter
// exchanges of the queues reached (one request per exchange). On a vhost
// of thousands of bindings where a tap reaches a few exchanges, that is a
// small part of the full binding listing. When more than limit exchanges
// are reachable (limit <= 0: DefaultScopeLimit), it lists all bindings
// instead, as Load does.
//
// Route and DeadLetters answer for messages published to roots exactly as
// with Load; WhyNot sees only bindings of reachable exchanges, and says so.
func LoadFrom(ctx context.Context, admin *broker.Admin, vhost string, roots []string, limit int) (*Topology, error) {
	if limit <= 0 {
		limit = DefaultScopeLimit
	}
	raw, err := admin.RoutingObjects(ctx, vhost)
	if err != nil {
		return nil, err
	}
	base := FromBroker(vhost, raw) // exchanges and queues with policies applied
	seen := map[string]bool{}
	work := append([]string(nil), roots...)
	var listed []string
	for len(work) > 0 {
		x := work[0]
		work = work[1:]
		if seen[x] {
			continue
		}
		seen[x] = true
		e, ok := base.exchanges[x]
		if !ok {
			continue
		}
		if x == "" {
			// The default exchange reaches every queue by name.
			for _, q := range base.queues {
				if q.DeadLetter != nil {
					work = append(work, q.DeadLetter.Exchange)
				}
			}
			continue
		}
		if len(listed) == limit {
			// Too many exchanges: one full listing costs less.
			return Load(ctx, admin, vhost)
		}
		bs, err := admin.RoutingBindingsFrom(ctx, vhost, x)
		if err != nil {
			return nil, err
		}
		listed = append(listed, x)
		raw.Bindings = append(raw.Bindings, bs...)
		if e.Alternate != "" {
			work = append(work, e.Alternate)
		}
		for _, b := range bs {
			if b.DestinationType == ToExchange {
				work = append(work, b.Destination)
				continue
			}
			if q, ok := base.queues[b.Destination]; ok && q.DeadLetter != nil {
				work = append(work, q.DeadLetter.Exchange)
			}
		}
	}
	t := FromBroker(vhost, raw)
	t.scope = seen
	t.notes = append(t.notes, fmt.Sprintf("bindings loaded only for the exchanges reachable from %s (%d listed): a queue's bindings from other exchanges are not in the model", quoteList(roots), len(listed)))
	return t, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
