package decode

import (
	"encoding/json"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestDeadLettered(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 1, 0, time.UTC)
	h := amqp.Table{
		"x-death": []any{
			amqp.Table{"count": int64(3), "reason": "rejected", "queue": "orders", "exchange": "shop", "routing-keys": []any{"order.paid", "cc.key"}, "time": at},
			amqp.Table{"count": int64(1), "reason": "expired", "queue": "delay", "exchange": "", "routing-keys": []any{"order.paid"}, "time": at.Add(-time.Minute), "original-expiration": "5000"},
		},
		"x-first-death-queue":    "delay",
		"x-first-death-reason":   "expired",
		"x-first-death-exchange": "",
		"x-last-death-queue":     "orders",
		"x-last-death-reason":    "rejected",
		"x-last-death-exchange":  "shop",
	}
	d, ok := DeadLettered(h)
	if !ok || len(d.Deaths) != 2 || len(d.Problems) > 0 {
		t.Fatalf("got %+v ok=%v", d, ok)
	}
	x := d.Deaths[0]
	if x.Count != 3 || x.Reason != ReasonRejected || x.Queue != "orders" || x.Exchange != "shop" || len(x.Keys) != 2 || !x.Time.Equal(at) {
		t.Errorf("first entry: %+v", x)
	}
	if d.Deaths[1].OriginalExpiration != "5000" || d.Deaths[1].Reason != ReasonExpired {
		t.Errorf("second entry: %+v", d.Deaths[1])
	}
	if d.First == nil || d.First.Queue != "delay" || d.Last == nil || d.Last.Reason != "rejected" {
		t.Errorf("first/last: %+v %+v", d.First, d.Last)
	}
	if got, want := d.Summary(), "rejected from orders (3 times), and 1 earlier dead-lettering(s)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}

	// The same after a JSON round trip (a JSON line read back).
	b, err := json.Marshal(map[string]any(h))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	d2, ok := DeadLettered(back)
	if !ok || len(d2.Deaths) != 2 || d2.Deaths[0].Count != 3 || !d2.Deaths[0].Time.Equal(at) || len(d2.Problems) > 0 {
		t.Errorf("after JSON: %+v", d2)
	}
}

func TestDeadLetteredNotOne(t *testing.T) {
	if _, ok := DeadLettered(map[string]any{"region": "eu"}); ok {
		t.Error("a message without dead-letter headers")
	}
	if _, ok := DeadLettered(nil); ok {
		t.Error("no headers")
	}
	d, ok := DeadLettered(map[string]any{"x-death": "oops"})
	if !ok || len(d.Problems) != 1 {
		t.Errorf("a malformed x-death must be reported: %+v", d)
	}
	d, _ = DeadLettered(map[string]any{"x-death": []any{map[string]any{"reason": "eaten", "count": "x"}}})
	if len(d.Problems) != 2 {
		t.Errorf("unknown reason and bad count: %+v", d.Problems)
	}
	d, ok = DeadLettered(map[string]any{"x-first-death-reason": "maxlen", "x-first-death-queue": "q"})
	if !ok || d.Summary() != "maxlen from q" {
		t.Errorf("first-death only: %+v %q", d, d.Summary())
	}
}
