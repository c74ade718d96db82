package tap_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func openTap(t *testing.T, cfg tap.Config) *tap.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	t.Cleanup(func() {
		_ = s.Close(context.Background())
		taptest.WaitClean(t, taptest.Endpoint(t), s.Names().Base, 10*time.Second)
	})
	return s
}

// drain reads batches for d, as a reader that keeps up does, and returns
// them. The stream is unbuffered: only a waiting reader receives.
func drain(s *tap.Session, d time.Duration) []tap.Batch {
	var got []tap.Batch
	deadline := time.After(d)
	for {
		select {
		case b, ok := <-s.Batches():
			if !ok {
				return got
			}
			got = append(got, b)
		case <-deadline:
			return got
		}
	}
}

// collect reads batches until n messages arrived or the timeout passed.
func collect(t *testing.T, s *tap.Session, n int, timeout time.Duration) []tap.Message {
	t.Helper()
	var got []tap.Message
	deadline := time.After(timeout)
	for len(got) < n {
		select {
		case b, ok := <-s.Batches():
			if !ok {
				t.Fatalf("stream closed after %d of %d messages", len(got), n)
			}
			got = append(got, b.Messages...)
		case <-deadline:
			st := s.Status()
			t.Fatalf("got %d of %d messages within %s; the session is %s: %s", len(got), n, timeout, st.State, st.Detail)
		}
	}
	return got
}

func TestTapDeliversExactlyTheMatchingMessagesInOrder(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	prod := taptest.Queue(t, ep, x, "#") // a production consumer's queue
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "order.#"}}, Reconnect: true, Host: "it-match"})

	ch := taptest.Channel(t, ep)
	keys := []string{"order.created", "user.created", "order.paid", "orders.x", "order.item.added", "audit", "order"}
	var want []string
	ts := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for i, k := range keys {
		body := fmt.Sprintf(`{"n":%d,"key":%q}`, i, k)
		taptest.Publish(t, ch, x, k, amqp.Publishing{
			ContentType: "application/json", ContentEncoding: "utf-8", DeliveryMode: 2, Priority: 3,
			CorrelationId: fmt.Sprint("c", i), ReplyTo: "rq", MessageId: fmt.Sprint("m", i), Timestamp: ts,
			Type: "t", AppId: "app", Expiration: "60000",
			Headers: amqp.Table{"i": int32(i), "s": "v", "nested": amqp.Table{"a": true}, "list": []any{"x", int64(2)}},
			Body:    []byte(body),
		})
		if strings.HasPrefix(k, "order.") || k == "order" {
			want = append(want, body)
		}
	}
	got := collect(t, s, len(want), 5*time.Second)
	// Nothing else may follow.
	select {
	case b := <-s.Batches():
		for _, m := range b.Messages {
			t.Errorf("unexpected extra message %s", taptest.Describe(m))
		}
	case <-time.After(300 * time.Millisecond):
	}
	for i, m := range got {
		if string(m.Body) != want[i] {
			t.Fatalf("message %d: body %s, want %s", i, m.Body, want[i])
		}
		if m.Exchange != x || m.Source != x+" (order.#)" {
			t.Errorf("message %d: exchange %q source %q", i, m.Exchange, m.Source)
		}
		if m.Seq != uint64(i+1) || m.Time.IsZero() || m.Size() != len(want[i]) {
			t.Errorf("message %d: seq %d time %v size %d", i, m.Seq, m.Time, m.Size())
		}
		p := m.Properties
		if p.ContentType != "application/json" || p.ContentEncoding != "utf-8" || p.DeliveryMode != 2 || p.Priority != 3 ||
			p.ReplyTo != "rq" || p.Type != "t" || p.AppID != "app" || p.Expiration != "60000" || !p.Timestamp.Equal(ts) ||
			!strings.HasPrefix(p.CorrelationID, "c") || !strings.HasPrefix(p.MessageID, "m") {
			t.Errorf("message %d: properties %+v", i, p)
		}
		if m.Headers["s"] != "v" || m.Headers["nested"].(map[string]any)["a"] != true {
			t.Errorf("message %d: headers %#v", i, m.Headers)
		}
		if _, ok := m.Headers["i"].(int32); !ok {
			t.Errorf("message %d: header i is %T, want int32 as published", i, m.Headers["i"])
		}
	}
	if got[0].RoutingKey != "order.created" || got[len(got)-1].RoutingKey != "order" {
		t.Errorf("routing keys: first %q last %q", got[0].RoutingKey, got[len(got)-1].RoutingKey)
	}
	// Production is untouched: its queue holds every message.
	taptest.Eventually(t, 5*time.Second, "the production queue to hold every message", func() bool {
		return taptest.QueueDepth(t, ch, prod) == len(keys)
	})
	st := s.Status()
	if st.State != tap.StateRunning || st.Seen != uint64(len(want)) {
		t.Errorf("status %+v", st)
	}
}

