package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// kill -9 on a cluster: the copies stop within 10 s, and cleanup (given
// one node) removes the stopped shovel's definition.
func TestClusterKill9AndCleanup(t *testing.T) {
	ep := taptest.Cluster(t)
	x := taptest.Exchange(t, ep, "topic")
	for _, traffic := range []bool{false, true} {
		p, window := orphanWindow(t, ep, x, traffic)
		t.Logf("traffic=%v: copies stopped %s after kill -9", traffic, window.Round(100*time.Millisecond))
		if window > 10*time.Second {
			t.Errorf("traffic=%v: the killed tap's source queue received copies for %s (at most 10 s)", traffic, window)
		}
		one := taptest.NodeEndpoint(t, taptest.ClusterNodes[2])
		if out, err := runCmd(one, "cleanup", "--yes"); err != nil {
			t.Fatalf("cleanup: %v\n%s", err, out)
		}
		taptest.WaitClean(t, ep, p.base, 10*time.Second)
	}
}

// --firehose on a cluster: tracing is a per-node switch, so messages
// published through any node are seen, and tracing is off on every node
// afterwards.
func TestClusterFirehose(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Cluster(t))
	for _, n := range taptest.ClusterNodes {
		node := taptest.NodeEndpoint(t, n)
		node.Vhost, node.AMQP.Vhost = ep.Vhost, ep.Vhost
		ch := taptest.Channel(t, node)
		if _, err := ch.QueueDeclare("celery", true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	p := startJSON(t, ep, "--queue", "celery", "--firehose")
	for _, n := range taptest.ClusterNodes {
		node := taptest.NodeEndpoint(t, n)
		node.Vhost, node.AMQP.Vhost = ep.Vhost, ep.Vhost
		taptest.Publish(t, taptest.Channel(t, node), "", "celery", amqp.Publishing{Body: []byte("via " + n.Name)})
	}
	seen := map[string]bool{}
	for range taptest.ClusterNodes {
		rec := p.readRecord(t)
		seen[rec["body"].(string)] = true
	}
	for _, n := range taptest.ClusterNodes {
		if !seen["via "+n.Name] {
			t.Errorf("nothing published through %s was seen: %v", n.Name, seen)
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	for _, n := range taptest.ClusterNodes {
		out := taptest.RabbitCtl(t, n.Name, "list_vhosts", "name", "tracing")
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == ep.Vhost && f[1] == "true" {
				t.Errorf("tracing still on on %s after shoveltap exited", n.Name)
			}
		}
	}
	taptest.WaitClean(t, ep, p.base, 10*time.Second)
}
