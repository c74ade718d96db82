package hook

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

func newHook(t *testing.T, cfg formats.HookConfig) (*Hook, *decode.Decoder) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	if len(cfg.ContentTypes) == 0 && len(cfg.Match) == 0 {
		cfg.ContentTypes = []string{"application/x-legacy"}
	}
	h, err := New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, decode.NewDecoder(h)
}

func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	return p
}

func legacy(body string) decode.Input {
	return decode.Input{RoutingKey: "legacy.orders", ContentType: "application/x-legacy", Headers: map[string]any{"kind": []byte("order")}, Body: []byte(body)}
}

func notes(r decode.Result) string { return strings.Join(r.Notes, "\n") }

func fieldOf(r decode.Result, name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func TestPythonHook(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Name: "legacy", Command: []string{python(t), "testdata/legacy.py"}})
	r := d.Summarize(legacy("LEGACY|order_id=42|status=paid"))
	if r.Format != "legacy" || r.Summary != "LEGACY order_id=42 status=paid (call 1)" {
		t.Fatalf("format %q summary %q notes %q", r.Format, r.Summary, r.Notes)
	}
	if fieldOf(r, "Decoder") != "hook legacy" || fieldOf(r, "order_id") != "42" || fieldOf(r, "Routing key") != "legacy.orders" || fieldOf(r, "Header kind") != "order" {
		t.Errorf("fields %v", r.Fields)
	}
	if r.Terms["hook.order_id"] != "42" || r.Terms["hook.status"] != "paid" {
		t.Errorf("terms %v", r.Terms)
	}
	if r.Body.Kind != decode.BodyJSON || !strings.Contains(r.Body.Text, `"order_id": "42"`) {
		t.Errorf("body %v %q", r.Body.Kind, r.Body.Text)
	}
	// The detail pane's Decode of the same message is answered from the
	// cache: the hook counts one call.
	if again := d.Decode(legacy("LEGACY|order_id=42|status=paid")); again.Summary != r.Summary {
		t.Errorf("again: %q", again.Summary)
	}
	if r := d.Decode(legacy("LEGACY|order_id=43")); !strings.Contains(r.Summary, "(call 2)") {
		t.Errorf("second message: %q", r.Summary)
	}
	// An error answer falls back with the reason; the hook keeps running.
	r = d.Decode(legacy("ERR"))
	if r.Format != "text" || !strings.Contains(notes(r), "hook legacy not used: could not decode it: not a legacy record") {
		t.Errorf("error answer: %q %q", r.Format, r.Notes)
	}
	if r := d.Decode(legacy("DECLINE")); r.Format != "text" || len(r.Notes) != 0 {
		t.Errorf("decline: %q %q", r.Format, r.Notes)
	}
	if r := d.Decode(legacy("LEGACY|x=1")); !strings.Contains(r.Summary, "(call 5)") {
		t.Errorf("after error: %q", r.Summary)
	}
	// Messages not bound to it never reach it.
	if r := d.Decode(decode.Input{ContentType: "application/json", Body: []byte(`{"a":1}`)}); r.Format != "json" {
		t.Errorf("unbound: %q", r.Format)
	}
}

func TestShellHook(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{"sh", "testdata/echo.sh"}, Match: []formats.Rule{{RoutingKey: "legacy.#"}}})
	for _, rk := range []string{"legacy.a", "legacy.b.c"} {
		r := d.Decode(decode.Input{RoutingKey: rk, Body: []byte("anything")})
		if r.Format != "hook/test" || r.Summary != "shell saw "+rk || fieldOf(r, "Request bytes") == "" || r.Body.Text != "from sh" {
			t.Errorf("%s: %q %q %v %q", rk, r.Format, r.Summary, r.Fields, r.Notes)
		}
	}
}

// TestHangingHook: a hook that never answers costs its time limit once;
// then it is down and its messages fall back at once until the backoff
// has passed, when it is started again.
func TestHangingHook(t *testing.T) {
	h, d := newHook(t, formats.HookConfig{Command: []string{"sh", "testdata/hang.sh"}, Timeout: 300 * time.Millisecond})
	start := time.Now()
	r := d.Decode(legacy("one"))
	took := time.Since(start)
	if took < 250*time.Millisecond || took > 2*time.Second {
		t.Errorf("first message took %s, want about the 300ms limit", took)
	}
	if r.Format != "text" || !strings.Contains(notes(r), "did not answer within its time limit (300ms)") || !strings.Contains(notes(r), "restarting it in") {
		t.Errorf("hang: %q %q", r.Format, r.Notes)
	}
	start = time.Now()
	r = d.Decode(legacy("two"))
	if time.Since(start) > 100*time.Millisecond || !strings.Contains(notes(r), "did not answer") {
		t.Errorf("while down: took %s, notes %q", time.Since(start), r.Notes)
	}
	time.Sleep(minBackoff + 50*time.Millisecond)
	start = time.Now()
	d.Decode(legacy("three")) // restarted, hangs again
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("not restarted after the backoff: took %s", took)
	}
	h.mu.Lock()
	failures, wait := h.failures, time.Until(h.downUntil)
	h.mu.Unlock()
	if failures != 2 || wait < minBackoff {
		t.Errorf("failures %d, backoff %s: want 2 and a doubled backoff", failures, wait)
	}
}