func TestCloseRemovesEverything(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	s, err := tap.Open(context.Background(), tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-close"})
	if err != nil {
		t.Fatal(err)
	}
	base := s.Names().Base
	if left := taptest.Leftovers(t, ep, base); len(left) != 7 {
		t.Fatalf("while running the tap should hold a shovel, three queues and three exchanges; found %v", left)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	taptest.WaitClean(t, ep, base, 5*time.Second)
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestStalledReaderKeepsTheTapQueueWithinItsBound(t *testing.T) {
	ep := taptest.Endpoint(t)
	taptest.NeedStats(t, ep)
	x := taptest.Exchange(t, ep, "topic")
	const bound = 50
	s := openTap(t, tap.Config{
		Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-stall",
		Limits:   tap.Limits{MaxLength: bound, MaxBytes: 1 << 20, Expires: time.Minute},
		Prefetch: 10, MonitorEvery: 300 * time.Millisecond,
	})
	// Nobody reads s.Batches(): the pump fills its output and stops acking.
	ch := taptest.Channel(t, ep)
	for i := range 10 * bound {
		taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	// The management API's figures are sampled every few seconds: wait
	// until they count every publish, then check both queues.
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	taptest.Eventually(t, 20*time.Second, "the statistics to count every publish", func() bool {
		c, ok, err := a.QueueCounters(context.Background(), ep.Vhost, s.Names().SourceQueue(0))
		return err == nil && ok && c.Published >= 10*bound
	})
	for _, q := range []string{s.Names().TapQueue(), s.Names().SourceQueue(0)} {
		if ready := taptest.QueueReady(t, ep, q); ready > bound {
			t.Errorf("queue %s holds %d ready messages, bound is %d", q, ready, bound)
		}
	}
	// Of the 500, the tap can hold at most bound ready in each queue,
	// Prefetch unacknowledged and 4 handed-over batches of Prefetch: the
	// rest was dropped (heartbeats add a few).
	held := uint64(2*bound + 10 + 4*10)
	taptest.Eventually(t, 20*time.Second, "the dropped count to settle", func() bool {
		d := s.Status().Dropped
		return d >= 10*bound-held && d <= 10*bound+20
	})
	// The newest messages survive (drop-head): reading now shows the tail.
	got := collect(t, s, 1, 5*time.Second)
	if got[0].Seq != 1 {
		t.Errorf("first seq %d", got[0].Seq)
	}
}

// The tap's AMQP connection goes through a proxy the test cuts, as a
// network failure would.
func TestTapComesBackAfterTheConnectionDrops(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "fanout")
	proxy, via := taptest.ProxyTo(t, ep)
	s := openTap(t, tap.Config{Endpoint: via, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Reconnect: true, Host: "it-reconnect", NoDiscovery: true})
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "", amqp.Publishing{Body: []byte("before")})
	if got := collect(t, s, 1, 5*time.Second); string(got[0].Body) != "before" {
		t.Fatalf("got %q", got[0].Body)
	}

	proxy.Cut()
	sawReconnecting := false
	taptest.Eventually(t, 30*time.Second, "the tap to run again", func() bool {
		for _, b := range drain(s, 100*time.Millisecond) {
			if b.Status.State == tap.StateReconnecting {
				sawReconnecting = true
			}
		}
		return sawReconnecting && s.Status().State == tap.StateRunning
	})
	taptest.Publish(t, ch, x, "", amqp.Publishing{Body: []byte("after")})
	got := collect(t, s, 1, 10*time.Second)
	if string(got[len(got)-1].Body) != "after" {
		t.Fatalf("after reconnecting got %q", got[len(got)-1].Body)
	}
	if got[len(got)-1].Seq != 2 {
		t.Errorf("sequence numbers continue across reconnects: got %d, want 2", got[len(got)-1].Seq)
	}
}

func TestWithoutReconnectTheStreamEndsWithAReason(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	proxy, via := taptest.ProxyTo(t, ep)
	s := openTap(t, tap.Config{Endpoint: via, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Reconnect: false, Host: "it-noreconnect", NoDiscovery: true})
	proxy.Cut()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case _, ok := <-s.Batches():
			if ok {
				continue
			}
			st := s.Status()
			if st.State != tap.StateFailed || !strings.Contains(st.Detail, "connection to the broker lost") {
				t.Fatalf("status after the drop: %+v", st)
			}
			return
		case <-deadline:
			t.Fatal("the stream did not end after the connection dropped")
		}
	}
}

func TestDirectExchangeTapsEveryBoundKey(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "direct")
	taptest.Queue(t, ep, x, "red")
	taptest.Queue(t, ep, x, "blue")
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: tap.AllKeys}}, Host: "it-direct"})
	ch := taptest.Channel(t, ep)
	for _, k := range []string{"red", "green", "blue"} {
		taptest.Publish(t, ch, x, k, amqp.Publishing{Body: []byte(k)})
	}
	got := collect(t, s, 2, 5*time.Second)
	if string(got[0].Body) != "red" || string(got[1].Body) != "blue" {
		t.Fatalf("got %s, %s", got[0].Body, got[1].Body)
	}
}

