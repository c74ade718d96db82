package setup

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The whole life of a mirror through the set-up commands: plan, apply, apply
// again (no change), every message of two publishers copied in order,
// status, teardown leaving both brokers as they were.
func TestMirrorLifecycle(t *testing.T) {
	prod := taptest.Endpoint(t)
	mirror := mirrorEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	orders := taptest.Queue(t, prod, x, "order.#") // production's consumer queue
	mine := []string{x}
	prodBefore, mirrorBefore := snapshot(t, prod, mine...), snapshot(t, mirror, mine...)
	t.Cleanup(func() { // in case the test stops half-way
		s, err := New(Config{Production: Broker{URL: prod.AMQP.String(), API: prod.API}, Mirror: Broker{URL: mirror.AMQP.String(), API: mirror.API}, Exchanges: []Exchange{{Name: x}}}, func(string) string { return "" }, false)
		if err == nil {
			if plan, err := s.TeardownPlan(context.Background(), false); err == nil {
				_ = s.Apply(context.Background(), plan)
			}
		}
	})

	cfg := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x}}}
	out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdPlan, Config: cfg})
	if err != nil || !strings.Contains(out, "+ mirror") || !strings.Contains(out, "create  shovel") {
		t.Fatalf("plan (%v):\n%s", err, out)
	}
	if strings.Contains(out, "guest:guest") {
		t.Fatalf("plan printed the mirror password:\n%s", out)
	}
	if after := snapshot(t, prod, mine...); strings.Join(after, "\n") != strings.Join(prodBefore, "\n") {
		t.Fatalf("plan changed production")
	}
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: cfg})
	if err != nil || !strings.Contains(out, "Applied") {
		t.Fatalf("apply (%v):\n%s", err, out)
	}
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: cfg})
	if err != nil || !strings.Contains(out, "Nothing to change") {
		t.Fatalf("second apply should change nothing (%v):\n%s", err, out)
	}
	t.Logf("second apply:\n%s", out)

	consumer := taptest.Queue(t, mirror, x, "") // an outside consumer on the mirror
	waitShovelRunning(t, prod, x)

	// Two publishers, 300 messages each, keys mixed.
	const perPub = 300
	keys := []string{"order.created", "payment.done", "order.paid"}
	var wg sync.WaitGroup
	for _, pub := range []string{"p1", "p2"} {
		p := newPublisher(t, prod)
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.publish(t, x, pub, 0, perPub, keys)
		}()
	}
	wg.Wait()
	mch := taptest.Channel(t, mirror)
	pch := taptest.Channel(t, prod)
	taptest.Eventually(t, 30*time.Second, "every message on the mirror", func() bool { return taptest.QueueDepth(t, mch, consumer) >= 2*perPub })

	wantOrders := 0
	for i := range perPub {
		if strings.HasPrefix(keys[i%len(keys)], "order.") {
			wantOrders += 2
		}
	}
	if got := taptest.QueueDepth(t, pch, orders); got != wantOrders {
		t.Errorf("production's consumer queue holds %d messages, want exactly %d", got, wantOrders)
	}
	next := map[string]int{}
	for _, b := range drain(t, mirror, consumer, 2*perPub) {
		pub, seq, _ := strings.Cut(b, "/")
		n, _ := strconv.Atoi(seq)
		if n != next[pub] {
			t.Fatalf("mirror got %s, want %s/%d: lost, duplicated or out of order", b, pub, next[pub])
		}
		next[pub]++
	}

	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdStatus, Config: cfg})
	if err != nil || !strings.Contains(out, "running") || strings.Contains(out, "missing") || strings.Contains(out, "guest:guest") {
		t.Fatalf("status (%v):\n%s", err, out)
	}
	t.Logf("status:\n%s", out)
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdStatus, Config: cfg, JSON: true})
	if err != nil || !strings.Contains(out, `"state": "running"`) || strings.Contains(out, "guest:guest") {
		t.Fatalf("status --json (%v):\n%s", err, out)
	}

	// Teardown: both brokers exactly as before (the test's own consumer
	// queue on the mirror goes first, as its owner would remove it).
	_, _ = taptest.Admin(t, mirror).DeleteQueue(mirror.Vhost, consumer)
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdTeardown, Config: cfg})
	if err != nil || !strings.Contains(out, "Removed") {
		t.Fatalf("teardown (%v):\n%s", err, out)
	}
	sameLines(t, "production", prodBefore, snapshot(t, prod, mine...))
	sameLines(t, "mirror", mirrorBefore, snapshot(t, mirror, mine...))
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdTeardown, Config: cfg})
	if err != nil || !strings.Contains(out, "Nothing to remove") {
		t.Fatalf("second teardown (%v):\n%s", err, out)
	}
}

