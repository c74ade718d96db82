package setup

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// mirrorEndpoint is the mirror node started by `make broker`
// (scripts/node.sh start mirror 5673 15673 …).
func mirrorEndpoint(t *testing.T) broker.Endpoint {
	t.Helper()
	taptest.SkipShort(t)
	raw := os.Getenv("SHOVELTAP_TEST_MIRROR_URL")
	if raw == "" {
		raw = "amqp://guest:guest@127.0.0.1:5673/"
	}
	ep, err := broker.ResolveEndpoint(raw, "http://127.0.0.1:15673", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", ep.Address(), 2*time.Second)
	if err != nil {
		taptest.NeedBroker(t, "mirror node at "+ep.Address()+" (make broker starts it: scripts/node.sh start mirror 5673 15673 rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management)", err)
	}
	c.Close()
	return ep
}

// testSetup builds a Setup between the two test brokers and tears it down
// when the test ends.
func testSetup(t *testing.T, prod, mirror broker.Endpoint, cfg Config) *Setup {
	t.Helper()
	cfg.Production = Broker{URL: prod.AMQP.String(), API: prod.API}
	cfg.Mirror = Broker{URL: mirror.AMQP.String(), API: mirror.API}
	s, err := New(cfg, func(string) string { return "" }, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		plan, err := s.TeardownPlan(context.Background(), false)
		if err == nil {
			err = s.Apply(context.Background(), plan)
		}
		if err != nil {
			t.Errorf("teardown at the end of the test: %v", err)
		}
	})
	return s
}

// runCmd runs a `shoveltap setup` command in-process between the two test
// brokers and returns its report and its error.
func runCmd(t *testing.T, prod, mirror broker.Endpoint, rc RunConfig) (string, error) {
	t.Helper()
	rc.Config.Production = Broker{URL: prod.AMQP.String(), API: prod.API}
	rc.Config.Mirror = Broker{URL: mirror.AMQP.String(), API: mirror.API}
	rc.Getenv = func(string) string { return "" }
	var out bytes.Buffer
	err := Run(context.Background(), rc, &out)
	return out.String(), err
}

func mustApply(t *testing.T, s *Setup) int {
	t.Helper()
	plan, err := s.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	return countChanges(plan)
}

// snapshot is a broker vhost's definitions as comparable lines, leaving out
// throwaway objects of other tests running at the same time (names starting
// with test-, shoveltap- or amq.gen-) unless they mention one of mine.
func snapshot(t *testing.T, ep broker.Endpoint, mine ...string) []string {
	t.Helper()
	rh := taptest.Admin(t, ep)
	defs, err := rh.ListDefinitions()
	if err != nil {
		t.Fatalf("exporting definitions: %v", err)
	}
	foreign := func(names ...string) bool {
		for _, n := range names {
			for _, m := range mine {
				if strings.Contains(n, m) {
					return false
				}
			}
		}
		for _, n := range names {
			if strings.HasPrefix(n, "test-") || strings.HasPrefix(n, "shoveltap-") || strings.HasPrefix(n, "amq.gen-") {
				return true
			}
		}
		return false
	}
	var lines []string
	if defs.Queues != nil {
		for _, q := range *defs.Queues {
			if q.Vhost == ep.Vhost && !foreign(q.Name) {
				lines = append(lines, fmt.Sprintf("queue %s durable=%v args=%v", q.Name, q.Durable, q.Arguments))
			}
		}
	}
	if defs.Exchanges != nil {
		for _, x := range *defs.Exchanges {
			if x.Vhost == ep.Vhost && !foreign(x.Name) {
				lines = append(lines, fmt.Sprintf("exchange %s %s durable=%v args=%v", x.Name, x.Type, x.Durable, x.Arguments))
			}
		}
	}
	if defs.Bindings != nil {
		for _, b := range *defs.Bindings {
			if b.Vhost == ep.Vhost && !foreign(b.Source, b.Destination) {
				lines = append(lines, fmt.Sprintf("binding %s -> %s %s key=%q args=%v", b.Source, b.DestinationType, b.Destination, b.RoutingKey, b.Arguments))
			}
		}
	}
	// rabbit-hole's export type misspells "parameters", so shovels are read
	// on their own.
	params, err := rh.ListRuntimeParametersIn("shovel", ep.Vhost)
	if err != nil && !strings.Contains(err.Error(), "404") {
		t.Fatalf("listing shovels: %v", err)
	}
	for _, p := range params {
		if !foreign(p.Name) {
			lines = append(lines, fmt.Sprintf("shovel %s %v", p.Name, p.Value))
		}
	}
	sort.Strings(lines)
	return lines
}

