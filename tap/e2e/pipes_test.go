package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

var webAddress = regexp.MustCompile(`web monitor \(read-only\) at (http://\S+/)`)

// TestFilterIdleTimeoutRedactInAPipe is a script draining a tap: --filter
// prints only matching messages, --redact keeps secrets out of stdout and
// the recording (which gets every message) and the web monitor, and
// --idle-timeout ends the run, cleanly, once nothing more matches.
func TestFilterIdleTimeoutRedactInAPipe(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	record := filepath.Join(t.TempDir(), "rec.jsonl")
	start := time.Now()
	p := startJSON(t, ep, "--exchange", x, "--filter", "rk:order.# -rk:order.ping",
		"--idle-timeout", "3s", "--redact", "--record", record, "--web", "127.0.0.1:0")
	page := webAddress.FindStringSubmatch(p.stderr.String())
	if page == nil {
		t.Fatalf("no web monitor address: %s", p.stderr.String())
	}
	ch := taptest.Channel(t, ep)
	secret := amqp.Publishing{
		ContentType: "application/json",
		Headers:     amqp.Table{"X-Auth-Token": "SECRET-HEADER", "tenant": "eu-1"},
		Body:        []byte(`{"id":1,"token":"SECRET-BODY","credentials":{"user":"u"},"api_key":"SECRET-KEY"}`),
	}
	taptest.Publish(t, ch, x, "order.created", secret)
	taptest.Publish(t, ch, x, "order.ping", amqp.Publishing{Body: []byte("ping")})
	taptest.Publish(t, ch, x, "audit.login", secret)
	taptest.Publish(t, ch, x, "order.paid", amqp.Publishing{ContentType: "application/json", Body: []byte(`{"id":2}`)})
	// Traffic the filter refuses does not keep the run alive.
	stopNoise := make(chan struct{})
	noiseDone := make(chan struct{})
	go func() {
		defer close(noiseDone)
		for {
			select {
			case <-stopNoise:
				return
			case <-time.After(300 * time.Millisecond):
				_ = ch.Publish(x, "order.ping", false, false, amqp.Publishing{Body: []byte("ping")})
			}
		}
	}()
	defer func() { close(stopNoise); <-noiseDone }()

	first, second := p.readRecord(t), p.readRecord(t)
	if first["routing_key"] != "order.created" || second["routing_key"] != "order.paid" {
		t.Errorf("printed %v then %v; want order.created then order.paid", first["routing_key"], second["routing_key"])
	}
	// The web monitor beside JSON lines got the first message redacted
	// too (it takes every message, filtered or not).
	// Its rows are numbered by the page's own ids, and a marker row may
	// come first (a batch the monitor had no room for is skipped, never
	// waited for): find the message by its routing key.
	// The monitor is fed beside JSON lines, not before them: it may get
	// the batch a moment after the line is printed, so look again for a
	// few seconds.
	var detail []byte
	for deadline := time.Now().Add(5 * time.Second); !bytes.Contains(detail, []byte(`"order.created"`)) && time.Now().Before(deadline); {
		for id := 1; id <= 20 && !bytes.Contains(detail, []byte(`"order.created"`)); id++ {
			res, err := http.Get(page[1] + "api/message?id=" + strconv.Itoa(id))
			if err != nil {
				t.Fatal(err)
			}
			detail, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				detail = nil
			}
		}
		if !bytes.Contains(detail, []byte(`"order.created"`)) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !bytes.Contains(detail, []byte(`"order.created"`)) || bytes.Contains(detail, []byte("SECRET")) || !bytes.Contains(detail, []byte("redacted")) {
		t.Errorf("the web monitor's message: %s", detail)
	}
	line, _ := json.Marshal(first)
	if s := string(line); strings.Contains(s, "SECRET") || !strings.Contains(s, "[redacted]") || !strings.Contains(s, "eu-1") {
		t.Errorf("redacted line: %s", s)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit %d; stderr: %s", code, p.stderr.String())
	}
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("ended after %v, before the idle timeout", took)
	}
	if !strings.Contains(p.stderr.String(), "no message matching --filter arrived for 3s (--idle-timeout)") {
		t.Errorf("stderr does not say why it stopped: %s", p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)

	// The recording has every message, the refused ones too, redacted.
	f, err := os.Open(record)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "SECRET") {
			t.Errorf("recorded line holds a secret: %s", sc.Text())
		}
		var rec struct {
			RoutingKey string `json:"routing_key"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rec.RoutingKey)
	}
	if len(keys) < 4 || strings.Join(keys[:4], ",") != "order.created,order.ping,audit.login,order.paid" {
		t.Errorf("recorded %v", keys)
	}
}
