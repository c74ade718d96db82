package e2e

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// scrapeText fetches a /metrics page and parses it with expfmt.
func scrapeText(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: status %d", url, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// counterOf is the value of name's sample whose labels include want.
func counterOf(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestTapMetricsEndToEnd: shoveltap --metrics taps a real exchange; its
// /metrics (parsed with expfmt) and a real Prometheus scraping it show
// the per-key and per-task counts of what was published; the tap is gone
// after.
func TestTapMetricsEndToEnd(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	cmd := exec.Command(binary, "--url", ep.AMQP.String(), "--api", ep.API, "--exchange", x, "--json",
		"--metrics", "127.0.0.1:0", "--metrics-top", "3", "--duration", "120s")
	cmd.Env = append(os.Environ(), "SHOVELTAP_ENV_FILE=/nonexistent")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var said strings.Builder
	urlCh, baseCh := make(chan string, 1), make(chan string, 1)
	exited := make(chan struct{})
	urlRe := regexp.MustCompile(`Prometheus metrics at (http://\S+/metrics)`)
	baseRe := regexp.MustCompile(`tapping \(tap (\S+)\)`)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			said.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
				urlCh <- m[1]
			}
			if m := baseRe.FindStringSubmatch(sc.Text()); m != nil {
				baseCh <- m[1]
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	wait := func(ch chan string, what string) string {
		select {
		case v := <-ch:
			return v
		case <-exited:
		case <-time.After(60 * time.Second):
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %s; shoveltap said:\n%s", what, said.String())
		return ""
	}
	url := wait(urlCh, "metrics address")
	base := wait(baseCh, "tap")

	ch := taptest.Channel(t, ep)
	now := time.Now()
	pub := func(key string, n int, p amqp.Publishing) {
		for range n {
			taptest.Publish(t, ch, x, key, p)
		}
	}
	jsonMsg := amqp.Publishing{ContentType: "application/json", Body: []byte(`{"ok":true}`), Timestamp: now}
	pub("order.paid", 6, jsonMsg)
	pub("order.created", 4, jsonMsg)
	celery := func(task string) amqp.Publishing {
		return amqp.Publishing{ContentType: "application/json", ContentEncoding: "utf-8",
			Headers: amqp.Table{"lang": "py", "task": task, "id": "0b7a3f8e-6c1d-4b8e-9a57-3f1c2d4e5f60"},
			Body:    []byte(`[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)}
	}
	pub("celery", 3, celery("tasks.add"))
	pub("celery", 1, celery("tasks.mul"))

	var fams map[string]*dto.MetricFamily
	taptest.Eventually(t, 30*time.Second, "the metrics to count every message", func() bool {
		fams = scrapeText(t, url)
		return counterOf(fams, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "order.paid"}) == 6 &&
			counterOf(fams, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "celery"}) == 4
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"shoveltap_routing_key_messages_total", map[string]string{"routing_key": "order.created"}, 4},
		{"shoveltap_task_messages_total", map[string]string{"kind": "celery", "name": "tasks.add"}, 3},
		{"shoveltap_task_messages_total", map[string]string{"kind": "celery", "name": "tasks.mul"}, 1},
		{"shoveltap_messages_total", map[string]string{"format": "json"}, 10},
		{"shoveltap_messages_total", map[string]string{"format": "celery"}, 4},
		{"shoveltap_publish_latency_seconds", nil, 10},
		{"shoveltap_tap_up", nil, 1},
	} {
		if got := counterOf(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	target := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
	p := taptest.StartPrometheus(t, target, "")
	p.WaitValue(t, `shoveltap_routing_key_messages_total{routing_key="order.paid"}`, 6)
	p.WaitValue(t, `shoveltap_task_messages_total{kind="celery",name="tasks.add"}`, 3)
	p.WaitValue(t, `sum(shoveltap_routing_key_messages_total)`, 14)

	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("shoveltap did not stop on SIGINT")
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}