func sameLines(t *testing.T, what string, before, after []string) {
	t.Helper()
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("%s differs after teardown.\nbefore:\n  %s\nafter:\n  %s", what, strings.Join(before, "\n  "), strings.Join(after, "\n  "))
	}
}

// confirmingPublisher publishes with confirms and fails the test on a nack.
type confirmingPublisher struct {
	ch       *amqp.Channel
	confirms chan amqp.Confirmation
}

func newPublisher(t *testing.T, ep broker.Endpoint) *confirmingPublisher {
	t.Helper()
	ch := taptest.Channel(t, ep)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	return &confirmingPublisher{ch: ch, confirms: ch.NotifyPublish(make(chan amqp.Confirmation, 10000))}
}

// publish sends messages seq from..to-1 (body "pub/seq") with keys cycling
// through keys, and waits for every confirm.
func (p *confirmingPublisher) publish(t *testing.T, exchange, pub string, from, to int, keys []string) {
	t.Helper()
	for i := from; i < to; i++ {
		msg := amqp.Publishing{Body: fmt.Appendf(nil, "%s/%d", pub, i), DeliveryMode: amqp.Persistent}
		if err := p.ch.Publish(exchange, keys[i%len(keys)], false, false, msg); err != nil {
			t.Fatalf("publishing: %v", err)
		}
	}
	for i := from; i < to; i++ {
		select {
		case c := <-p.confirms:
			if !c.Ack {
				t.Fatalf("the broker nacked publish %d", c.DeliveryTag)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no confirm for message %d", i)
		}
	}
}

// drain reads exactly n messages from a queue (then checks nothing more
// comes) and returns their bodies in order.
func drain(t *testing.T, ep broker.Endpoint, queue string, n int) []string {
	t.Helper()
	ch := taptest.Channel(t, ep)
	var bodies []string
	for len(bodies) < n {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatalf("reading %s: %v", queue, err)
		}
		if !ok {
			t.Fatalf("queue %s ran dry after %d of %d messages", queue, len(bodies), n)
		}
		bodies = append(bodies, string(d.Body))
	}
	if _, ok, _ := ch.Get(queue, true); ok {
		t.Fatalf("queue %s holds more than the %d messages expected", queue, n)
	}
	return bodies
}

// rabbitmqctl runs against the mirror node (only the test-owned mirror is
// ever stopped).
func mirrorCtl(t *testing.T, args ...string) {
	t.Helper()
	full := append([]string{"-n", "mirror@localhost"}, args...)
	ctl, err := exec.LookPath("rabbitmqctl")
	if err != nil {
		ctl = "/usr/sbin/rabbitmqctl"
	}
	cmd := exec.Command(ctl, full...)
	if os.Getuid() != 0 {
		cmd = exec.Command("sudo", append([]string{ctl}, full...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// durableQueue declares a durable queue bound to exchange on ep, deleted
// when the test ends; it survives a restart of the node's app.
func durableQueue(t *testing.T, ep broker.Endpoint, exchange string) string {
	t.Helper()
	name := taptest.Name("mq")
	ch := taptest.Channel(t, ep)
	if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(name, "", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, name) })
	return name
}
