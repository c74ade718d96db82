package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// expectRun is one shoveltap expect process.
type expectRun struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr strings.Builder
	ready  chan string // the tap's base name, once it is watching
	done   chan struct{}
	code   int
}

var watchingLine = regexp.MustCompile(`watching for .* \(tap (\S+)\)`)

// startExpect runs shoveltap expect with args; ready says when the tap is
// watching, so that a test publishes only then.
func startExpect(t *testing.T, ep broker.Endpoint, args ...string) *expectRun {
	t.Helper()
	full := append([]string{"expect", "--url", ep.AMQP.String(), "--api", ep.API}, args...)
	r := &expectRun{cmd: exec.Command(binary, full...), ready: make(chan string, 1), done: make(chan struct{})}
	r.cmd.Stdout = &r.stdout
	r.cmd.Env = append(os.Environ(), "SHOVELTAP_ENV_FILE=/nonexistent")
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stderr.WriteString(line + "\n")
			r.mu.Unlock()
			if m := watchingLine.FindStringSubmatch(line); m != nil {
				r.ready <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
		err := r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		if err != nil && r.code < 0 {
			r.code = -1
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *expectRun) errText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// waitReady returns the tap's base name once it watches.
func (r *expectRun) waitReady(t *testing.T) string {
	t.Helper()
	select {
	case base := <-r.ready:
		return base
	case <-r.done:
		t.Fatalf("expect exited %d before watching:\n%s", r.code, r.errText())
	case <-time.After(60 * time.Second):
		t.Fatalf("expect is not watching after 60 s:\n%s", r.errText())
	}
	return ""
}

// wait returns the exit status.
func (r *expectRun) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(timeout):
		t.Fatalf("expect still runs after %v:\n%s", timeout, r.errText())
	}
	return 0
}

// verdict is the --json output.
func (r *expectRun) verdict(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.stdout.Bytes(), &v); err != nil {
		t.Fatalf("--json output %q: %v", r.stdout.String(), err)
	}
	return v
}

func publishKeys(t *testing.T, ep broker.Endpoint, exchange string, keys ...string) {
	t.Helper()
	ch := taptest.Channel(t, ep)
	for _, k := range keys {
		taptest.Publish(t, ch, exchange, k, amqp.Publishing{ContentType: "application/json", Body: []byte(`{"event":"` + k + `"}`)})
	}
}

func TestExpectPassesOnCount(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := startExpect(t, ep, "--exchange", x, "--match", "rk:order.paid", "--count", "3", "--within", "60s", "--json")
	base := r.waitReady(t)
	start := time.Now()
	publishKeys(t, ep, x, "order.created", "order.paid", "order.paid", "order.shipped", "order.paid")
	if code := r.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, r.errText())
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("took %v: without --forbid it should stop once the count is reached", time.Since(start))
	}
	v := r.verdict(t)
	if v["outcome"] != "met" || v["pass"] != true || v["tap"] != base {
		t.Errorf("verdict %v", v)
	}
	if !strings.Contains(r.errText(), `PASS after`) || !strings.Contains(r.errText(), `"rk:order.paid" 3/3`) {
		t.Errorf("stderr:\n%s", r.errText())
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}

func TestExpectFailsByCount(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := startExpect(t, ep, "--exchange", x, "--match", "rk:order.paid", "--count", "3", "--within", "4s")
	base := r.waitReady(t)
	publishKeys(t, ep, x, "order.paid", "order.created")
	if code := r.wait(t, 30*time.Second); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, r.errText())
	}
	for _, want := range []string{`--match "rk:order.paid": 1 of at least 3`, "matched #", "order.paid", "last messages seen:", "FAIL (timeout)"} {
		if !strings.Contains(r.errText(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.errText())
		}
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}

func TestExpectFailsByForbid(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := startExpect(t, ep, "--exchange", x, "--match", "rk:order.paid", "--forbid", "rk:order.failed", "--within", "60s", "--json")
	base := r.waitReady(t)
	start := time.Now()
	publishKeys(t, ep, x, "order.paid", "order.failed", "order.paid")
	if code := r.wait(t, 30*time.Second); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, r.errText())
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("took %v: a forbidden message should end it at once", time.Since(start))
	}
	for _, want := range []string{`--forbid "rk:order.failed" matched:`, "/order.failed [json]", "FAIL (forbidden)"} {
		if !strings.Contains(r.errText(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.errText())
		}
	}
	if v := r.verdict(t); v["outcome"] != "forbidden" || v["exit"] != float64(1) {
		t.Errorf("verdict %v", v)
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}

func TestExpectTimesOut(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := startExpect(t, ep, "--exchange", x, "--match", "rk:never", "--within", "2s", "--json")
	base := r.waitReady(t)
	if code := r.wait(t, 30*time.Second); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, r.errText())
	}
	v := r.verdict(t)
	if v["outcome"] != "timeout" || v["pass"] != false {
		t.Errorf("verdict %v", v)
	}
	if e, _ := v["elapsed_seconds"].(float64); e < 2 || e > 10 {
		t.Errorf("elapsed %v, want about 2 s", e)
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}

