package tap_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// reader drains a session in the background, as the UI does, keeping every
// message and every status it saw.
type reader struct {
	mu       sync.Mutex
	bodies   []string
	statuses []tap.Status
	done     chan struct{}
}

func readAll(s *tap.Session) *reader {
	r := &reader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for b := range s.Batches() {
			r.mu.Lock()
			for _, m := range b.Messages {
				r.bodies = append(r.bodies, string(m.Body))
			}
			r.statuses = append(r.statuses, b.Status)
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *reader) has(bodies ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range bodies {
		if !slices.Contains(r.bodies, b) {
			return false
		}
	}
	return true
}

// missing is what of bodies the tap has not carried.
func (r *reader) missing(bodies []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range bodies {
		if !slices.Contains(r.bodies, b) {
			out = append(out, b)
		}
	}
	return out
}

// transitions are the tap's states and details, each change once, for a
// failure's message.
func (r *reader) transitions() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	last := ""
	for _, st := range r.statuses {
		s := fmt.Sprintf("%s %s", st.State, st.Detail)
		if s != last {
			out = append(out, s)
			last = s
		}
	}
	if len(out) > 12 {
		out = out[len(out)-12:]
	}
	return strings.Join(out, " | ")
}

func (r *reader) sawDetail(part string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.statuses {
		if strings.Contains(st.Detail, part) {
			return true
		}
	}
	return false
}

// publishVia publishes on a fresh connection to one node (the others may be
// restarting).
func publishVia(t *testing.T, n taptest.ClusterNode, x, key string, bodies []string) {
	t.Helper()
	ch := taptest.Channel(t, taptest.NodeEndpoint(t, n))
	for _, b := range bodies {
		taptest.Publish(t, ch, x, key, amqp.Publishing{Body: []byte(b)})
	}
}

// declareOn declares a production queue of a type on one node, bound to x.
func declareOn(t *testing.T, n taptest.ClusterNode, x, kind, key string) string {
	t.Helper()
	q := taptest.Name(kind)
	ch := taptest.Channel(t, taptest.NodeEndpoint(t, n))
	if _, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": kind}); err != nil {
		t.Fatalf("declaring %s queue on %s: %v", kind, n.Name, err)
	}
	if err := ch.QueueBind(q, key, x, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, taptest.Cluster(t))
	t.Cleanup(func() { _, _ = rh.DeleteQueue("/", q) })
	return q
}

// A rolling restart: each node's RabbitMQ stops for 5 s and starts again
// in turn while an exchange and production queues of every type (placed
// on the other nodes) are tapped. After each restart the tap carries new
// messages again within seconds; the gap is reported; after Close nothing
// of the tap is left on any node.
func TestClusterRollingRestartKeepsTheTap(t *testing.T) {
	all := taptest.Cluster(t)
	// AMQP to one node with the management API of another; the other
	// nodes come from the API's node list.
	one := taptest.NodeEndpoint(t, taptest.ClusterNodes[0])
	one.API = taptest.ClusterNodes[1].API
	for _, c := range []struct {
		name string
		ep   broker.Endpoint
	}{{"every node given", all}, {"nodes from the API", one}} {
		t.Run(c.name, func(t *testing.T) { rollingRestart(t, c.ep) })
	}
}

func rollingRestart(t *testing.T, ep broker.Endpoint) {
	nodes := taptest.ClusterNodes
	x := taptest.Exchange(t, taptest.NodeEndpoint(t, nodes[0]), "topic")
	classic := declareOn(t, nodes[1], x, "classic", "c.#")
	quorum := declareOn(t, nodes[2], x, "quorum", "q.#")
	stream := declareOn(t, nodes[1], x, "stream", "s.#")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{
		Endpoint: ep, Reconnect: true, Host: "it-rolling",
		Sources: []tap.Source{{Exchange: x, Key: "x.#"}, {Queue: classic}, {Queue: quorum}, {Queue: stream}},
	})
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	r := readAll(s)
	defer func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
		<-r.done
		taptest.WaitClean(t, ep, s.Names().Base, 15*time.Second)
	}()

	round := func(label string, via taptest.ClusterNode) {
		t.Helper()
		var want []string
		for _, key := range []string{"x.1", "c.1", "q.1", "s.1"} {
			bodies := []string{fmt.Sprintf("%s-%s-a", label, key), fmt.Sprintf("%s-%s-b", label, key)}
			publishVia(t, via, x, key, bodies)
			want = append(want, bodies...)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !r.has(want...) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out after 30s waiting for the tap to carry round %s: missing %v; the tap's states: %s", label, r.missing(want), r.transitions())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	round("before", nodes[0])
	for i, n := range nodes {
		taptest.RestartNode(t, n.Name, 5*time.Second)
		back := time.Now()
		// Publish through another node than the one that just came back.
		round("after-"+n.Name, nodes[(i+1)%len(nodes)])
		t.Logf("after restarting %s the tap carried messages again within %s", n.Name, time.Since(back).Round(100*time.Millisecond))
	}
	if st := s.Status(); st.Reconnects == 0 {
		t.Errorf("no restart touched the tap: %+v", st)
	}
	if !r.sawDetail("may be missing") {
		t.Error("the gap was never reported as messages that may be missing")
	}
}

// A cluster whose management API answers from a node that cannot run
// shovels (its shovel plugin disabled): the tap is refused with the fix,
// and nothing is left on any node.
func TestClusterAPINodeWithoutShovelPlugin(t *testing.T) {
	all := taptest.Cluster(t)
	nodes := taptest.ClusterNodes
	taptest.RabbitPlugins(t, nodes[1].Name, "disable", "rabbitmq_shovel_management", "rabbitmq_shovel")
	t.Cleanup(func() {
		taptest.RabbitPlugins(t, nodes[1].Name, "enable", "rabbitmq_shovel", "rabbitmq_shovel_management")
	})
	ep := taptest.NodeEndpoint(t, nodes[0])
	ep.API = nodes[1].API
	x := taptest.Exchange(t, all, "topic")
	_, err := tap.Open(context.Background(), tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-noshovelnode", NoDiscovery: true})
	if err == nil {
		t.Fatal("a tap opened through a node without the shovel plugin")
	}
	if !strings.Contains(err.Error(), "rabbitmq-plugins enable rabbitmq_shovel") {
		t.Errorf("error does not name the fix: %v", err)
	}
	taptest.WaitClean(t, all, broker.Prefix+"it-noshovelnode-", 10*time.Second)
}