// TestHangingHookConcurrent: messages arriving while the hook hangs on
// another wait at most their own time limit.
func TestHangingHookConcurrent(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{"sh", "testdata/hang.sh"}, Timeout: 200 * time.Millisecond})
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			r := d.Summarize(legacy("x"))
			if took := time.Since(t0); took > 700*time.Millisecond {
				t.Errorf("a message waited %s, limit 200ms", took)
			}
			if !strings.Contains(notes(r), "hook test not used") {
				t.Errorf("no reason: %q", r.Notes)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > time.Second {
		t.Errorf("8 messages took %s", took)
	}
}

func TestCrashingHook(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{"sh", "testdata/crash.sh"}})
	r := d.Decode(legacy("one"))
	if r.Format != "text" || !strings.Contains(notes(r), "exit status 7") || !strings.Contains(notes(r), "crash.sh: no config, giving up") {
		t.Errorf("crash: %q %q", r.Format, r.Notes)
	}
}

func TestCrashThenRecover(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{python(t), "testdata/legacy.py"}})
	if r := d.Decode(legacy("LEGACY|a=1")); r.Format != "legacy" {
		t.Fatalf("%q %q", r.Format, r.Notes)
	}
	r := d.Decode(legacy("CRASH"))
	if !strings.Contains(notes(r), "exit status 3") || !strings.Contains(notes(r), "crashing on purpose") {
		t.Errorf("crash: %q", r.Notes)
	}
	time.Sleep(minBackoff + 50*time.Millisecond)
	if r := d.Decode(legacy("LEGACY|a=2")); r.Format != "legacy" || !strings.Contains(r.Summary, "(call 1)") {
		t.Errorf("after restart: %q %q %q", r.Format, r.Summary, r.Notes)
	}
}

func TestGarbageHook(t *testing.T) {
	for name, cmd := range map[string][]string{
		"shell":    {"sh", "testdata/garbage.sh"},
		"python":   {python(t), "testdata/legacy.py"},
		"too long": {"sh", "-c", `while read -r l; do head -c 100000 /dev/zero | tr '\0' x; echo; done`},
	} {
		t.Run(name, func(t *testing.T) {
			_, d := newHook(t, formats.HookConfig{Command: cmd, MaxAnswer: 65536})
			r := d.Decode(legacy("GARBAGE"))
			if r.Format != "text" || !strings.Contains(notes(r), "answer breaks the protocol") {
				t.Errorf("%q %q", r.Format, r.Notes)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{"sh", "testdata/echo.sh"}, MaxBody: 16})
	r := d.Decode(legacy(strings.Repeat("x", 17)))
	if r.Format != "text" || !strings.Contains(notes(r), "larger than its max-body 16") {
		t.Errorf("%q %q", r.Format, r.Notes)
	}
	_, d = newHook(t, formats.HookConfig{Command: []string{"/nonexistent/hook"}})
	r = d.Decode(legacy("x"))
	if !strings.Contains(notes(r), "cannot start /nonexistent/hook") {
		t.Errorf("missing program: %q", r.Notes)
	}
	if _, err := New(context.Background(), formats.HookConfig{Command: []string{"x"}, Filter: "rk:a"}, nil); err == nil {
		t.Error("a filter without a compiler was accepted")
	}
	if _, err := New(context.Background(), formats.HookConfig{Command: []string{"x"}}, nil); err == nil {
		t.Error("an unbound hook was accepted")
	}
}

// TestFilterBinding binds a hook by a caller's compiled filter.
func TestFilterBinding(t *testing.T) {
	h, err := New(context.Background(), formats.HookConfig{Name: "f", Command: []string{"sh", "testdata/echo.sh"}, Filter: "exchange:legacy"},
		func(in decode.Input) bool { return in.Exchange == "legacy" })
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	d := decode.NewDecoder(h)
	if r := d.Decode(decode.Input{Exchange: "legacy", RoutingKey: "k", Body: []byte("b")}); r.Summary != "shell saw k" {
		t.Errorf("%q %q", r.Summary, r.Notes)
	}
	if r := d.Decode(decode.Input{Exchange: "other", Body: []byte("b")}); r.Format != "text" {
		t.Errorf("%q", r.Format)
	}
}

// TestMinimalHook runs the example of docs/formats.md.
func TestMinimalHook(t *testing.T) {
	_, d := newHook(t, formats.HookConfig{Command: []string{python(t), "testdata/minimal.py"}})
	r := d.Decode(legacy("id=7;kind=refund"))
	if r.Summary != "record 7" || fieldOf(r, "kind") != "refund" || r.Terms["hook.kind"] != "refund" || r.Body.Kind != decode.BodyJSON {
		t.Errorf("%q %v %v %q", r.Summary, r.Fields, r.Terms, r.Notes)
	}
}

// BenchmarkPythonHook is the round trip of one small message through the
// python hook: what a hook costs the decoding stage per message.
func BenchmarkPythonHook(b *testing.B) {
	p, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("no python3")
	}
	h, err := New(context.Background(), formats.HookConfig{Name: "bench", Command: []string{p, "testdata/legacy.py"}, ContentTypes: []string{"application/x-legacy"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	d := decode.NewDecoder(h)
	i := 0
	for b.Loop() {
		i++ // a new body each time, past the cache
		if r := d.Summarize(legacy(fmt.Sprintf("LEGACY|order_id=%d", i))); r.Format != "legacy" {
			b.Fatal(r.Notes)
		}
	}
}
