package setup

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// A history on a clustered mirror, replicated on its three nodes: apply
// asks for an initial cluster size of 3, the stream's members are the
// three nodes, production's traffic reads back in order through any node
// while one of them restarts, and teardown leaves the cluster as found.
func TestClusterHistoryReplicated(t *testing.T) {
	cluster := taptest.Cluster(t)
	prod := taptest.Endpoint(t)
	mirror := taptest.NodeEndpoint(t, taptest.ClusterNodes[0])
	x := taptest.Exchange(t, prod, "topic")
	mine := []string{x}
	mirrorBefore := snapshot(t, mirror, mine...)
	cfg := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x, Limits: Limits{History: "1D", HistoryReplicas: 3}}}}
	testSetup(t, prod, mirror, cfg)
	out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: cfg})
	if err != nil || !strings.Contains(out, "(stream, keeps 1D, on 3 node(s))") {
		t.Fatalf("apply (%v):\n%s", err, out)
	}
	waitShovelRunning(t, prod, x)
	newPublisher(t, prod).publish(t, x, "c", 0, 200, []string{"k"})

	// Read back through every node given, the first of which restarts
	// halfway.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: cluster, Sources: []tap.Source{{Queue: HistoryStream(x)}}, From: tap.From{Kind: tap.FromFirst, Text: "first"},
		Reconnect: true, Prefetch: 20, Host: "it-cluster-history"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	var got []string
	take := func(n int) {
		for len(got) < n {
			select {
			case b := <-s.Batches():
				for _, m := range b.Messages {
					got = append(got, string(m.Body))
				}
			case <-ctx.Done():
				t.Fatalf("read %d of %d messages of the history", len(got), n)
			}
		}
	}
	take(50)
	taptest.RestartNode(t, taptest.ClusterNodes[0].Name, 3*time.Second)
	take(200)
	if strings.Join(got, ",") != strings.Join(seqRange("c", 0, 200), ",") {
		t.Errorf("the history read back across a restart:\n%v", got)
	}

	// The management API lists a stream's members from its leader's
	// statistics, which come back a moment after the restarted node
	// rejoins; poll rather than read once.
	var members []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdStatus, Config: cfg, JSON: true})
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		var status struct{ Pieces []StatusRow }
		if err := json.Unmarshal([]byte(out), &status); err != nil {
			t.Fatal(err)
		}
		members = nil
		for _, r := range status.Pieces {
			if r.Kind == "stream" && r.History != nil {
				members = r.History.Members
			}
		}
		if len(members) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(members) != 3 {
		t.Errorf("the history is held by %v, want the three nodes\n%s", members, out)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdTeardown, Config: cfg}); err != nil {
		t.Fatalf("teardown (%v):\n%s", err, out)
	}
	sameLines(t, "mirror cluster", mirrorBefore, snapshot(t, mirror, mine...))
}
