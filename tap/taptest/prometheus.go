package taptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// prometheusPort is the test Prometheus server's own port.
const prometheusPort = 9190

// Prometheus is Debian's prometheus, started for one test with its
// own data directory and scraping targets every second.
type Prometheus struct {
	api string // http://127.0.0.1:9190
}

// StartPrometheus starts prometheus scraping target (HOST:PORT, path
// /metrics) with the bearer token, and stops it when the test ends.
func StartPrometheus(t testing.TB, target, token string) *Prometheus {
	t.Helper()
	SkipShort(t)
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		NeedBroker(t, "prometheus server (apt-get install prometheus)", err)
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
	p := &Prometheus{api: "http://" + addr}
	Eventually(t, 30*time.Second, "prometheus to be ready", func() bool {
		resp, err := http.Get(p.api + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// Value asks Prometheus for the instant value of query; ok is false while
// it has none.
func (p *Prometheus) Value(t testing.TB, query string) (float64, bool) {
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

// WaitValue waits until Prometheus has scraped query at want.
func (p *Prometheus) WaitValue(t testing.TB, query string, want float64) {
	t.Helper()
	var last float64
	var ok bool
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if last, ok = p.Value(t, query); ok && last == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("prometheus has %s = %v (found %v), want %v", query, last, ok, want)
}
