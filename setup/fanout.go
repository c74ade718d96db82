package setup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// The fanout layout puts, for each binding key k of the production exchange
// E, an intermediate fanout exchange F_k between E and the queues bound with
// k: E --k--> F_k --> those queues and the mirror queue. One F per key keeps
// production's routing exactly as it was (a single fanout for a topic
// exchange would hand every queue every message). The mirror then carries
// what production's consumers receive.
//
// Bindings move without a window in which a message routes nowhere: F_k and
// its bindings to the queues come first, then E --k--> F_k, and only then is
// the old E --k--> queue binding removed. While both paths exist a message
// reaches each queue once: RabbitMQ routes through exchange-to-exchange
// bindings to a set of queues, without duplicates.

// planFanout plans the move for the keys selected (all of E's keys when the
// mirror keys are just "#").
func (s *Setup) planFanout(ctx context.Context, r Resolved) ([]Action, error) {
	all := slices.Equal(r.Keys, []string{"#"})
	qname := MirrorQueue(r.Exchange)
	bs, err := s.prod.bindingsFrom(ctx, r.Exchange)
	if err != nil {
		return nil, err
	}
	// Queue bindings of E still in place, by key (setup's and tracer taps'
	// own queues never move), and the intermediate exchanges already there.
	direct := map[string][]broker.Binding{}
	feeds := map[string]broker.Binding{} // key → E --k--> F_k
	var stale []broker.Binding
	for _, b := range bs {
		switch {
		case b.DestinationType == "queue" && b.Destination == qname && marked(b.Arguments, r.Exchange):
			stale = append(stale, b) // left from the queue layout
		case b.DestinationType == "queue" && !isShoveltap(b.Destination):
			if all || slices.Contains(r.Keys, b.RoutingKey) {
				direct[b.RoutingKey] = append(direct[b.RoutingKey], b)
			}
		case b.DestinationType == "exchange" && strings.HasPrefix(b.Destination, fanoutPrefix(r.Exchange)) && marked(b.Arguments, r.Exchange):
			feeds[b.RoutingKey] = b
		}
	}
	keys := sortedKeys(direct)
	for _, k := range sortedKeys(feeds) {
		if _, ok := direct[k]; !ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("exchange %q has no queue bindings to move for --layout fanout; use the default layout, which binds the mirror queue directly", r.Exchange)
	}

	var plan []Action
	add := func(a Action) { plan = append(plan, a) }
	for _, k := range keys {
		f := FanoutName(r.Exchange, k)
		fx, err := s.prod.exchange(ctx, f)
		if err != nil {
			return nil, err
		}
		var out []broker.Binding
		switch {
		case fx == nil:
			args := withMarker(map[string]any{markerKey: k}, r.Exchange)
			add(Action{Broker: "production", Op: OpCreate, Kind: "exchange", Name: f, Detail: "fanout, durable; takes over key " + quoteKey(k) + " of " + r.Exchange,
				run: func(ctx context.Context) error { return s.prod.declareExchange(ctx, f, "fanout", args) }})
		case !marked(fx.Args, r.Exchange):
			return nil, fmt.Errorf("exchange %q exists on production but was not created by shoveltap setup; remove or rename it", f)
		default:
			add(Action{Broker: "production", Op: OpKeep, Kind: "exchange", Name: f, Detail: "fanout for key " + quoteKey(k)})
			if out, err = s.prod.bindingsFrom(ctx, f); err != nil {
				return nil, err
			}
		}
		boundTo := func(dest string) bool {
			return slices.ContainsFunc(out, func(b broker.Binding) bool { return b.Destination == dest && b.DestinationType == "queue" })
		}
		// 1. The new path to every queue, and to the mirror queue.
		for _, b := range direct[k] {
			if boundTo(b.Destination) {
				add(Action{Broker: "production", Op: OpKeep, Kind: "binding", Name: f + " → " + b.Destination})
				continue
			}
			nb := broker.Binding{Source: f, Destination: b.Destination, DestinationType: "queue", Arguments: withMarker(b.Arguments, r.Exchange)}
			add(Action{Broker: "production", Op: OpBind, Kind: "binding", Name: f + " → " + b.Destination, Detail: "new path of key " + quoteKey(k),
				run: func(ctx context.Context) error { return s.prod.bind(ctx, nb) }})
		}
		if boundTo(qname) {
			add(Action{Broker: "production", Op: OpKeep, Kind: "binding", Name: f + " → " + qname})
		} else {
			mb := broker.Binding{Source: f, Destination: qname, DestinationType: "queue", Arguments: withMarker(nil, r.Exchange)}
			add(Action{Broker: "production", Op: OpBind, Kind: "binding", Name: f + " → " + qname, Detail: "mirror path",
				run: func(ctx context.Context) error { return s.prod.bind(ctx, mb) }})
		}
		// 2. Feed the fanout from E.
		if _, ok := feeds[k]; ok {
			add(Action{Broker: "production", Op: OpKeep, Kind: "binding", Name: r.Exchange + " → " + f, Detail: "key " + quoteKey(k)})
		} else {
			fb := broker.Binding{Source: r.Exchange, Destination: f, DestinationType: "exchange", RoutingKey: k, Arguments: withMarker(nil, r.Exchange)}
			add(Action{Broker: "production", Op: OpBind, Kind: "binding", Name: r.Exchange + " → " + f, Detail: "key " + quoteKey(k),
				run: func(ctx context.Context) error { return s.prod.bind(ctx, fb) }})
		}
		// 3. Only now remove the old direct bindings.
		for _, b := range direct[k] {
			add(Action{Broker: "production", Op: OpUnbind, Kind: "binding", Name: r.Exchange + " → " + b.Destination, Detail: "key " + quoteKey(k) + " (now through " + f + ")",
				run: func(ctx context.Context) error { return s.prod.unbind(ctx, b) }})
		}
	}
	for _, b := range stale {
		add(Action{Broker: "production", Op: OpUnbind, Kind: "binding", Name: r.Exchange + " → " + qname, Detail: "key " + quoteKey(b.RoutingKey) + " (queue layout binding, replaced by the fanouts)",
			run: func(ctx context.Context) error { return s.prod.unbind(ctx, b) }})
	}
	return plan, nil
}
