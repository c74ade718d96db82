// Package taptest holds helpers for tests that talk to a real RabbitMQ: the
// broker under test, throwaway exchanges and queues that clean up after
// themselves, and checks that a tap left nothing behind.
//
// The broker is SHOVELTAP_TEST_URL (default amqp://guest:guest@127.0.0.1:5672/).
// Tests that need it are skipped under go test -short (make unit). When it
// does not answer, they are skipped on a developer machine and fail in CI
// (CI set, as .ci/run does), so an integration test is never silently
// skipped there: see NeedBroker.
package taptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Endpoint returns the broker under test, skipping (or failing in CI) when
// it is not reachable.
func Endpoint(t testing.TB) broker.Endpoint {
	t.Helper()
	return endpointFrom(t, os.Getenv("SHOVELTAP_TEST_URL"), "amqp://guest:guest@127.0.0.1:5672/", os.Getenv("SHOVELTAP_TEST_API"))
}

// BareEndpoint is the extra node started by scripts/node.sh for tests
// that need a broker without the shovel plugin.
func BareEndpoint(t testing.TB) broker.Endpoint {
	t.Helper()
	return endpointFrom(t, os.Getenv("SHOVELTAP_TEST_BARE_URL"), "amqp://guest:guest@127.0.0.1:5674/", "http://127.0.0.1:15674")
}

// SkipShort skips a test that needs a broker (or anything else outside the
// process) under go test -short.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a broker: skipped under -short")
	}
}

// NeedBroker ends a test that cannot have what it needs from outside the
// process — a broker node, or a tool such as Celery that the broker tests
// use — because of err: in CI (CI set) that is a failure, since make test
// provides everything there; elsewhere the test is skipped. what names the
// missing piece and how to get it.
func NeedBroker(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("no %s: %v\n(CI is set: make test provides it there, so its absence is a failure)", what, err)
	}
	t.Skipf("no %s: %v", what, err)
}

func endpointFrom(t testing.TB, raw, def, api string) broker.Endpoint {
	t.Helper()
	SkipShort(t)
	if raw == "" {
		raw = def
	}
	ep, err := broker.ResolveEndpoint(raw, api, func(string) string { return "" })
	if err != nil {
		t.Fatalf("test broker URL: %v", err)
	}
	c, err := net.DialTimeout("tcp", ep.Address(), 2*time.Second)
	if err != nil {
		NeedBroker(t, "RabbitMQ at "+ep.Address()+" (scripts/ensure-rabbitmq.sh starts one)", err)
	}
	c.Close()
	return ep
}

