package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// prometheusPort is the test Prometheus server's own port.
const prometheusPort = 9190

// prometheusServer is Debian's prometheus, started for one test with its
// own data directory and scraping targets every second.
type prometheusServer struct {
	api string // http://127.0.0.1:9190
}

// startPrometheus starts prometheus scraping target (HOST:PORT, path
// /metrics) with the bearer token, and stops it when the test ends.
func startPrometheus(t *testing.T, target, token string) *prometheusServer {
	t.Helper()
	taptest.SkipShort(t)
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		taptest.NeedBroker(t, "prometheus server (apt-get install prometheus)", err)
	}
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	auth := ""
	if token != "" {
		auth = fmt.Sprintf("\n    authorization:\n      credentials_file: %s", tokenFile)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: shoveltap
    scrape_interval: 1s
    scrape_timeout: 1s%s
    static_configs:
      - targets: ['%s']
`, auth, target)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", prometheusPort)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting prometheus: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("prometheus said:\n%s", logs.String())
		}
	})
	p := &prometheusServer{api: "http://" + addr}
	taptest.Eventually(t, 30*time.Second, "prometheus to be ready", func() bool {
		resp, err := http.Get(p.api + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// value asks Prometheus for the instant value of query; ok is false while
// it has none.
func (p *prometheusServer) value(t *testing.T, query string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(p.api + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatalf("querying prometheus: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Status != "success" {
		t.Fatalf("prometheus answered %s: %v", body, err)
	}
	if len(out.Data.Result) != 1 {
		return 0, false
	}
	s, _ := out.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// waitValue waits until Prometheus has scraped query at want.
func (p *prometheusServer) waitValue(t *testing.T, query string, want float64) {
	t.Helper()
	var last float64
	var ok bool
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if last, ok = p.value(t, query); ok && last == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("prometheus has %s = %v (found %v), want %v", query, last, ok, want)
}

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

	p := startPrometheus(t, target, token)
	p.waitValue(t, `up{job="shoveltap"}`, 1)
	p.waitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.paid"}`, 5)
	p.waitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.failed"}`, 2)
	p.waitValue(t, `shoveltap_routing_key_messages_total{routing_key="other"}`, 1)
	p.waitValue(t, `shoveltap_messages_total{format="json"}`, 7)
	p.waitValue(t, `shoveltap_dropped_total`, 4)
	p.waitValue(t, `shoveltap_publish_latency_seconds_count`, 7)
	p.waitValue(t, `shoveltap_tap_up`, 1)
	// Counts that grow are seen growing.
	c.Observe(tap.Batch{Messages: msgs[:1], Status: tap.Status{State: tap.StateRunning, Dropped: 4}})
	p.waitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.paid"}`, 6)
}
