package taprun

import (
	"bytes"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestMetricsScrapedByPrometheus: the --metrics endpoint, bound off
// loopback so that it needs its token, is scraped by a real Prometheus
// server, and the values come back through Prometheus's HTTP API.
func TestMetricsScrapedByPrometheus(t *testing.T) {
	taptest.SkipShort(t)
	c := metrics.New(metrics.Config{TopN: 2})
	var stderr bytes.Buffer
	con := cmdline.Console{Stderr: &stderr, Getenv: func(string) string { return "" }}
	const token = "metrics-test-token-0123456789"
	srv, err := startMetrics(&metricsFlags{addr: "0.0.0.0:0", token: token}, c, con)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	_, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	target := "127.0.0.1:" + port

	// Off loopback without the token: refused.
	resp, err := http.Get("http://" + target + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: status %d, want 401", resp.StatusCode)
	}

	now := time.Now()
	var msgs []tap.Message
	for i := range 7 {
		key := "order.paid"
		if i%3 == 2 {
			key = "order.failed"
		}
		msgs = append(msgs, tap.Message{Source: "orders (#)", RoutingKey: key, Time: now, Body: []byte(`{"n":1}`),
			Properties: tap.Properties{ContentType: "application/json", Timestamp: now.Add(-time.Second)}})
	}
	msgs = append(msgs, tap.Message{Source: "orders (#)", RoutingKey: "order.rare", Time: now, Body: []byte("x")})
	c.Observe(tap.Batch{Messages: msgs, Status: tap.Status{State: tap.StateRunning, Dropped: 4}})

	p := taptest.StartPrometheus(t, target, token)
	p.WaitValue(t, `up{job="shoveltap"}`, 1)
	p.WaitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.paid"}`, 5)
	p.WaitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.failed"}`, 2)
	p.WaitValue(t, `shoveltap_routing_key_messages_total{routing_key="other"}`, 1)
	p.WaitValue(t, `shoveltap_messages_total{format="json"}`, 7)
	p.WaitValue(t, `shoveltap_dropped_total`, 4)
	p.WaitValue(t, `shoveltap_publish_latency_seconds_count`, 7)
	p.WaitValue(t, `shoveltap_tap_up`, 1)
	// Counts that grow are seen growing.
	c.Observe(tap.Batch{Messages: msgs[:1], Status: tap.Status{State: tap.StateRunning, Dropped: 4}})
	p.WaitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.paid"}`, 6)
}
