package tap_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The node of streamNode: none of the shared test brokers has the stream
// plugin, which server-side offset tracking needs.
const (
	streamNodeName = "streams"
	streamNodeAMQP = "5698"
	streamNodeAPI  = "15698"
	streamNodePort = "5699" // the stream protocol
)

// streamNode starts a RabbitMQ node of this test's own with the stream
// plugin (scripts/node.sh, the host's RabbitMQ) and stops it when the test
// ends. It runs in the 3.10 suite only: under SHOVELTAP_TEST_URL (the 4.x
// suite) the same node would be tested again.
func streamNode(t *testing.T) broker.Endpoint {
	t.Helper()
	taptest.SkipShort(t)
	if os.Getenv("SHOVELTAP_TEST_URL") != "" {
		t.Skip("runs in the default (3.10) suite: its node is the host's RabbitMQ, whatever SHOVELTAP_TEST_URL says")
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+streamNodeAMQP, time.Second); err == nil {
		c.Close()
		t.Fatalf("port %s is taken: something else runs where this test starts its own node", streamNodeAMQP)
	}
	start := exec.Command("../scripts/node.sh", "start", streamNodeName, streamNodeAMQP, streamNodeAPI, "rabbitmq_management,rabbitmq_stream")
	start.Env = append(os.Environ(), "NODE_CONF=stream.listeners.tcp.1 = "+streamNodePort)
	if out, err := start.CombinedOutput(); err != nil {
		taptest.NeedBroker(t, "node with the stream plugin (scripts/node.sh start "+streamNodeName+"): "+string(out), err)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("../scripts/node.sh", "stop", streamNodeName).CombinedOutput(); err != nil {
			t.Errorf("stopping the stream node: %v\n%s", err, out)
		}
	})
	taptest.Eventually(t, 60*time.Second, "the stream listener", func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+streamNodePort, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	ep, err := broker.ResolveEndpoint("amqp://guest:guest@127.0.0.1:"+streamNodeAMQP+"/", "http://127.0.0.1:"+streamNodeAPI, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// A stream application tracks its consumer's offset on the server (the
// stream protocol's named consumer). A tap reading the stream, history
// and live, leaves that offset as it was, and stores none of its own.
func TestStreamTrackedOffsetUnchanged(t *testing.T) {
	ep := streamNode(t)
	stream := taptest.Stream(t, ep, nil)
	taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("t", 0, 100))
	app, err := taptest.DialTracking("127.0.0.1:"+streamNodePort, ep.User, ep.Password, ep.Vhost)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := app.StoreOffset("billing-app", stream, 42); err != nil {
		t.Fatal(err)
	}
	taptest.Eventually(t, 10*time.Second, "the application's offset to be stored", func() bool {
		off, err := app.QueryOffset("billing-app", stream)
		return err == nil && off == 42
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-stream-tracking"})
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, collect(t, s, 100, 10*time.Second), taptest.Bodies("t", 0, 100), 0)
	// The stored offset took an offset of the stream itself (a tracking
	// entry, never delivered): live messages come after it.
	taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("u", 0, 10))
	live := collect(t, s, 10, 10*time.Second)
	for i, m := range live {
		if string(m.Body) != taptest.Bodies("u", i, i+1)[0] || m.Offset <= 99+int64(i) {
			t.Fatalf("live message %d: %s", i, taptest.Describe(m))
		}
	}
	base := s.Names().Base
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	if off, err := app.QueryOffset("billing-app", stream); err != nil || off != 42 {
		t.Errorf("the application's stored offset is %d (%v) after the tap, want 42", off, err)
	}
	for _, ref := range []string{base, base + "-live"} {
		if off, err := app.QueryOffset(ref, stream); !errors.Is(err, taptest.ErrNoOffset) {
			t.Errorf("the tap stored an offset as %q: %d (%v)", ref, off, err)
		}
	}
}
