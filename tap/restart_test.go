package tap_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The restart hole: a tap's shovel is a runtime parameter that outlives
// shoveltap and starts again with the broker's app. After a restart while
// shoveltap is gone, nothing of the tap may run within 15 s of the broker
// being back. These tests restart a node's app, so they run only against
// a node of their own, never the shared broker:
//
//	SHOVELTAP_TEST_RESTART_URL  amqp://guest:guest@127.0.0.1:5700/
//	SHOVELTAP_TEST_RESTART_API  http://127.0.0.1:15700
//	SHOVELTAP_TEST_RESTART_CTL  rabbitmqctl -n routes@localhost   (or scripts/rabbitmq4.sh ctl)
//
// (make test-310 starts such a node; test-4x and test-43 use theirs.)
func restartNode(t *testing.T) (broker.Endpoint, func(args ...string)) {
	t.Helper()
	taptest.SkipShort(t)
	raw, ctl := os.Getenv("SHOVELTAP_TEST_RESTART_URL"), strings.Fields(os.Getenv("SHOVELTAP_TEST_RESTART_CTL"))
	if raw == "" || len(ctl) == 0 {
		const why = "restarts a broker: set SHOVELTAP_TEST_RESTART_URL, _API and _CTL to a node of the test's own (make test-all does)"
		if os.Getenv("CI") != "" {
			t.Fatal(why) // CI never skips a test silently
		}
		t.Skip(why)
	}
	ep, err := broker.ResolveEndpoint(raw, os.Getenv("SHOVELTAP_TEST_RESTART_API"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(ctl[0], append(append([]string(nil), ctl[1:]...), args...)...)
		cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", strings.Join(ctl, " "), strings.Join(args, " "), err, out)
		}
	}
	return ep, run
}

func TestRestartLeavesNothingOfAKilledTap(t *testing.T) {
	for _, traffic := range []bool{false, true} {
		t.Run(map[bool]string{false: "idle", true: "traffic"}[traffic], func(t *testing.T) {
			testRestartLeavesNothing(t, traffic, "", func(s *tap.Session) { tap.Abandon(s) })
		})
	}
}

func TestRestartLeavesNothingWithoutReconnect(t *testing.T) {
	for _, traffic := range []bool{false, true} {
		t.Run(map[bool]string{false: "idle", true: "traffic"}[traffic], func(t *testing.T) {
			// amqp091 here, so that a broker whose best is the
			// local shovel (4.2+) is tried with both.
			testRestartLeavesNothing(t, traffic, tap.ShovelAMQP091, nil)
		})
	}
}

// testRestartLeavesNothing opens a tap without reconnection on a durable
// exchange, ends it with gone (nil: the restart ends it, and its removal
// fails while the broker is down), restarts the broker's app and checks
// that within 15 s of its return no running shovel, queue, exchange or
// binding of the tap is left, publishing all along when traffic is set.
func testRestartLeavesNothing(t *testing.T, traffic bool, protocol string, gone func(*tap.Session)) {
	ep, ctl := restartNode(t)
	ch := taptest.Channel(t, ep)
	x := taptest.Name("restart")
	if err := ch.ExchangeDeclare(x, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteExchange(ep.Vhost, x) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, ShovelProtocol: protocol, Host: "it-restart", NoDiscovery: true})
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	base := s.Names().Base
	t.Cleanup(func() {
		// Whatever the outcome, leave the node clean for the next test.
		if shovels, err := rh.ListShovelsIn(ep.Vhost); err == nil {
			for _, sh := range shovels {
				if strings.HasPrefix(sh.Name, base) {
					_, _ = rh.DeleteShovel(ep.Vhost, sh.Name)
				}
			}
		}
		for _, o := range taptest.Leftovers(t, ep, base) {
			kind, name, _ := strings.Cut(o, " ")
			switch kind {
			case "queue":
				_, _ = rh.DeleteQueue(ep.Vhost, name)
			case "exchange":
				_, _ = rh.DeleteExchange(ep.Vhost, name)
			}
		}
	})
	if gone != nil {
		gone(s)
	}
	ctl("stop_app")
	if gone == nil {
		select {
		case <-waitClosed(s):
		case <-time.After(10 * time.Second):
			t.Fatal("the tap without reconnection did not end when the broker's app stopped")
		}
		checkBrokerGoneError(t, s)
	}
	ctl("start_app")
	ctl("await_startup")
	back := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	if traffic {
		go publishUntil(ep, x, stop)
	}
	var left []string
	for time.Since(back) < 15*time.Second {
		if left = tapObjects(t, ep, rh, base); len(left) == 0 {
			t.Logf("nothing of %s ran %s after the broker was back", base, time.Since(back).Round(100*time.Millisecond))
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("15 s after the broker was back, the tap %s still has: %s", base, strings.Join(left, ", "))
}

// waitClosed is closed once the session's batch stream ends.
func waitClosed(s *tap.Session) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range s.Batches() {
		}
		close(done)
	}()
	return done
}

// publishUntil publishes a message every 100 ms on its own connection,
// redialling while the broker restarts, until stop.
func publishUntil(ep broker.Endpoint, x string, stop <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var conn *amqp.Connection
	var ch *amqp.Channel
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if ch == nil || ch.IsClosed() {
			if conn != nil {
				_ = conn.Close()
			}
			var err error
			if conn, err = amqp.Dial(ep.AMQP.String()); err != nil {
				conn = nil
				continue
			}
			if ch, err = conn.Channel(); err != nil {
				continue
			}
		}
		_ = ch.Publish(x, "a.b", false, false, amqp.Publishing{Body: []byte("after the restart")})
	}
}

// tapObjects lists what of the tap base is on the broker: running
// shovels (a terminated definition runs nothing, and every later start
// of it fails the same way), queues, exchanges and bindings.
func tapObjects(t *testing.T, ep broker.Endpoint, rh *rabbithole.Client, base string) []string {
	t.Helper()
	var found []string
	sts, err := rh.ListShovelStatus(ep.Vhost)
	if err != nil {
		t.Fatalf("listing shovel states: %v", err)
	}
	for _, st := range sts {
		if strings.HasPrefix(st.Name, base) && st.State != "terminated" {
			found = append(found, "shovel "+st.Name+" ("+st.State+")")
		}
	}
	for _, o := range taptest.Leftovers(t, ep, base) {
		if !strings.HasPrefix(o, "shovel ") {
			found = append(found, o)
		}
	}
	bs, err := rh.ListBindingsIn(ep.Vhost)
	if err != nil {
		t.Fatalf("listing bindings: %v", err)
	}
	for _, b := range bs {
		if strings.HasPrefix(b.Destination, base) || strings.HasPrefix(b.Source, base) {
			found = append(found, "binding "+b.Source+" -> "+b.Destination)
		}
	}
	return found
}

// checkBrokerGoneError closes a tap while its broker's app is stopped: the
// removal fails, and says so in one line that names the broker being down
// rather than a missing management plugin (issue 22, sharp edge 6: it was
// six identical lines, one per object, each blaming the plugin).
func checkBrokerGoneError(t *testing.T, s *tap.Session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := s.Close(ctx)
	if err == nil {
		t.Fatal("closing the tap while its broker is down reported no failure")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Count(msg, "stopped answering") != 1 || !strings.Contains(msg, "the broker is down or restarting") || strings.Contains(msg, "rabbitmq-plugins enable") {
		t.Fatalf("closing the tap while its broker is down: want one line saying the broker is down, got:\n%s", msg)
	}
	t.Logf("close while the broker is down: %s", msg)
}
