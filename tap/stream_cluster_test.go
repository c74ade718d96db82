package tap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// A stream replicated on the three nodes is read from its start while the
// node the tap reads from restarts, twice: reading resumes on another
// node just after the last message handed over, so every message, history
// and live, arrives once and in order, and the status says so.
func TestClusterStreamNodeRestarts(t *testing.T) {
	all := taptest.Cluster(t)
	nodes := taptest.ClusterNodes
	first := taptest.NodeEndpoint(t, nodes[0])
	stream := taptest.Stream(t, first, amqp.Table{"x-initial-cluster-size": int64(3)})
	var want []string
	publish := func(via taptest.ClusterNode, bodies []string) {
		t.Helper()
		taptest.PublishConfirmed(t, taptest.NodeEndpoint(t, via), "", stream, bodies)
		want = append(want, bodies...)
	}
	publish(nodes[0], taptest.Bodies("history", 0, 3000))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: all, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"},
		Reconnect: true, Prefetch: 100, Host: "it-cluster-stream"})
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	defer s.Close(context.Background())

	var got []tap.Message
	// The tap reads from the first node given; restart it halfway through
	// the history, then restart whichever node took over.
	got = append(got, collect(t, s, 1000, 20*time.Second)...)
	taptest.RestartNode(t, nodes[0].Name, 3*time.Second)
	publish(nodes[1], taptest.Bodies("live-a", 0, 500))
	got = append(got, collect(t, s, len(want)-len(got), 60*time.Second)...)
	reconnects := s.Status().Reconnects
	if reconnects == 0 {
		t.Fatal("the restart of the tap's node did not reach the tap")
	}
	for _, n := range nodes[1:] {
		taptest.RestartNode(t, n.Name, 3*time.Second)
		publish(nodes[0], taptest.Bodies("live-"+n.Name, 0, 300))
		got = append(got, collect(t, s, len(want)-len(got), 60*time.Second)...)
	}
	checkRun(t, got, want, 0)
	waitLastNoted(t, s, int64(len(want)-1))
	st := s.Status()
	if st.Reconnects < 2 || st.Dropped != 0 {
		t.Errorf("after the restarts: %d reconnects (want 2 or more: the tap's node restarted twice), %d dropped", st.Reconnects, st.Dropped)
	}
	if st.Stream.Last != int64(len(want)-1) || !st.Stream.LiveKnown || st.Stream.LiveFrom != 3000 {
		t.Errorf("stream status %+v, want the last offset %d and live from 3000", st.Stream, len(want)-1)
	}
	if !strings.Contains(st.Detail, "resuming after offset") && st.Detail != "" {
		t.Errorf("detail %q", st.Detail)
	}
	if more := drain(s, 500*time.Millisecond); countMessages(more) != 0 {
		t.Errorf("%d messages more than published", countMessages(more))
	}
}

// A stream is read on a node that holds it: with one replica on the second
// node, a tap given the first node first reads it on the second, and a
// tap given only the first says which node to give.
func TestClusterStreamOnAnotherNode(t *testing.T) {
	all := taptest.Cluster(t)
	nodes := taptest.ClusterNodes
	second := taptest.NodeEndpoint(t, nodes[1])
	stream := taptest.Stream(t, second, amqp.Table{"x-initial-cluster-size": int64(1)})
	taptest.PublishConfirmed(t, second, "", stream, taptest.Bodies("r", 0, 20))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: all, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-cluster-replica"})
	if err != nil {
		t.Fatalf("opening the tap with every node: %v", err)
	}
	checkRun(t, collect(t, s, 20, 10*time.Second), taptest.Bodies("r", 0, 20), 0)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	only := taptest.NodeEndpoint(t, nodes[0])
	_, err = tap.Open(ctx, tap.Config{Endpoint: only, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-cluster-replica", NoDiscovery: true})
	if err == nil || !strings.Contains(err.Error(), "give one of its nodes with --url") {
		t.Fatalf("opening on a node without a replica: %v", err)
	}
}
