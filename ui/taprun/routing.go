package taprun

import (
	"context"
	"slices"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/routing"
)

// startRouting loads the tapped vhost's routing model from the management
// API (from the tapped exchanges, refreshed every 30 s; docs/routing.md)
// until ctx ends, so that the read stage can say where each message went.
// nil when the API cannot be used (an x509-only login): the views then
// show no routing.
func startRouting(ctx context.Context, ep broker.Endpoint, sources []tap.Source) *routing.Live {
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return nil
	}
	var roots []string
	for _, s := range sources {
		if s.Queue == "" {
			roots = append(roots, s.Exchange)
			continue
		}
		// A queue tap sees what the exchanges bound to the queue route to
		// it, and what is published to it by name (the default exchange).
		roots = append(roots, "")
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		bs, err := admin.QueueBindings(lctx, ep.Vhost, s.Queue)
		cancel()
		if err != nil {
			continue // a message naming another exchange widens the model later
		}
		for _, b := range bs {
			if !slices.Contains(roots, b.Exchange) {
				roots = append(roots, b.Exchange)
			}
		}
	}
	live := routing.NewLive(admin, ep.Vhost, roots)
	go live.Run(ctx)
	// The first load takes a fraction of a second (docs/routing.md): wait
	// that long, so that the first messages are routed too, but no longer
	// (a slow API must not hold the tap's view back).
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Second)
	for live.Current() == nil && live.Err() == nil {
		select {
		case <-ctx.Done():
			return live
		case <-deadline:
			return live
		case <-tick.C:
		}
	}
	return live
}