// The mirror node goes away twice while production keeps publishing. Within
// the bound nothing is lost (on-confirm); beyond it, drop-head keeps
// exactly the newest max-length messages and production never notices.
func TestMirrorOutage(t *testing.T) {
	testtier.Slow(t, "the mirror node goes away twice")
	prod := taptest.Endpoint(t)
	taptest.NeedStats(t, prod)
	mirror := mirrorEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	orders := taptest.Queue(t, prod, x, "#")
	const bound = 50
	s := testSetup(t, prod, mirror, Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x, Limits: Limits{MaxLength: bound, Overflow: OverflowDropHead}}}})
	mustApply(t, s)
	consumer := durableQueue(t, mirror, x)
	waitShovelRunning(t, prod, x)
	t.Cleanup(func() { startMirror(t) }) // never leave the node stopped

	p := newPublisher(t, prod)
	keys := []string{"a.b", "c.d"}
	mq := MirrorQueue(x)
	var want []string
	published := 0
	sent := func(n int) {
		p.publish(t, x, "p", published, published+n, keys)
		published += n
	}
	// outage stops the mirror once everything so far is across, publishes
	// n, checks what the mirror queue holds and brings the mirror back.
	outage := func(n, wantHeld int) {
		taptest.Eventually(t, 30*time.Second, "everything so far on the mirror", func() bool {
			return taptest.QueueDepth(t, taptest.Channel(t, mirror), consumer) == len(want) && queueMessages(t, s, mq) == 0
		})
		// Acknowledged too: what the shovel holds unacknowledged when the
		// mirror goes would come again (on-confirm), twice on the mirror.
		taptest.Eventually(t, 30*time.Second, "the shovel to acknowledge everything so far", func() bool {
			return queueAcks(t, prod, mq) >= len(want)
		})
		mirrorCtl(t, "stop_app")
		taptest.Eventually(t, 30*time.Second, "the shovel to notice the outage", func() bool { return shovelState(t, s, x) != "running" })
		sent(n)
		if got := queueMessages(t, s, mq); got != wantHeld {
			t.Errorf("during the outage the mirror queue holds %d messages, want %d", got, wantHeld)
		}
		startMirror(t)
	}

	sent(100)
	want = seqRange("p", 0, 100)

	outage(30, 30) // within the bound: nothing lost
	want = append(want, seqRange("p", 100, 130)...)
	outage(120, bound) // beyond: drop-head keeps the newest 50
	want = append(want, seqRange("p", 250-bound, 250)...)

	ch := taptest.Channel(t, mirror)
	taptest.Eventually(t, 60*time.Second, "the mirror to catch up", func() bool { return taptest.QueueDepth(t, ch, consumer) >= len(want) })
	got := drain(t, mirror, consumer, len(want))
	// on-confirm may redeliver what was in flight when the mirror went
	// away; here nothing was, so the copy is exact.
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("mirror received %d messages:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
	if n := taptest.QueueDepth(t, taptest.Channel(t, prod), orders); n != published {
		t.Errorf("production's consumer queue holds %d, want all %d: the outage reached production", n, published)
	}
}

func seqRange(pub string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s/%d", pub, i))
	}
	return out
}

func startMirror(t *testing.T) {
	t.Helper()
	mirrorCtl(t, "start_app")
	mirrorCtl(t, "await_startup")
}

func queueMessages(t *testing.T, s *Setup, name string) int {
	t.Helper()
	// Over AMQP: exact, unlike the management API's sampled counters.
	conn, err := amqp.Dial(s.prod.ep.AMQP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return taptest.QueueDepth(t, ch, name)
}

// queueAcks is how many deliveries from a queue were acknowledged so far.
// The management API's statistics lag by up to their interval (5 s by
// default), but never overstate: polling for a count is exact.
func queueAcks(t *testing.T, ep broker.Endpoint, name string) int {
	t.Helper()
	// broker.Admin, not rabbit-hole: it cannot read the consumer details of
	// the shovel's direct connection.
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Queue(context.Background(), ep.Vhost, name)
	if err != nil {
		t.Fatalf("reading queue %q: %v", name, err)
	}
	return int(q.MessageStats.Ack)
}

func shovelState(t *testing.T, s *Setup, x string) string {
	t.Helper()
	states, err := s.prod.admin.ShovelStates(context.Background(), s.prod.ep.Vhost)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if st.Name == ShovelName(x) {
			return st.State
		}
	}
	return "absent"
}

func waitShovelRunning(t *testing.T, prod broker.Endpoint, x string) {
	t.Helper()
	b, err := newSide("production", prod)
	if err != nil {
		t.Fatal(err)
	}
	s := &Setup{prod: b}
	taptest.Eventually(t, 30*time.Second, "the shovel to run", func() bool { return shovelState(t, s, x) == "running" })
}
