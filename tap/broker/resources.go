package broker

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Resource is an exchange or a queue of a vhost, as the source picker shows
// it: enough to choose what to tap.
type Resource struct {
	Kind      string // "exchange" or "queue"
	Name      string
	Type      string  // the exchange type (topic, direct…) or the queue type (classic, quorum…)
	Bindings  int     // bindings from the exchange, or to the queue from named exchanges (not shoveltap's)
	Rate      float64 // messages per second in: publish_in for exchanges, publish for queues
	Messages  int     // queues: messages in the queue
	Consumers int     // queues: consumers
}

// Resource kinds.
const (
	KindExchange = "exchange"
	KindQueue    = "queue"
)

// Resources lists the exchanges and queues of a vhost that can be tapped:
// the user's exchanges first, then the amq.* ones, then the queues, each
// group by name. shoveltap's own objects are left out, and so is the
// default exchange: tapping it needs the firehose, not a binding.
func (a *Admin) Resources(ctx context.Context, vhost string) ([]Resource, error) {
	xs, err := a.client(ctx).ListExchangesIn(vhost)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the exchanges of vhost %q", vhost), err)
	}
	qs, err := a.Queues(ctx, vhost)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the queues of vhost %q", vhost), err)
	}
	bs, err := a.client(ctx).ListBindingsIn(vhost)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of vhost %q", vhost), err)
	}
	fromExchange := map[string]int{}
	toQueue := map[string]int{}
	for _, b := range bs {
		// Other taps' bindings are not the application's; and the default
		// exchange's implicit binding to every queue cannot be copied by a
		// queue tap, so it is not counted either.
		if b.Source == "" || strings.HasPrefix(b.Destination, Prefix) {
			continue
		}
		fromExchange[b.Source]++
		if b.DestinationType == "queue" {
			toQueue[b.Destination]++
		}
	}

	var out []Resource
	for _, x := range xs {
		if x.Name == "" || strings.HasPrefix(x.Name, Prefix) {
			continue
		}
		r := Resource{Kind: KindExchange, Name: x.Name, Type: x.Type, Bindings: fromExchange[x.Name]}
		if x.MessageStats != nil && x.MessageStats.PublishInDetails != nil {
			r.Rate = float64(x.MessageStats.PublishInDetails.Rate)
		}
		out = append(out, r)
	}
	for _, q := range qs {
		if strings.HasPrefix(q.Name, Prefix) {
			continue
		}
		r := Resource{Kind: KindQueue, Name: q.Name, Type: q.Type, Bindings: toQueue[q.Name], Messages: q.Messages, Consumers: q.Consumers}
		r.Rate = q.MessageStats.PublishDetails.Rate
		out = append(out, r)
	}
	SortResources(out)
	return out, nil
}

// SortResources orders resources as the picker lists them: the user's
// exchanges, then the built-in amq.* exchanges (rarely what one wants to
// tap), then the queues, each group by name.
func SortResources(rs []Resource) {
	group := func(r Resource) int {
		switch {
		case r.Kind == KindQueue:
			return 2
		case strings.HasPrefix(r.Name, "amq."):
			return 1
		}
		return 0
	}
	sort.SliceStable(rs, func(i, j int) bool {
		gi, gj := group(rs[i]), group(rs[j])
		if gi != gj {
			return gi < gj
		}
		return rs[i].Name < rs[j].Name
	})
}
