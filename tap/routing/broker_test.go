package routing_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// brokerFixture declares a topology in a throwaway vhost (deleted with
// everything in it when the test ends) and returns the endpoint and a
// channel on it.
type brokerFixture struct {
	t  *testing.T
	ep broker.Endpoint
	ch *amqp.Channel
}

func newBrokerFixture(t *testing.T) *brokerFixture {
	ep := taptest.Endpoint(t)
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Overview(context.Background()); err != nil {
		taptest.NeedBroker(t, "management API at "+ep.API, err)
	}
	ep = taptest.Vhost(t, ep)
	return &brokerFixture{t: t, ep: ep, ch: taptest.Channel(t, ep)}
}

func (f *brokerFixture) exchange(name, kind string, args amqp.Table) {
	f.t.Helper()
	if err := f.ch.ExchangeDeclare(name, kind, false, false, false, false, args); err != nil {
		f.t.Fatalf("declaring exchange %s: %v", name, err)
	}
}

func (f *brokerFixture) queue(name string, args amqp.Table) {
	f.t.Helper()
	if _, err := f.ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		f.t.Fatalf("declaring queue %s: %v", name, err)
	}
}

func (f *brokerFixture) bind(queue, key, exchange string, args amqp.Table) {
	f.t.Helper()
	if err := f.ch.QueueBind(queue, key, exchange, false, args); err != nil {
		f.t.Fatalf("binding %s to %s: %v", queue, exchange, err)
	}
}

func (f *brokerFixture) bindX(dest, key, source string, args amqp.Table) {
	f.t.Helper()
	if err := f.ch.ExchangeBind(dest, key, source, false, args); err != nil {
		f.t.Fatalf("binding exchange %s to %s: %v", dest, source, err)
	}
}

func (f *brokerFixture) load(ctx context.Context) *routing.Topology {
	f.t.Helper()
	admin, err := broker.NewAdmin(f.ep)
	if err != nil {
		f.t.Fatal(err)
	}
	top, err := routing.Load(ctx, admin, f.ep.Vhost)
	if err != nil {
		taptest.NeedBroker(f.t, "management API at "+f.ep.API, err)
	}
	return top
}

