package tap_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// A queue with one binding of every exchange type: the tap shows exactly
// what is routed to the queue, and the queue still gets every message.
func TestQueueTapShowsExactlyWhatIsRoutedToTheQueue(t *testing.T) {
	for _, noShovel := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-shovel=%v", noShovel), func(t *testing.T) {
			ep := taptest.Endpoint(t)
			direct := taptest.Exchange(t, ep, "direct")
			topic := taptest.Exchange(t, ep, "topic")
			fanout := taptest.Exchange(t, ep, "fanout")
			headers := taptest.Exchange(t, ep, "headers")
			q := taptest.Queue(t, ep, direct, "k1")
			ch := taptest.Channel(t, ep)
			for _, b := range []struct {
				x, key string
				args   amqp.Table
			}{
				{direct, "k2", nil},
				{topic, "a.*", nil},
				{fanout, "", nil},
				{headers, "", amqp.Table{"x-match": "all", "kind": "x", "tier": "gold"}},
			} {
				if err := ch.QueueBind(q, b.key, b.x, false, b.args); err != nil {
					t.Fatal(err)
				}
			}
			s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: q}}, NoShovel: noShovel, Host: "it-queue"})

			send := func(x, key, body string, h amqp.Table) {
				taptest.Publish(t, ch, x, key, amqp.Publishing{Body: []byte(body), Headers: h})
			}
			send(direct, "k1", "d1", nil)
			send(direct, "k3", "-d3", nil)
			send(direct, "k2", "d2", nil)
			send(topic, "a.b", "t1", nil)
			send(topic, "a.b.c", "-t2", nil)
			send(fanout, "anything", "f1", nil)
			send(headers, "", "h1", amqp.Table{"kind": "x", "tier": "gold"})
			send(headers, "", "-h2", amqp.Table{"kind": "x", "tier": "silver"})
			want := []string{"d1", "d2", "t1", "f1", "h1"}

			got := collect(t, s, len(want), 10*time.Second)
			var bodies []string
			for _, m := range got {
				bodies = append(bodies, string(m.Body))
				if !strings.HasPrefix(m.Source, "queue "+q+" via ") || !strings.HasSuffix(m.Source, m.Exchange) {
					t.Errorf("message %q: source %q exchange %q", m.Body, m.Source, m.Exchange)
				}
			}
			select {
			case b := <-s.Batches():
				for _, m := range b.Messages {
					t.Errorf("unexpected message %s", taptest.Describe(m))
				}
			case <-time.After(500 * time.Millisecond):
			}
			sort.Strings(bodies)
			sort.Strings(want)
			if strings.Join(bodies, ",") != strings.Join(want, ",") {
				t.Errorf("tapped %v, want %v", bodies, want)
			}
			taptest.Eventually(t, 5*time.Second, "the production queue to hold every routed message", func() bool {
				return taptest.QueueDepth(t, ch, q) == len(want)
			})
		})
	}
}

func TestQueueWithOnlyDefaultExchangeTrafficSaysSo(t *testing.T) {
	ep := taptest.Endpoint(t)
	ch := taptest.Channel(t, ep)
	q := taptest.Name("celery")
	if _, err := ch.QueueDeclare(q, true, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = taptest.Admin(t, ep).DeleteQueue(ep.Vhost, q) })
	wantAll(t, openErr(t, ep, "", tap.Source{Queue: q}), "has no bindings but the default exchange", "--firehose")
	wantAll(t, openErr(t, ep, "", tap.Source{Queue: "no-such-queue-xyz"}), `queue "no-such-queue-xyz" does not exist`)
}

// A user with no tags at all can still tap with --no-shovel, and is told
// so when it tries a shovel tap.
func TestNoShovelTapNeedsNoTags(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	user := userWithTags(t, ep)
	wantAll(t, openErr(t, user, x), "--no-shovel")

	s := openTap(t, tap.Config{Endpoint: user, Sources: []tap.Source{{Exchange: x, Key: "#"}}, NoShovel: true, Host: "it-notags"})
	if len(s.Notes) == 0 || !strings.Contains(s.Notes[0], "management API not usable") {
		t.Errorf("notes %v", s.Notes)
	}
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "a.b", amqp.Publishing{Body: []byte("hello")})
	if got := collect(t, s, 1, 5*time.Second); string(got[0].Body) != "hello" || got[0].Exchange != x {
		t.Errorf("got %s", taptest.Describe(got[0]))
	}
}

// A queue fed through the default exchange as well as through a binding:
// the tap sees only the bound part and says plainly that it misses the rest.
func TestQueueTapNoticesDefaultExchangeTraffic(t *testing.T) {
	ep := taptest.Endpoint(t)
	taptest.NeedStats(t, ep)
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "task.#")
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: q}}, Host: "it-unexplained", MonitorEvery: time.Second})
	ch := taptest.Channel(t, ep)
	if _, err := ch.QueuePurge(q, false); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // 50 msg/s straight to the queue, like Celery's default
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = ch.Publish("", q, false, false, amqp.Publishing{Body: []byte("direct")})
			}
		}
	}()
	defer func() { close(stop); <-done }()
	taptest.Eventually(t, 40*time.Second, "a note about default-exchange traffic", func() bool {
		drain(s, 100*time.Millisecond) // keep the stream flowing
		for _, n := range s.Status().Notes {
			if strings.Contains(n, "queue "+q) && strings.Contains(n, "default exchange") && strings.Contains(n, "--firehose") {
				return true
			}
		}
		return false
	})
}
