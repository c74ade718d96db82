package tap_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func TestResourcesListsExchangesAndQueuesWithTheirBindings(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	q1 := taptest.Queue(t, ep, x, "order.#")
	q2 := taptest.Queue(t, ep, x, "user.#")
	// A tap on x: its binding and its objects must not show.
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: tap.AllKeys}}, Reconnect: true, Host: "it-resources"})

	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := admin.Resources(context.Background(), ep.Vhost)
	if err != nil {
		t.Fatalf("listing resources: %v", err)
	}
	find := func(kind, name string) (broker.Resource, int) {
		for i, r := range rs {
			if r.Kind == kind && r.Name == name {
				return r, i
			}
		}
		t.Fatalf("%s %q is not listed in %d resources", kind, name, len(rs))
		return broker.Resource{}, -1
	}
	rx, ix := find(broker.KindExchange, x)
	if rx.Type != "topic" || rx.Bindings != 2 {
		t.Errorf("exchange %s: got type %q with %d bindings, want topic with 2 (the tap's binding not counted)", x, rx.Type, rx.Bindings)
	}
	rq, iq := find(broker.KindQueue, q1)
	if rq.Type != "classic" || rq.Bindings != 1 || rq.Consumers != 0 {
		t.Errorf("queue %s: got %+v, want a classic queue with 1 binding (the default exchange's not counted) and no consumer", q1, rq)
	}
	find(broker.KindQueue, q2)
	_, iamq := find(broker.KindExchange, "amq.topic")
	if !(ix < iamq && iamq < iq) {
		t.Errorf("order: exchange %s at %d, amq.topic at %d, queue %s at %d; want the user's exchanges, then amq.*, then queues", x, ix, iamq, q1, iq)
	}
	for _, r := range rs {
		if r.Name == "" {
			t.Error("the default exchange is listed; tapping it needs the firehose")
		}
		if strings.HasPrefix(r.Name, broker.Prefix) {
			t.Errorf("shoveltap's own %s %q is listed", r.Kind, r.Name)
		}
	}
	if base := s.Names().Base; slices.ContainsFunc(rs, func(r broker.Resource) bool { return strings.HasPrefix(r.Name, base) }) {
		t.Errorf("the tap %s shows among the resources", base)
	}
}

func TestSortResourcesPutsAmqExchangesAfterTheUsers(t *testing.T) {
	rs := []broker.Resource{
		{Kind: broker.KindQueue, Name: "a"},
		{Kind: broker.KindExchange, Name: "amq.topic"},
		{Kind: broker.KindExchange, Name: "zeta"},
		{Kind: broker.KindExchange, Name: "alpha"},
	}
	broker.SortResources(rs)
	var got []string
	for _, r := range rs {
		got = append(got, r.Name)
	}
	if want := []string{"alpha", "zeta", "amq.topic", "a"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
