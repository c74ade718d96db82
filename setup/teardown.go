package setup

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Teardown operations.
const (
	OpDelete  = "delete"
	OpRestore = "restore" // put a production binding back where it was
)

// TeardownPlan lists the removal of everything setup created for the
// configured exchanges, found by name and marker, never anything else. With
// all, it also covers every marked mirror on the production broker, for
// exchanges no longer in the configuration.
func (s *Setup) TeardownPlan(ctx context.Context, all bool) ([]Action, error) {
	type target struct{ exchange, mirrorExchange string }
	var targets []target
	seen := map[string]bool{}
	for _, r := range s.xs {
		targets = append(targets, target{r.Exchange, r.MirrorExchange})
		seen[r.Exchange] = true
	}
	if all {
		found, err := s.markedMirrors(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range found {
			if !seen[x] {
				targets = append(targets, target{x, ""})
				seen[x] = true
			}
		}
	}
	var plan []Action
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps, err := s.teardownExchange(ctx, t.exchange, t.mirrorExchange)
		if err != nil {
			return nil, err
		}
		plan = append(plan, steps...)
	}
	return plan, nil
}

// markedMirrors lists the production exchanges that have a marked mirror
// queue, read from the queues' markers.
func (s *Setup) markedMirrors(ctx context.Context) ([]string, error) {
	qs, err := s.prod.queues(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, q := range qs {
		x, ok := q.Arguments[Marker].(string)
		if ok && strings.HasPrefix(q.Name, Prefix) && q.Name == MirrorQueue(x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Setup) teardownExchange(ctx context.Context, x, mirrorExchange string) ([]Action, error) {
	var plan []Action
	add := func(a Action) { plan = append(plan, a) }
	qname := MirrorQueue(x)

	// 1. Stop the copying first: the shovel, if it is setup's.
	name := ShovelName(x)
	def, err := s.prod.shovel(ctx, name)
	if err != nil {
		return nil, err
	}
	ownShovel := def != nil && def["src-queue"] == qname
	if ownShovel {
		if mirrorExchange == "" {
			mirrorExchange, _ = def["dest-exchange"].(string)
		}
		add(Action{Broker: "production", Op: OpDelete, Kind: "shovel", Name: name,
			run: func(ctx context.Context) error { return s.prod.admin.DeleteShovel(ctx, s.prod.ep.Vhost, name) }})
	}

	// 2. Fanout layout: put every moved binding back on E (new path first),
	// then cut E off the intermediate fanout and delete it.
	src, err := s.prod.exchange(ctx, x)
	if err != nil {
		return nil, err
	}
	if src != nil {
		bs, err := s.prod.bindingsFrom(ctx, x)
		if err != nil {
			return nil, err
		}
		for _, feed := range bs {
			if feed.DestinationType != "exchange" || !strings.HasPrefix(feed.Destination, fanoutPrefix(x)) || !marked(feed.Arguments, x) {
				continue
			}
			f := feed.Destination
			fx, err := s.prod.exchange(ctx, f)
			if err != nil {
				return nil, err
			}
			if fx == nil || !marked(fx.Args, x) {
				continue
			}
			key, _ := fx.Args[markerKey].(string)
			out, err := s.prod.bindingsFrom(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, b := range out {
				if b.DestinationType != "queue" || b.Destination == qname {
					continue
				}
				rb := broker.Binding{Source: x, Destination: b.Destination, DestinationType: "queue", RoutingKey: key, Arguments: withoutMarker(b.Arguments)}
				add(Action{Broker: "production", Op: OpRestore, Kind: "binding", Name: x + " → " + b.Destination, Detail: "key " + quoteKey(key),
					run: func(ctx context.Context) error { return s.prod.bind(ctx, rb) }})
			}
			add(Action{Broker: "production", Op: OpUnbind, Kind: "binding", Name: x + " → " + f, Detail: "key " + quoteKey(feed.RoutingKey),
				run: func(ctx context.Context) error { return s.prod.unbind(ctx, feed) }})
			add(Action{Broker: "production", Op: OpDelete, Kind: "exchange", Name: f,
				run: func(ctx context.Context) error { return s.prod.deleteExchange(ctx, f) }})
		}
	}

	// 3. The mirror queue (its bindings go with it). It is setup's when it
	// carries the marker, or when setup's shovel re-declared it (shovel
	// definitions cannot carry the marker).
	q, err := s.prod.queue(ctx, qname)
	if err != nil {
		return nil, err
	}
	if q != nil && (marked(q.Args, x) || ownShovel) {
		detail := ""
		if q.Messages > 0 {
			detail = fmt.Sprintf("drops the %d message(s) it still holds", q.Messages)
		}
		add(Action{Broker: "production", Op: OpDelete, Kind: "queue", Name: qname, Detail: detail,
			run: func(ctx context.Context) error { return s.prod.deleteQueue(ctx, qname) }})
	}

	// 4. The history stream, then the mirror's fanout exchange, if setup
	// created them for x.
	history, err := s.teardownHistory(ctx, x)
	if err != nil {
		return nil, err
	}
	plan = append(plan, history...)
	if mirrorExchange == "" {
		xs, err := s.mirror.exchanges(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range xs {
			if marked(e.Arguments, x) {
				mirrorExchange = e.Name
			}
		}
	}
	if mirrorExchange != "" {
		mx, err := s.mirror.exchange(ctx, mirrorExchange)
		if err != nil {
			return nil, err
		}
		if mx != nil && marked(mx.Args, x) {
			add(Action{Broker: "mirror", Op: OpDelete, Kind: "exchange", Name: mirrorExchange, Detail: "consumers' bindings to it go too",
				run: func(ctx context.Context) error { return s.mirror.deleteExchange(ctx, mirrorExchange) }})
		}
	}
	return plan, nil
}