// TestRouteAgreesWithBroker publishes hundreds of messages with random
// keys and headers (mandatory, confirmed) through a topology with every
// exchange type, exchange-to-exchange bindings with a cycle, an alternate
// exchange, CC and BCC, and checks that the model's destinations are the
// queues that really got each message, and that what it calls unroutable
// came back.
func TestRouteAgreesWithBroker(t *testing.T) {
	f := newBrokerFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	f.exchange("alt", "fanout", nil)
	f.exchange("top", "topic", amqp.Table{"alternate-exchange": "alt"})
	f.exchange("dir", "direct", nil)
	f.exchange("fan", "fanout", nil)
	f.exchange("hdr", "headers", nil)
	f.exchange("inner", "topic", nil)
	f.exchange("dir-alt", "direct", amqp.Table{"alternate-exchange": "alt2"})
	f.exchange("alt2", "fanout", nil)
	f.exchange("top2", "topic", nil)
	queues := map[string]func(){
		"q-alt":        func() { f.bind("q-alt", "", "alt", nil) },
		"q-alt2":       func() { f.bind("q-alt2", "", "alt2", nil) },
		"q-star":       func() { f.bind("q-star", "a.*", "top", nil) },
		"q-hash-ab":    func() { f.bind("q-hash-ab", "a.#.b", "top", nil) },
		"q-empty-key":  func() { f.bind("q-empty-key", "", "top", nil) },
		"q-one-word":   func() { f.bind("q-one-word", "*", "top", nil) },
		"q-hash-z":     func() { f.bind("q-hash-z", "#.z", "top", nil) },
		"q-empty-word": func() { f.bind("q-empty-word", "a..b", "top", nil) },
		"q-d1":         func() { f.bind("q-d1", "k1", "dir", nil) },
		"q-d-empty":    func() { f.bind("q-d-empty", "", "dir", nil) },
		"q-fan":        func() { f.bind("q-fan", "", "fan", nil) },
		"q-inner":      func() { f.bind("q-inner", "b.#", "inner", nil) },
		"q-dir-alt":    func() { f.bind("q-dir-alt", "k2", "dir-alt", nil) },
		"q-h-all":      func() { f.bind("q-h-all", "", "hdr", amqp.Table{"x-match": "all", "region": "eu", "tier": "gold"}) },
		"q-h-any":      func() { f.bind("q-h-any", "", "hdr", amqp.Table{"x-match": "any", "region": "us", "tier": "silver"}) },
		"q-h-allx":     func() { f.bind("q-h-allx", "", "hdr", amqp.Table{"x-match": "all-with-x", "x-tenant": "t1"}) },
		"q-h-anyx": func() {
			f.bind("q-h-anyx", "", "hdr", amqp.Table{"x-match": "any-with-x", "x-tenant": "t2", "region": "eu"})
		},
		"q-h-x-ign": func() { f.bind("q-h-x-ign", "", "hdr", amqp.Table{"x-match": "all", "x-tenant": "t1", "tier": "gold"}) },
		"q-h-void":  func() { f.bind("q-h-void", "", "hdr", amqp.Table{"flag": nil}) },
		"q-h-num":   func() { f.bind("q-h-num", "", "hdr", amqp.Table{"x-match": "any", "n": int32(5)}) },
		// Nothing left to compare: all matches every message, any none.
		"q-h-none-all": func() { f.bind("q-h-none-all", "", "hdr", amqp.Table{"x-match": "all", "x-tenant": "t1"}) },
		"q-h-none-any": func() { f.bind("q-h-none-any", "", "hdr", amqp.Table{"x-match": "any", "x-tenant": "t1"}) },
		// A second topic exchange, without alternate or tap, for wildcards.
		"q-t2-star-star": func() { f.bind("q-t2-star-star", "*.*", "top2", nil) },
		"q-t2-hash-hash": func() { f.bind("q-t2-hash-hash", "#.#", "top2", nil) },
		"q-t2-star-hash": func() { f.bind("q-t2-star-hash", "*.#", "top2", nil) },
		"q-t2-hash-star": func() { f.bind("q-t2-hash-star", "#.*", "top2", nil) },
		"q-t2-mixed":     func() { f.bind("q-t2-mixed", "a.*.#.b", "top2", nil) },
		"q-t2-empty":     func() { f.bind("q-t2-empty", "", "top2", nil) },
		"q-t2-dot":       func() { f.bind("q-t2-dot", ".", "top2", nil) },
		"q-t2-star":      func() { f.bind("q-t2-star", "*", "top2", nil) },
		"q-t2-hash-a":    func() { f.bind("q-t2-hash-a", "#.a.#", "top2", nil) },
	}
	names := make([]string, 0, len(queues))
	for q, bind := range queues {
		f.queue(q, nil)
		bind()
		names = append(names, q)
	}
	sort.Strings(names)
	// Exchange-to-exchange: top → dir ("chain.#"), dir → fan ("k2"),
	// fan → top (a cycle), top → hdr ("h.#"), dir → inner ("k1"), an
	// internal-less chain into an exchange with its own alternate.
	f.bindX("dir", "chain.#", "top", nil)
	f.bindX("fan", "k2", "dir", nil)
	f.bindX("top", "", "fan", nil)
	f.bindX("hdr", "h.#", "top", nil)
	f.bindX("inner", "k1", "dir", nil)
	f.bindX("dir-alt", "chain.x", "top", nil)
	f.bindX("inner", "deep", "dir-alt", nil)
	// A tap's source queue, as shoveltap binds it: never production.
	own := broker.Prefix + "routing-test-src-0"
	f.queue(own, nil)
	f.bind(own, "#", "top", nil)

	top := f.load(ctx)
	// The model of only what these exchanges reach must route alike.
	admin, err := broker.NewAdmin(f.ep)
	if err != nil {
		t.Fatal(err)
	}
	scoped, err := routing.LoadFrom(ctx, admin, f.ep.Vhost, []string{"top", "top2", "dir", "fan", "hdr", "dir-alt", ""}, 0)
	if err != nil {
		t.Fatal(err)
	}

	if err := f.ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	confirms := f.ch.NotifyPublish(make(chan amqp.Confirmation, 1000))
	returns := f.ch.NotifyReturn(make(chan amqp.Return, 1000))

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	words := []string{"a", "b", "z", "k1", "k2", "chain", "h", "x", ""}
	randKey := func() string {
		n := rng.Intn(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = words[rng.Intn(len(words))]
		}
		return strings.Join(parts, ".")
	}
	exchanges := []string{"top", "top", "top2", "top2", "dir", "fan", "hdr", "dir-alt", ""}
	const n = 400
	sent := make(map[string]routing.Message, n)
	// Fixed cases first: CC keys are routed by every exchange down a
	// chain, not only the first (top → dir by "chain.#", then dir → q-d1
	// by the CC key "k1"); BCC likewise; the default exchange by CC.
	fixed := []routing.Message{
		{Exchange: "top", RoutingKey: "chain.x", Headers: map[string]any{"CC": []any{"k1"}}},
		{Exchange: "top", RoutingKey: "chain.x", Headers: map[string]any{"BCC": []any{"k1"}}},
		{Exchange: "", RoutingKey: "q-fan", Headers: map[string]any{"CC": []any{"q-d1"}}},
		{Exchange: "top", RoutingKey: "", Headers: nil},
		{Exchange: "top", RoutingKey: "a..b"},
		{Exchange: "top", RoutingKey: "a.b"},
		// dir-alt matches only its binding to inner, where nothing
		// matches: dir-alt did match, so its alternate is not used.
		{Exchange: "dir-alt", RoutingKey: "deep"},
	}
	for i := 0; i < n; i++ {
		m := routing.Message{Exchange: exchanges[rng.Intn(len(exchanges))], RoutingKey: randKey()}
		if i < len(fixed) {
			id := fmt.Sprintf("m%d", i)
			m = fixed[i]
			sent[id] = m
			if err := f.ch.PublishWithContext(ctx, m.Exchange, m.RoutingKey, true, false, amqp.Publishing{MessageId: id, Headers: amqp.Table(m.Headers), Body: []byte(id)}); err != nil {
				t.Fatalf("publishing %s: %v", id, err)
			}
			continue
		}
		if m.Exchange == "" && rng.Intn(2) == 0 {
			m.RoutingKey = names[rng.Intn(len(names))]
		}
		if rng.Intn(5) == 0 {
			m.RoutingKey = []string{"k1", "k2", "chain.x", "chain.k1", "h.z", "a..b", "."}[rng.Intn(7)]
		}
		h := amqp.Table{}
		pick := func(k string, vs ...any) {
			if rng.Intn(2) == 0 {
				h[k] = vs[rng.Intn(len(vs))]
			}
		}
		pick("region", "eu", "us")
		pick("tier", "gold", "silver")
		pick("x-tenant", "t1", "t2")
		pick("flag", true, "anything")
		pick("n", int32(5), int64(5), int32(6), "5", 5.0, 5.5)
		if rng.Intn(6) == 0 {
			h["CC"] = []any{randKey()}
		}
		if rng.Intn(8) == 0 {
			h["BCC"] = []any{names[rng.Intn(len(names))], randKey()}
		}
		id := fmt.Sprintf("m%d", i)
		m.Headers = map[string]any(h)
		sent[id] = m
		err := f.ch.PublishWithContext(ctx, m.Exchange, m.RoutingKey, true, false, amqp.Publishing{MessageId: id, Headers: h, Body: []byte(id)})
		if err != nil {
			t.Fatalf("publishing %s: %v", id, err)
		}
	}
	for i := 0; i < n; i++ {
		select {
		case c := <-confirms:
			if !c.Ack {
				t.Fatalf("publish %d nacked", c.DeliveryTag)
			}
		case <-ctx.Done():
			t.Fatal("waiting for confirms: timed out")
		}
	}
	// A returned message is confirmed after its return, so all are in.
	returned := map[string]bool{}
	for len(returns) > 0 {
		r := <-returns
		returned[r.MessageId] = true
	}

	got := map[string][]string{}
	for _, q := range append(names, own) {
		for {
			d, ok, err := f.ch.Get(q, true)
			if err != nil {
				t.Fatalf("reading %s: %v", q, err)
			}
			if !ok {
				break
			}
			if q != own {
				got[d.MessageId] = append(got[d.MessageId], q)
			}
		}
	}
	bad := 0
	unroutable := 0
	for id, m := range sent {
		r := top.Route(m)
		want := r.QueueNames()
		have := got[id]
		sort.Strings(have)
		if r.Verdict == routing.Unroutable {
			unroutable++
		}
		// Mandatory returns count the tap's own queue as a route, so a
		// message only the tap got is unroutable for production but not
		// returned: compare with what production queues got.
		if !slices.Equal(want, have) || (r.Verdict == routing.Unroutable) != (len(have) == 0) {
			bad++
			if bad <= 10 {
				t.Errorf("%s: %s/%q headers %v: model %s %v, broker put it in %v (returned %v)", id, m.Exchange, m.RoutingKey, m.Headers, r.Verdict, want, have, returned[id])
			}
		}
		if rs := scoped.Route(m); !slices.Equal(rs.QueueNames(), want) || rs.Verdict != r.Verdict || rs.UsedAlternate != r.UsedAlternate {
			t.Errorf("%s: the scoped model says %s %v, the full one %s %v", id, rs.Verdict, rs.QueueNames(), r.Verdict, want)
		}
		if returned[id] && len(have) > 0 {
			t.Errorf("%s was returned as unroutable but reached %v", id, have)
		}
	}
	if !slices.Contains(got["m0"], "q-d1") || !slices.Contains(got["m1"], "q-d1") {
		t.Errorf("a CC or BCC key did not route down the chain: %v, %v", got["m0"], got["m1"])
	}
	// dir-alt, reached from top by "chain.x", matches nothing and uses
	// its own alternate.
	if !slices.Contains(got["m0"], "q-alt2") {
		t.Errorf("the alternate of an exchange down the chain was not used: %v", got["m0"])
	}
	if r := top.Route(sent["m6"]); r.Verdict != routing.Unroutable || r.UsedAlternate || len(got["m6"]) > 0 {
		t.Errorf("dir-alt/deep: model %s alternate=%v, broker %v; want unroutable, no alternate", r.Verdict, r.UsedAlternate, got["m6"])
	}
	t.Logf("%d messages, %d unroutable, %d returned; %d disagreements", n, unroutable, len(returned), bad)
	if unroutable == 0 || unroutable == n {
		t.Errorf("the random messages should include routed and unroutable ones: %d of %d unroutable", unroutable, n)
	}
}