// A broker that does not answer: exit 3, with the reason, and --json says so.
func TestExpectBrokerUnreachable(t *testing.T) {
	ep := taptest.Endpoint(t)
	gone := ep
	gone.AMQP.Host, gone.AMQP.Port = "127.0.0.1", 1
	gone.API = "http://127.0.0.1:1"
	r := startExpect(t, gone, "--exchange", "orders", "--match", "rk:x", "--within", "5s", "--json")
	if code := r.wait(t, 30*time.Second); code != 3 {
		t.Fatalf("exit %d, want 3:\n%s", code, r.errText())
	}
	if !strings.Contains(r.errText(), "the tap could not be made") {
		t.Errorf("stderr:\n%s", r.errText())
	}
	if v := r.verdict(t); v["outcome"] != "no-tap" || v["exit"] != float64(3) || v["error"] == "" {
		t.Errorf("verdict %v", v)
	}
}

func TestExpectUsageErrors(t *testing.T) {
	ep := taptest.Endpoint(t)
	for _, args := range [][]string{
		{"--exchange", "x"}, // nothing to expect
		{"--match", "rk:a"}, // nothing to tap
		{"--exchange", "x", "--match", "a", "--count", "0"}, // bad count
		{"--exchange", "x", "--forbid", "a", "--count", "2"},
		{"--exchange", "x", "--match", "a", "--match", "b", "--count", "1", "--count", "2", "--count", "3"},
		{"--exchange", "x", "--match", "a", "--within", "-1s"},
		{"--exchange", "x", "--match", "a", "stray"},
		{"--no-such-flag"},
	} {
		r := startExpect(t, ep, args...)
		if code := r.wait(t, 30*time.Second); code != 2 {
			t.Errorf("%v: exit %d, want 2:\n%s", args, code, r.errText())
		}
	}
}

// A queue's bindings, and a stream read from its start: expect asserts on
// what already happened.
func TestExpectQueueAndStream(t *testing.T) {
	ep := taptest.Endpoint(t)
	t.Run("queue", func(t *testing.T) {
		x := taptest.Exchange(t, ep, "topic")
		q := taptest.Queue(t, ep, x, "task.#")
		r := startExpect(t, ep, "--queue", q, "--match", "rk:task.done", "--count", "2", "--within", "60s")
		base := r.waitReady(t)
		publishKeys(t, ep, x, "task.done", "other.thing", "task.done")
		if code := r.wait(t, 30*time.Second); code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, r.errText())
		}
		taptest.WaitClean(t, ep, base, 10*time.Second)
	})
	t.Run("stream from first", func(t *testing.T) {
		stream := taptest.Stream(t, ep, nil)
		taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("history", 0, 4))
		r := startExpect(t, ep, "--queue", stream, "--from", "first", "--match", "history", "--count", "4", "--within", "30s")
		base := r.waitReady(t)
		if code := r.wait(t, 40*time.Second); code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, r.errText())
		}
		taptest.WaitClean(t, ep, base, 10*time.Second)
	})
}

// --firehose in a vhost of its own: Celery-style publishes through the
// default exchange, and tracing is off again after.
func TestExpectFirehose(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	q := taptest.Name("celery")
	if _, err := ch.QueueDeclare(q, true, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	r := startExpect(t, ep, "--queue", q, "--firehose", "--match", "rk:"+q, "--count", "2", "--forbid", "poison", "--within", "6s")
	base := r.waitReady(t)
	publishKeys(t, ep, "", q, q)
	if code := r.wait(t, 40*time.Second); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, r.errText())
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if on, err := a.VhostTracing(ctx, ep.Vhost); err != nil || on {
		t.Errorf("tracing still on (%v) after expect: %v", on, err)
	}
}

// The trace: term (the decoders read traceparent once, tap/tracectx):
// expect asserts that one trace's messages came and another's did not.
func TestExpectByTrace(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	r := startExpect(t, ep, "--exchange", x, "--match", "trace:"+id[:12], "--count", "2",
		"--forbid", "trace:11111111111111111111111111111111", "--within", "4s")
	base := r.waitReady(t)
	ch := taptest.Channel(t, ep)
	for i, span := range []string{"00f067aa0ba902b7", "00f067aa0ba902b8", "53995c3f42cd8ad8"} {
		traceID := id
		if i == 2 {
			traceID = "22222222222222222222222222222222"
		}
		taptest.Publish(t, ch, x, "k", amqp.Publishing{Headers: amqp.Table{"traceparent": "00-" + traceID + "-" + span + "-01"}, Body: []byte("x")})
	}
	if code := r.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, r.errText())
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}

// An interrupt while watching: exit 1 ("interrupted"), and the tap is gone.
func TestExpectInterrupted(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := startExpect(t, ep, "--exchange", x, "--match", "rk:never", "--within", "120s")
	base := r.waitReady(t)
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 30*time.Second); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, r.errText())
	}
	if !strings.Contains(r.errText(), "interrupted") {
		t.Errorf("stderr:\n%s", r.errText())
	}
	taptest.WaitClean(t, ep, base, 10*time.Second)
}
