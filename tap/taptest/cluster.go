package taptest

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// ClusterNode is one node of the test cluster started by scripts/cluster.sh.
type ClusterNode struct {
	Name string // Erlang node name, for rabbitmqctl -n
	URL  string
	API  string
}

// ClusterNodes are the three nodes scripts/cluster.sh starts.
var ClusterNodes = []ClusterNode{
	{Name: "c1@localhost", URL: "amqp://guest:guest@127.0.0.1:5681/", API: "http://127.0.0.1:15681"},
	{Name: "c2@localhost", URL: "amqp://guest:guest@127.0.0.1:5682/", API: "http://127.0.0.1:15682"},
	{Name: "c3@localhost", URL: "amqp://guest:guest@127.0.0.1:5683/", API: "http://127.0.0.1:15683"},
}

// Cluster returns an endpoint naming every node of the test cluster (the
// first preferred). Cluster tests run only when SHOVELTAP_TEST_CLUSTER is
// set (CI sets it after scripts/cluster.sh start); with it set, a cluster
// that does not answer is a failure in CI and a skip elsewhere.
func Cluster(t testing.TB) broker.Endpoint {
	t.Helper()
	SkipShort(t)
	if os.Getenv("SHOVELTAP_TEST_CLUSTER") == "" {
		t.Skip("cluster test: run scripts/cluster.sh start and set SHOVELTAP_TEST_CLUSTER=1")
	}
	var urls, apis []string
	for _, n := range ClusterNodes {
		urls, apis = append(urls, n.URL), append(apis, n.API)
		c, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(n.URL, "amqp://guest:guest@"), "/"), 2*time.Second)
		if err != nil {
			NeedBroker(t, "cluster node "+n.Name+" (scripts/cluster.sh start)", err)
		}
		c.Close()
	}
	ep, err := broker.ResolveCluster(urls, apis, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// NodeEndpoint is the endpoint of one cluster node alone.
func NodeEndpoint(t testing.TB, n ClusterNode) broker.Endpoint {
	t.Helper()
	ep, err := broker.ResolveEndpoint(n.URL, n.API, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// RabbitCtl runs rabbitmqctl against a node and fails the test on error.
func RabbitCtl(t testing.TB, node string, args ...string) string {
	t.Helper()
	cmd := exec.Command("rabbitmqctl", append([]string{"-q", "-n", node}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl -n %s %s: %v\n%s", node, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// RestartNode stops a node's RabbitMQ application for down, starts it
// again and waits until it runs; the node's Erlang VM stays up, as in
// a rolling restart.
func RestartNode(t testing.TB, node string, down time.Duration) {
	t.Helper()
	RabbitCtl(t, node, "stop_app")
	time.Sleep(down)
	RabbitCtl(t, node, "start_app")
	RabbitCtl(t, node, "await_startup")
	t.Logf("restarted %s after %s down", node, down)
}

// RabbitPlugins enables or disables plugins on one node, online.
func RabbitPlugins(t testing.TB, node, verb string, plugins ...string) {
	t.Helper()
	cmd := exec.Command("rabbitmq-plugins", append([]string{"-q", "-n", node, verb}, plugins...)...)
	// scripts/node.sh keeps each node's plugin list in its data directory.
	name, _, _ := strings.Cut(node, "@")
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin",
		"RABBITMQ_ENABLED_PLUGINS_FILE=/tmp/shoveltap-nodes/"+name+"/enabled_plugins")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rabbitmq-plugins -n %s %s %s: %v\n%s", node, verb, strings.Join(plugins, " "), err, out)
	}
}
