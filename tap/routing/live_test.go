package routing_test

import (
	"context"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
)

// TestLiveRoutesOnceLoaded: a Live says nothing before its model is
// loaded, then routes with it: queues, the dead letters of each queue
// reached, near misses and the queue names without shoveltap's own.
func TestLiveRoutesOnceLoaded(t *testing.T) {
	loaded := make(chan struct{})
	l := routing.NewLiveFrom(func(context.Context) (*routing.Topology, error) {
		<-loaded
		return routingtest.Topology(), nil
	})
	if w := l.Route("orders", "order.paid", nil); w != nil {
		t.Fatalf("routed before the model was loaded: %+v", w)
	}
	if _, ok := l.NearMisses("orders", "order.paid", nil, 0); ok {
		t.Fatal("near misses before the model was loaded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	close(loaded)
	deadline := time.Now().Add(5 * time.Second)
	for l.Current() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the model was not loaded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	w := l.Route("orders", "order.paid", map[string]any{"x-shovelled": "yes"})
	if w == nil || w.Result.Verdict != routing.Routed || len(w.Result.Queues) != 1 || w.Result.Queues[0].Queue != "paid" {
		t.Fatalf("order.paid: %+v", w)
	}
	if len(w.DeadLetters) != 1 || w.DeadLetters[0].DeadLetter.Exchange != "dlx" || !w.DeadLetters[0].Result.Reached("dead") {
		t.Errorf("dead letters of paid: %+v", w.DeadLetters)
	}
	if w := l.Route("orders", "order.lost", nil); w.Result.Verdict != routing.Unroutable || len(w.DeadLetters) != 0 {
		t.Errorf("order.lost: %+v", w)
	}
	if w := l.Route("hash", "k", nil); w.Result.Verdict != routing.Unknown {
		t.Errorf("an x-consistent-hash exchange: %+v", w)
	}
	if w := l.Route("nowhere", "k", nil); w.Result.Verdict != routing.Unknown {
		t.Errorf("an exchange not in the model: %+v", w)
	}
	ws, ok := l.NearMisses("orders", "order.lost", nil, 0)
	if !ok || len(ws) != 2 || ws[0].Queue != "all" || ws[1].Queue != "paid" || ws[0].Reached || ws[1].Reached {
		t.Errorf("near misses of order.lost: %+v", ws)
	}
	if ws, _ := l.NearMisses("orders", "order.lost", nil, 1); len(ws) != 1 {
		t.Errorf("limit 1: %d near misses", len(ws))
	}
	if got := l.QueueNames(); len(got) != 3 || got[0] != "all" || got[1] != "dead" || got[2] != "paid" {
		t.Errorf("queue names %v", got)
	}
}