// Admin is a management API client for the endpoint, for a test's own
// fixtures (users, vhosts, objects made and removed behind shoveltap's
// back). shoveltap itself goes through tap/broker.
func Admin(t testing.TB, ep broker.Endpoint) *rabbithole.Client {
	t.Helper()
	tc, err := ep.TLS.Config()
	if err != nil {
		t.Fatal(err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tc
	rh, err := rabbithole.NewTLSClient(ep.API, ep.User, ep.Password, transport)
	if err != nil {
		t.Fatal(err)
	}
	rh.SetTimeout(30 * time.Second)
	return rh
}

// Channel opens a connection and channel, closed when the test ends.
func Channel(t testing.TB, ep broker.Endpoint) *amqp.Channel {
	t.Helper()
	conn, err := broker.Dial(context.Background(), ep, "shoveltap test")
	if err != nil {
		t.Fatalf("connecting to the test broker: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// Name is a unique name for a test object.
func Name(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "test-" + prefix + "-" + hex.EncodeToString(b[:])
}

// Exchange declares a throwaway exchange, deleted when the test ends.
func Exchange(t testing.TB, ep broker.Endpoint, kind string) string {
	t.Helper()
	name := Name(kind)
	ch := Channel(t, ep)
	if err := ch.ExchangeDeclare(name, kind, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteExchange(ep.Vhost, name) })
	return name
}

// Queue declares a throwaway "production" queue bound to exchange with key,
// deleted when the test ends.
func Queue(t testing.TB, ep broker.Endpoint, exchange, key string) string {
	t.Helper()
	name := Name("q")
	ch := Channel(t, ep)
	if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(name, key, exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, name) })
	return name
}

// QueueDepth is the number of messages in a queue, read over AMQP (exact,
// unlike the management API's sampled statistics).
func QueueDepth(t testing.TB, ch *amqp.Channel, name string) int {
	t.Helper()
	q, err := ch.QueueDeclarePassive(name, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspecting queue %q: %v", name, err)
	}
	return q.Messages
}

// QueueReady is the number of ready messages in a queue, exclusive or not,
// from the management API.
func QueueReady(t testing.TB, ep broker.Endpoint, name string) int {
	t.Helper()
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Queue(context.Background(), ep.Vhost, name)
	if err != nil {
		t.Fatalf("reading queue %q: %v", name, err)
	}
	return q.MessagesReady
}

// Leftovers lists every shovel, queue and exchange on the broker whose name
// starts with prefix.
func Leftovers(t testing.TB, ep broker.Endpoint, prefix string) []string {
	t.Helper()
	rh := Admin(t, ep)
	var found []string
	shovels, err := rh.ListShovelsIn(ep.Vhost)
	if err != nil {
		t.Fatalf("listing shovels: %v", err)
	}
	for _, s := range shovels {
		if strings.HasPrefix(s.Name, prefix) {
			found = append(found, "shovel "+s.Name)
		}
	}
	queues, err := rh.ListQueuesIn(ep.Vhost)
	if err != nil {
		t.Fatalf("listing queues: %v", err)
	}
	for _, q := range queues {
		if strings.HasPrefix(q.Name, prefix) {
			found = append(found, "queue "+q.Name)
		}
	}
	xs, err := rh.ListExchangesIn(ep.Vhost)
	if err != nil {
		t.Fatalf("listing exchanges: %v", err)
	}
	for _, x := range xs {
		if strings.HasPrefix(x.Name, prefix) {
			found = append(found, "exchange "+x.Name)
		}
	}
	return found
}

// WaitClean waits up to timeout for Leftovers(prefix) to be empty and fails
// the test with what is left otherwise.
func WaitClean(t testing.TB, ep broker.Endpoint, prefix string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := Leftovers(t, ep, prefix)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broker still holds %d object(s) of %s after %s: %s", len(left), prefix, timeout, strings.Join(left, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Eventually polls cond every 50 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Publish sends one message and fails the test on error.
func Publish(t testing.TB, ch *amqp.Channel, exchange, key string, msg amqp.Publishing) {
	t.Helper()
	if err := ch.Publish(exchange, key, false, false, msg); err != nil {
		t.Fatalf("publishing to %s/%s: %v", exchange, key, err)
	}
}

// Describe is a short label for failure messages.
func Describe(m tap.Message) string {
	return fmt.Sprintf("#%d %s/%s %q", m.Seq, m.Exchange, m.RoutingKey, m.Body)
}

// Vhost creates a throwaway vhost in which the test broker's user has every
// permission, deleted (with all it holds) when the test ends, and returns
// the endpoint for it. Tests that switch per-vhost settings, such as the
// firehose, use one so that nobody else's traffic is affected.
func Vhost(t testing.TB, ep broker.Endpoint) broker.Endpoint {
	t.Helper()
	rh := Admin(t, ep)
	name := Name("vhost")
	if _, err := rh.PutVhost(name, rabbithole.VhostSettings{Description: "shoveltap test"}); err != nil {
		t.Fatalf("creating vhost: %v", err)
	}
	t.Cleanup(func() { _, _ = rh.DeleteVhost(name) })
	if _, err := rh.UpdatePermissionsIn(name, ep.User, rabbithole.Permissions{Configure: ".*", Write: ".*", Read: ".*"}); err != nil {
		t.Fatalf("granting permissions: %v", err)
	}
	v := ep
	v.Vhost = name
	v.AMQP.Vhost = name
	return v
}

// NeedStats skips a test of a figure that comes from the management API's
// message statistics when the broker collects none (RabbitMQ 4 with
// management_metrics_collection denied): there shoveltap shows such
// figures as unknown, which other tests check.
func NeedStats(t testing.TB, ep broker.Endpoint) {
	t.Helper()
	if StatsOff(t, ep) {
		t.Skip("the broker collects no message statistics (management_metrics_collection denied): this figure is shown as unknown there")
	}
}

// StatsOff says whether the broker collects no message statistics.
func StatsOff(t testing.TB, ep broker.Endpoint) bool {
	t.Helper()
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := a.Overview(context.Background())
	if err != nil {
		t.Fatalf("reading the overview: %v", err)
	}
	return ov.DisableStats
}

// Consumers is a queue's consumer count read over AMQP (the management API
// of a broker without statistics does not report it); ok is false while
// the queue does not exist.
func Consumers(t testing.TB, ep broker.Endpoint, queue string) (n int, ok bool) {
	t.Helper()
	conn, err := amqp.Dial(ep.AMQP.String())
	if err != nil {
		t.Fatalf("connecting to the test broker: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		return 0, false
	}
	return q.Consumers, true
}

// NeedTransientQueues skips a test whose real client (Celery 5.2's worker
// with its remote-control pidbox, its rpc:// result queues, oslo.messaging
// 14's reply queues) declares transient non-exclusive queues, on a broker
// that refuses them: a hardened RabbitMQ 4 (deprecated_features.permit.
// transient_nonexcl_queues = false). The skip names the reason; the same
// tests run on 3.10, where the clients work. ep is a throwaway vhost.
func NeedTransientQueues(t testing.TB, ep broker.Endpoint, client string) {
	t.Helper()
	ch := Channel(t, ep)
	name := Name("transient-probe")
	_, err := ch.QueueDeclare(name, false, true, false, false, nil)
	if err == nil {
		_, _ = ch.QueueDelete(name, false, false, false)
		return
	}
	if strings.Contains(err.Error(), "transient_nonexcl_queues") {
		t.Skipf("%s declares transient non-exclusive queues, which this broker refuses (a hardened RabbitMQ 4): %v", client, err)
	}
	t.Fatalf("probing for transient queues: %v", err)
}