// A tap that keeps up never reports dropped messages, however the sampled
// statistics wobble while messages flow.
// A tap that keeps up never reports a drop: a minute idle (only the
// heartbeats trickle through its queues, which sampled statistics see at
// slightly different moments) and then a minute of steady traffic.
func TestKeepingUpReportsNoDrops(t *testing.T) {
	testtier.Slow(t, "a two-minute soak")
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-nodrops", MonitorEvery: 300 * time.Millisecond})
	ch := taptest.Channel(t, ep)
	go func() { // a reader that keeps up, as the UI does
		for range s.Batches() {
		}
	}()
	phase := func(name string, d time.Duration, publish bool) {
		deadline := time.Now().Add(d)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for time.Now().Before(deadline) {
			<-tick.C
			if publish {
				taptest.Publish(t, ch, x, "steady", amqp.Publishing{Body: []byte("tick")})
			}
			if d := s.Status().Dropped; d != 0 {
				t.Fatalf("%s: a tap that keeps up reports %d dropped", name, d)
			}
		}
	}
	phase("idle", time.Minute, false)
	phase("steady", time.Minute, true)
	st := s.Status()
	if st.Seen == 0 {
		t.Fatal("nothing was seen")
	}
	// Without message statistics the count is unknown, never a made-up 0.
	if off := taptest.StatsOff(t, ep); st.DroppedUnknown != off {
		t.Errorf("dropped unknown = %v on a broker whose statistics are off = %v", st.DroppedUnknown, off)
	}
}

// A burst that overflows the tap's bound while a reader keeps reading: the
// queues are full for less than a statistics interval, yet once the burst
// is over the dropped count must settle on what did not arrive.
func TestBurstDropsAreCounted(t *testing.T) {
	testtier.Slow(t, "a burst past the tap's bound")
	ep := taptest.Endpoint(t)
	taptest.NeedStats(t, ep)
	x := taptest.Exchange(t, ep, "topic")
	s := openTap(t, tap.Config{
		Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-burst",
		Limits:   tap.Limits{MaxLength: 100, MaxBytes: 1 << 20, Expires: time.Minute},
		Prefetch: 50, MonitorEvery: 300 * time.Millisecond,
	})
	go func() { // a reader that keeps reading, slower than the burst
		for range s.Batches() {
			time.Sleep(20 * time.Millisecond)
		}
	}()
	ch := taptest.Channel(t, ep)
	const n = 3000
	for i := range n {
		taptest.Publish(t, ch, x, "burst", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	// The figure comes from sampled statistics and the heartbeats that
	// pass meanwhile: it may be off by the few heartbeats in flight.
	taptest.Eventually(t, 40*time.Second, "the dropped count to settle on what did not arrive", func() bool {
		st := s.Status()
		total := int64(st.Seen + st.Dropped)
		return st.Dropped > 0 && total >= n-5 && total <= n+5
	})
}

// A tapped exchange that is gone when the tap reconnects (a broker restart
// drops exchanges that are not durable) is named as gone in the status,
// not only retried (issue 22, sharp edge 9); once declared again, the tap
// comes back.
func TestReconnectSaysTheExchangeIsGone(t *testing.T) {
	for _, noShovel := range []bool{false, true} {
		t.Run(map[bool]string{false: "shovel", true: "no-shovel"}[noShovel], func(t *testing.T) {
			ep := taptest.Endpoint(t)
			x := taptest.Exchange(t, ep, "topic")
			proxy, via := taptest.ProxyTo(t, ep)
			s := openTap(t, tap.Config{Endpoint: via, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Reconnect: true, NoShovel: noShovel, Host: "it-gone", NoDiscovery: true})
			ch := taptest.Channel(t, ep)
			if err := ch.ExchangeDelete(x, false, false); err != nil {
				t.Fatal(err)
			}
			proxy.Cut()
			want := fmt.Sprintf("exchange %q no longer exists on the broker", x)
			deadline := time.After(15 * time.Second)
			for st := s.Status(); !strings.Contains(st.Detail, want); st = s.Status() {
				select {
				case <-s.Batches():
				case <-deadline:
					t.Fatalf("the status never said the exchange is gone: %s: %s", st.State, st.Detail)
				}
			}
			if err := ch.ExchangeDeclare(x, amqp.ExchangeTopic, false, false, false, false, nil); err != nil {
				t.Fatal(err)
			}
			deadline = time.After(20 * time.Second)
			for st := s.Status(); st.State != tap.StateRunning; st = s.Status() {
				select {
				case <-s.Batches():
				case <-deadline:
					t.Fatalf("the tap did not come back once the exchange was declared again: %s: %s", st.State, st.Detail)
				}
			}
		})
	}
}