// TestDeadLettersOnBroker dead-letters messages by reject, TTL expiry and
// max-length overflow, checks that the model predicted the queue they
// landed in, and decodes their x-death headers.
func TestDeadLettersOnBroker(t *testing.T) {
	f := newBrokerFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f.exchange("dlx", "direct", nil)
	f.queue("dead-by-key", nil)
	f.bind("dead-by-key", "dead", "dlx", nil)
	f.queue("dead-by-own-key", nil)
	f.bind("dead-by-own-key", "work-ttl", "dlx", nil)
	f.queue("work-reject", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"})
	f.queue("work-ttl", amqp.Table{"x-dead-letter-exchange": "dlx", "x-message-ttl": int32(1)})
	f.queue("work-max", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead", "x-max-length": int32(1)})
	f.queue("work-nowhere", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "nobody"})
	// A quorum queue dead-letters a message redelivered past its limit.
	if _, err := f.ch.QueueDeclare("work-quorum", true, false, false, false, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(1), "x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"}); err != nil {
		t.Fatalf("declaring a quorum queue: %v", err)
	}

	top := f.load(ctx)
	cases := []struct {
		queue, lands, reason string
	}{
		{"work-reject", "dead-by-key", decode.ReasonRejected},
		{"work-ttl", "dead-by-own-key", decode.ReasonExpired},
		{"work-max", "dead-by-key", decode.ReasonMaxLen},
		{"work-quorum", "dead-by-key", decode.ReasonDeliveryLimit},
	}
	for _, c := range cases {
		m := routing.Message{Exchange: "", RoutingKey: c.queue}
		d, r := top.DeadLetters(c.queue, m)
		if d == nil || !slices.Equal(r.QueueNames(), []string{c.lands}) {
			t.Errorf("%s: model says dead letters go to %+v %v, want %s", c.queue, d, r, c.lands)
		}
	}
	if _, r := top.DeadLetters("work-nowhere", routing.Message{RoutingKey: "work-nowhere"}); r == nil || r.Verdict != routing.Unroutable {
		t.Errorf("work-nowhere's dead letters are lost: model says %+v", r)
	}

	pub := func(q, body string) {
		if err := f.ch.PublishWithContext(ctx, "", q, false, false, amqp.Publishing{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	pub("work-reject", "r")
	pub("work-ttl", "t")
	pub("work-max", "m1")
	pub("work-max", "m2") // pushes m1 out
	var d amqp.Delivery
	var ok bool
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if d, ok, err = f.ch.Get("work-reject", false); err != nil || ok {
			break
		}
	}
	if err != nil || !ok {
		t.Fatalf("reading work-reject: %v %v", ok, err)
	}
	if err := d.Reject(false); err != nil {
		t.Fatal(err)
	}
	pub("work-quorum", "q")
	for tries := 0; tries < 2; tries++ {
		var d amqp.Delivery
		var ok bool
		for deadline := time.Now().Add(5 * time.Second); !ok && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if d, ok, err = f.ch.Get("work-quorum", false); err != nil {
				t.Fatal(err)
			}
		}
		if !ok {
			t.Fatalf("delivery %d of work-quorum: nothing there", tries+1)
		}
		if err := d.Reject(true); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{"dead-by-key": {decode.ReasonRejected, decode.ReasonMaxLen, decode.ReasonDeliveryLimit}, "dead-by-own-key": {decode.ReasonExpired}}
	for q, reasons := range want {
		var got []string
		for deadline := time.Now().Add(5 * time.Second); len(got) < len(reasons) && time.Now().Before(deadline); {
			d, ok, err := f.ch.Get(q, true)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			dl, ok := decode.DeadLettered(d.Headers)
			if !ok || len(dl.Deaths) != 1 || len(dl.Problems) > 0 {
				t.Errorf("%s: %q decoded as %+v", q, d.Body, dl)
				continue
			}
			x := dl.Deaths[0]
			if x.Count != 1 || x.Exchange != "" || x.Time.IsZero() || dl.First == nil || dl.First.Reason != x.Reason {
				t.Errorf("%s: death %+v first %+v", q, x, dl.First)
			}
			got = append(got, x.Reason)
		}
		sort.Strings(got)
		sort.Strings(reasons)
		if !slices.Equal(got, reasons) {
			t.Errorf("%s got dead letters for %v, want %v", q, got, reasons)
		}
	}
}

// TestLoadCost measures loading the model of a vhost with 5,000 bindings
// (1,000 queues, five bindings each, one topic exchange).
func TestLoadCost(t *testing.T) {
	f := newBrokerFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f.exchange("big", "topic", nil)
	for i := 0; i < 1000; i++ {
		q := fmt.Sprintf("q%04d", i)
		f.queue(q, nil)
		for j := 0; j < 5; j++ {
			f.bind(q, fmt.Sprintf("svc%d.*.event%d.#", i%50, j), "big", nil)
		}
	}
	// A small exchange beside the big one, as a tap of it would load.
	f.exchange("small", "direct", nil)
	f.bind("q0001", "k", "small", nil)
	f.load(ctx) // warm the API's connection
	const runs = 5
	start := time.Now()
	var top *routing.Topology
	for i := 0; i < runs; i++ {
		top = f.load(ctx)
	}
	per := time.Since(start) / runs
	x, q, b := top.Counts()
	if q != 1000 || b != 5001 {
		t.Fatalf("model has %d exchanges, %d queues, %d bindings; want 1000 queues, 5001 bindings", x, q, b)
	}
	m := routing.Message{Exchange: "big", RoutingKey: "svc7.eu.event3.x"}
	const evals = 20000
	t0 := time.Now()
	for i := 0; i < evals; i++ {
		if r := top.Route(m); len(r.Queues) != 20 {
			t.Fatalf("routed to %d queues, want 20", len(r.Queues))
		}
	}
	perRoute := time.Since(t0) / evals

	admin, err := broker.NewAdmin(f.ep)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	var small *routing.Topology
	for i := 0; i < runs; i++ {
		if small, err = routing.LoadFrom(ctx, admin, f.ep.Vhost, []string{"small"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	perSmall := time.Since(start) / runs
	if _, _, sb := small.Counts(); sb != 1 {
		t.Errorf("the scoped model of exchange small has %d bindings, want 1", sb)
	}
	if r := small.Route(routing.Message{Exchange: "small", RoutingKey: "k"}); !slices.Equal(r.QueueNames(), []string{"q0001"}) {
		t.Errorf("scoped: %v", r.QueueNames())
	}
	// A message from an exchange whose bindings were not read is unknown.
	if r := small.Route(routing.Message{Exchange: "big", RoutingKey: "svc7.eu.event3.x"}); r.Verdict != routing.Unknown || small.InScope("big") {
		t.Errorf("out of scope: %s %v", r.Verdict, r.QueueNames())
	}
	t.Logf("loading %d exchanges, %d queues, %d bindings: %v per load; only what exchange small reaches: %v; routing one message over 5,000 topic bindings: %v",
		x, q, b, per.Round(time.Millisecond), perSmall.Round(time.Millisecond), perRoute.Round(10*time.Nanosecond))
}

// TestLoadAsManagementUser loads the model as a user with only the
// management tag and read permission: on 3.10 such a user may list the
// policies, so the alternate exchange and the dead-letter exchange set by
// policy are both known. (A refused policy listing, handled by FromBroker,
// is covered by TestFromBroker.)
func TestLoadAsManagementUser(t *testing.T) {
	f := newBrokerFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f.exchange("pol-x", "direct", nil)
	f.exchange("pol-ae", "fanout", nil)
	f.queue("pol-q", nil)
	f.queue("pol-ae-q", nil)
	f.bind("pol-ae-q", "", "pol-ae", nil)
	rh := taptest.Admin(t, f.ep)
	if _, err := rh.PutPolicy(f.ep.Vhost, "routing-test-dl", rabbithole.Policy{Pattern: "^pol-q$", ApplyTo: "queues", Definition: rabbithole.PolicyDefinition{"dead-letter-exchange": "pol-x", "dead-letter-routing-key": "dead"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rh.PutPolicy(f.ep.Vhost, "routing-test-ae", rabbithole.Policy{Pattern: "^pol-x$", ApplyTo: "exchanges", Definition: rabbithole.PolicyDefinition{"alternate-exchange": "pol-ae"}}); err != nil {
		t.Fatal(err)
	}
	// Policies apply asynchronously: wait until the API shows them.
	admin, err := broker.NewAdmin(f.ep)
	if err != nil {
		t.Fatal(err)
	}
	var full *routing.Topology
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if full, err = routing.Load(ctx, admin, f.ep.Vhost); err != nil {
			t.Fatal(err)
		}
		q, _ := full.Queue("pol-q")
		x, _ := full.Exchange("pol-x")
		if q.DeadLetter != nil && x.Alternate != "" {
			break
		}
	}
	if x, _ := full.Exchange("pol-x"); x.Alternate != "pol-ae" || x.AlternateFrom != "policy routing-test-ae" {
		t.Fatalf("alternate by policy as an administrator: %+v", x)
	}
	if r := full.Route(routing.Message{Exchange: "pol-x", RoutingKey: "nothing"}); !r.Reached("pol-ae-q") || !r.UsedAlternate {
		t.Errorf("as an administrator: %+v", r)
	}

	user := taptest.User(t, f.ep, taptest.Grant{Tags: []string{"management"}, Configure: "", Write: "", Read: ".*"})
	uadmin, err := broker.NewAdmin(user)
	if err != nil {
		t.Fatal(err)
	}
	top, err := routing.Load(ctx, uadmin, user.Vhost)
	if err != nil {
		t.Fatalf("loading as a management user: %v", err)
	}
	if len(top.Notes()) != 0 {
		t.Errorf("notes %v: want none", top.Notes())
	}
	q, _ := top.Queue("pol-q")
	if q.DeadLetter == nil || q.DeadLetter.Exchange != "pol-x" || q.DeadLetter.RoutingKey != "dead" || q.DeadLetter.From != "policy routing-test-dl" {
		t.Errorf("dead letter by policy: %+v", q.DeadLetter)
	}
	if r := top.Route(routing.Message{Exchange: "pol-x", RoutingKey: "nothing"}); !r.Reached("pol-ae-q") || !r.UsedAlternate {
		t.Errorf("as a management user: %s %v", r.Verdict, r.QueueNames())
	}
}

// TestBindingsListedEitherWay reads a vhost's bindings one exchange at a
// time (up to broker.BindingsPerExchangeLimit exchanges) and then, with
// more exchanges than that, in the vhost's one listing: both must give the
// same bindings, those the management API lists (but the default
// exchange's), arguments and exchange-to-exchange bindings included.
func TestBindingsListedEitherWay(t *testing.T) {
	f := newBrokerFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f.exchange("ew-direct", "direct", nil)
	f.exchange("ew-headers", "headers", nil)
	f.exchange("ew-topic", "topic", amqp.Table{"alternate-exchange": "ew-fan"})
	f.exchange("ew-fan", "fanout", nil)
	f.queue("ew-q1", nil)
	f.queue("ew-q2", amqp.Table{"x-dead-letter-exchange": "ew-direct"})
	f.bind("ew-q1", "k1", "ew-direct", nil)
	f.bind("ew-q2", "k1", "ew-direct", nil)
	f.bind("ew-q1", "k2", "ew-direct", nil)
	f.bind("ew-q1", "", "ew-headers", amqp.Table{"x-match": "any", "n": int32(5), "f": 5.0, "s": "v"})
	f.bind("ew-q1", "", "ew-headers", amqp.Table{"x-match": "all", "n": int32(5)})
	f.bind("ew-q2", "a.*.#", "ew-topic", nil)
	f.bindX("ew-fan", "r", "ew-topic", nil)
	f.bind("ew-q2", "", "ew-fan", nil)

	admin, err := broker.NewAdmin(f.ep)
	if err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, f.ep)
	listed, err := rh.ListBindingsIn(f.ep.Vhost)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, b := range listed {
		if b.Source != "" {
			want = append(want, b.Source+" → "+b.DestinationType+" "+b.Destination+" "+b.RoutingKey)
		}
	}
	sort.Strings(want)
	read := func(how string) []broker.RoutingBinding {
		t.Helper()
		raw, err := admin.RoutingTopology(ctx, f.ep.Vhost)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range raw.Bindings {
			got = append(got, b.Source+" → "+b.DestinationType+" "+b.Destination+" "+b.RoutingKey)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: bindings\n%s\nwant (the vhost's listing)\n%s", how, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		return raw.Bindings
	}
	perExchange := read("one exchange at a time")
	for i := 0; i <= broker.BindingsPerExchangeLimit; i++ {
		f.exchange(fmt.Sprintf("ew-empty-%02d", i), "fanout", nil)
	}
	oneListing := read("one listing")
	if !reflect.DeepEqual(perExchange, oneListing) {
		t.Errorf("one exchange at a time:\n%+v\none listing:\n%+v", perExchange, oneListing)
	}
	for _, b := range perExchange {
		if b.Source == "ew-headers" && b.Arguments["x-match"] == "any" {
			if n, ok := b.Arguments["n"].(int64); !ok || n != 5 {
				t.Errorf("headers argument n = %#v, want int64 5", b.Arguments["n"])
			}
			if f, ok := b.Arguments["f"].(float64); !ok || f != 5 {
				t.Errorf("headers argument f = %#v, want float64 5", b.Arguments["f"])
			}
		}
	}
}
