package tap_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestListNames lists a vhost's exchanges and queues by name only: the
// user's and the built-in ones, never the default exchange or shoveltap's
// own objects; a wrong kind, a wrong password and an ended context fail.
func TestListNames(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "#")
	ch := taptest.Channel(t, ep)
	own := broker.Prefix + "test-listnames"
	if err := ch.ExchangeDeclare(own, "fanout", false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteExchange(ep.Vhost, own) })

	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	xs, err := admin.ListNames(ctx, ep.Vhost, broker.KindExchange)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(xs, x) || !slices.Contains(xs, "amq.topic") || slices.Contains(xs, "") || slices.Contains(xs, own) {
		t.Errorf("exchanges %v: want %s and amq.topic, not the default exchange or %s", xs, x, own)
	}
	qs, err := admin.ListNames(ctx, ep.Vhost, broker.KindQueue)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(qs, []string{q}) {
		t.Errorf("queues %v, want [%s]", qs, q)
	}

	if _, err := admin.ListNames(ctx, ep.Vhost, "binding"); err == nil {
		t.Error("an unknown kind was listed")
	}
	bad := ep
	bad.Password = "wrong"
	badAdmin, err := broker.NewAdmin(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := badAdmin.ListNames(ctx, ep.Vhost, broker.KindQueue); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong password: %v", err)
	}
	ended, stop := context.WithCancel(context.Background())
	stop()
	if _, err := admin.ListNames(ended, ep.Vhost, broker.KindQueue); err == nil {
		t.Error("listed with an ended context")
	}
}
