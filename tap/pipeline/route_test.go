package pipeline

import (
	"context"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
)

// TestReadStageRoutesEveryPublish: with a Router the read stage, on its
// parallel workers, says where each published message went (run with
// -race: the model is shared by the workers); a delivery report is not a
// publish and is not routed; the route: term sees the verdict.
func TestReadStageRoutesEveryPublish(t *testing.T) {
	in := make(chan tap.Batch, 1)
	_, out := Start(context.Background(), in, Config{Workers: 4, Router: routingtest.Live()})
	keys := []string{"order.paid", "order.lost", "order.eu.shipped"}
	var msgs []tap.Message
	for i := range 300 {
		msgs = append(msgs, tap.Message{Seq: uint64(i + 1), Exchange: "orders", RoutingKey: keys[i%3], Body: []byte("x")})
	}
	msgs = append(msgs, tap.Message{Seq: 301, Exchange: "orders", RoutingKey: "order.lost", Delivery: &tap.Delivery{Queue: "paid"}})
	in <- tap.Batch{Messages: msgs}
	close(in)
	b := <-out
	want := map[string]string{"order.paid": routing.Routed, "order.lost": routing.Unroutable, "order.eu.shipped": routing.Routed}
	for _, m := range b.Messages[:300] {
		r := m.Reading
		if r.Route == nil || r.Route.Result.Verdict != want[m.RoutingKey] {
			t.Fatalf("%s: route %+v, want %s", m.RoutingKey, r.Route, want[m.RoutingKey])
		}
		if r.Unroutable() != (m.RoutingKey == "order.lost") || r.Subject.Route == "" {
			t.Fatalf("%s: unroutable %v, subject %q", m.RoutingKey, r.Unroutable(), r.Subject.Route)
		}
	}
	if m := b.Messages[300]; m.Reading.Route != nil || m.Reading.Unroutable() {
		t.Errorf("a delivery report was routed: %+v", m.Reading.Route)
	}
}
