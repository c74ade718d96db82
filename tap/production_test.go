package tap_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// Any failure while the tap is being set up removes everything created so
// far: each step of establish is made to fail in turn.
func TestEveryFailedStepLeavesNothing(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	steps := []string{
		"declaring the tap queue", "declaring the tap exchange", "binding the tap queue",
		"setting the prefetch", "consuming from", "declaring the heartbeat exchange",
		"declaring the dead-letter exchange", "declaring the source queue", "binding the source queue",
		"declaring the heartbeat queue", "binding the heartbeat queue", "binding to", "creating shovel",
		"starting the heartbeat", "waiting for the shovel",
	}
	for n, step := range steps {
		t.Run(step, func(t *testing.T) {
			host := fmt.Sprintf("it-fail%d", n)
			cfg := tap.WithFailAt(tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: host}, step)
			s, err := tap.Open(context.Background(), cfg)
			if err == nil {
				_ = s.Close(context.Background())
				t.Fatalf("step %q: the tap opened", step)
			}
			if !strings.Contains(err.Error(), "injected failure") {
				t.Errorf("step %q: unexpected error %v", step, err)
			}
			taptest.WaitClean(t, ep, broker.Prefix+host+"-", 5*time.Second)
		})
	}
}

// An --api that belongs to another broker than --url is refused before
// anything is created, naming both.
func TestAPIOfAnotherBrokerIsRefused(t *testing.T) {
	ep := taptest.Endpoint(t)
	bare := taptest.BareEndpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	mixed := ep
	mixed.API = bare.API
	_, err := tap.Open(context.Background(), tap.Config{Endpoint: mixed, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-mixed"})
	if err == nil {
		t.Fatal("a tap opened with the API of another broker")
	}
	for _, want := range []string{"different brokers", "--api", ep.Address(), bare.API, "nothing was created"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	taptest.WaitClean(t, ep, broker.Prefix+"it-mixed-", time.Second)
	taptest.WaitClean(t, bare, broker.Prefix+"it-mixed-", time.Second)
}

// --api with a trailing slash is the same API.
func TestAPIWithTrailingSlash(t *testing.T) {
	base := taptest.Endpoint(t)
	ep, err := broker.ResolveEndpoint(base.AMQP.String(), strings.TrimRight(base.API, "/")+"/", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	x := taptest.Exchange(t, ep, "topic")
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-slash"})
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte("through")})
	if got := collect(t, s, 1, 10*time.Second); len(got) != 1 || string(got[0].Body) != "through" {
		t.Fatalf("got %v", got)
	}
}

// When the derived API does not answer, the error says it was derived and
// how to give --api.
func TestUnreachableDerivedAPISaysHowToGiveIt(t *testing.T) {
	base := taptest.Endpoint(t)
	ep := base
	ep.API = "http://127.0.0.1:1"
	ep.APIDerived = true
	x := taptest.Exchange(t, base, "topic")
	_, err := tap.Open(context.Background(), tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-derived"})
	if err == nil {
		t.Fatal("opened without an API")
	}
	for _, want := range []string{"http://127.0.0.1:1", "derived from --url", "--api"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A node that is down at start is skipped for the next --url; an unknown
// host or a lone down node is a clear error; nothing is left behind.
func TestNodesDownOrUnknownAtStart(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	none := func(string) string { return "" }
	down := fmt.Sprintf("amqp://%s:%s@127.0.0.1:1/%s", ep.User, ep.Password, ep.Vhost)
	unknown := fmt.Sprintf("amqp://%s:%s@no-such-node.invalid:5672/%s", ep.User, ep.Password, ep.Vhost)

	cluster, err := broker.ResolveCluster([]string{down, unknown, ep.AMQP.String()}, []string{ep.API}, none)
	if err != nil {
		t.Fatal(err)
	}
	s := openTap(t, tap.Config{Endpoint: cluster, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-downfirst", NoDiscovery: true})
	if st := s.Status(); st.State != tap.StateRunning {
		t.Fatalf("status %+v", st)
	}

	for _, c := range []struct {
		url  string
		want []string
	}{
		{down, []string{"cannot reach the broker at 127.0.0.1:1", "check --url"}},
		{unknown, []string{"no-such-node.invalid", "check --url"}},
	} {
		one, err := broker.ResolveCluster([]string{c.url}, []string{ep.API}, none)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tap.Open(context.Background(), tap.Config{Endpoint: one, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-nonode"})
		if err == nil {
			t.Fatalf("%s: opened", c.url)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
		if strings.Contains(err.Error(), ep.Password) && ep.Password != "" && ep.Password != "guest" {
			t.Errorf("error shows the password: %v", err)
		}
	}
	taptest.WaitClean(t, ep, broker.Prefix+"it-nonode-", time.Second)
}

// Production queues of every type (classic, quorum, stream) are tapped by
// their bindings, on every broker version, and stay as they were.
func TestQueueTapsOfEveryType(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	ch := taptest.Channel(t, ep)
	rh := taptest.Admin(t, ep)
	var sources []tap.Source
	for _, kind := range []string{"classic", "quorum", "stream"} {
		q := taptest.Name(kind)
		if _, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": kind}); err != nil {
			t.Fatalf("declaring a %s queue: %v", kind, err)
		}
		t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, q) })
		if err := ch.QueueBind(q, kind+".#", x, false, nil); err != nil {
			t.Fatal(err)
		}
		sources = append(sources, tap.Source{Queue: q})
	}
	s := openTap(t, tap.Config{Endpoint: ep, Sources: sources, Host: "it-qtypes"})
	for _, kind := range []string{"classic", "quorum", "stream"} {
		taptest.Publish(t, ch, x, kind+".a", amqp.Publishing{Body: []byte("to " + kind)})
	}
	got := collect(t, s, 3, 15*time.Second)
	seen := map[string]bool{}
	for _, m := range got {
		seen[string(m.Body)] = true
	}
	for _, kind := range []string{"classic", "quorum", "stream"} {
		if !seen["to "+kind] {
			t.Errorf("nothing tapped of the %s queue: %v", kind, seen)
		}
	}
}

// A shovel that stops while it starts is launched once more and the tap
// works: here its source queue is lost just before the shovel is created,
// as one that expired under a slow start was (RabbitMQ 4.0 in CI: "needed
// a restart").
func TestShovelStoppedWhileStartingIsLaunchedAgain(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	s := openTap(t, tap.WithSourceLostAtStart(tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-relaunch"}))
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte("after the relaunch")})
	if got := collect(t, s, 1, 10*time.Second); len(got) != 1 || string(got[0].Body) != "after the relaunch" {
		t.Fatalf("got %v", got)
	}
}
