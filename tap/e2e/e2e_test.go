// Package e2e tests the shoveltap binary as a user runs it: its command
// line (help, usage errors, completion, docs/usage.md; cli_test.go and the
// cmd_*_test.go files), and against the real broker every command end to
// end: every way of stopping a tap leaves the broker clean, and a crash is
// made harmless by the topology itself.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

var binary string

// TestMain builds shoveltap once for every test here, even under -short:
// the command-line tests (cli_test.go) need no broker. It stops the TLS
// test node after the tests, if one of them started it.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "shoveltap-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "shoveltap")
	build := exec.Command("go", "build", "-o", binary, "github.com/shoveltap/shoveltap")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building shoveltap:", err)
		os.Exit(1)
	}
	code := taptest.RunWithTLSNode(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running shoveltap.
type proc struct {
	orphaned bool // crash left its stopped shovel for a cleanup to remove
	cmd      *exec.Cmd
	stdout   *bufio.Reader
	stderr   *lockedBuffer
	base     string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var tapLine = regexp.MustCompile(`tapping \(tap (shoveltap-[a-z0-9-]+)\)`)

func env(ep broker.Endpoint) []string {
	return append(os.Environ(), broker.EnvPassword+"="+ep.Password)
}

func url(ep broker.Endpoint) string {
	return fmt.Sprintf("amqp://%s@%s/%s", ep.User, ep.Address(), neturl.PathEscape(ep.Vhost))
}

// connArgs are the --url and --api flags naming ep: every node of a
// cluster, and the management API (the test broker's may not be where
// shoveltap would derive it).
func connArgs(ep broker.Endpoint) []string {
	var args []string
	for i := range ep.Nodes() {
		args = append(args, "--url", url(ep.OnNode(i)))
	}
	apis := ep.APIs()
	if len(apis) != len(ep.Nodes()) {
		apis = apis[:1]
	}
	for _, a := range apis {
		args = append(args, "--api", a)
	}
	return args
}

// startJSON runs shoveltap with JSON output and waits until it taps.
func startJSON(t *testing.T, ep broker.Endpoint, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append(connArgs(ep), args...)...)
	cmd.Env = env(ep)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdout: bufio.NewReader(out), stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	taptest.Eventually(t, 20*time.Second, "shoveltap to start tapping", func() bool {
		m := tapLine.FindStringSubmatch(p.stderr.String())
		if m != nil {
			p.base = m[1]
		}
		return m != nil
	})
	return p
}

func (p *proc) readRecord(t *testing.T) map[string]any {
	t.Helper()
	line := make(chan string, 1)
	go func() {
		s, _ := p.stdout.ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		var rec map[string]any
		if err := json.Unmarshal([]byte(s), &rec); err != nil {
			t.Fatalf("output line %q: %v (stderr: %s)", s, err, p.stderr.String())
		}
		return rec
	case <-time.After(10 * time.Second):
		t.Fatalf("no output line within 10s (stderr: %s)", p.stderr.String())
	}
	return nil
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, _ = io.Copy(io.Discard, p.stdout); done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatalf("shoveltap did not exit within 20s (stderr: %s)", p.stderr.String())
	}
	return -1
}

func TestEverySignalRemovesTheTap(t *testing.T) {
	ep := taptest.Endpoint(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			x := taptest.Exchange(t, ep, "topic")
			p := startJSON(t, ep, "--exchange", x, "--key", "order.#")
			if left := taptest.Leftovers(t, ep, p.base); len(left) != 7 {
				t.Fatalf("while tapping expected a shovel, three queues and two exchanges, found %v", left)
			}
			ch := taptest.Channel(t, ep)
			taptest.Publish(t, ch, x, "order.created", amqp.Publishing{ContentType: "application/json", Body: []byte(`{"id":7}`)})
			rec := p.readRecord(t)
			if rec["routing_key"] != "order.created" || rec["body"] != `{"id":7}` || rec["exchange"] != x {
				t.Errorf("record %v", rec)
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t); code != 0 {
				t.Errorf("exit code %d after %s; stderr: %s", code, sig, p.stderr.String())
			}
			taptest.WaitClean(t, ep, p.base, 5*time.Second)
			if !strings.Contains(p.stderr.String(), "removed") {
				t.Errorf("stderr does not say the tap was removed: %s", p.stderr.String())
			}
		})
	}
}

func TestCountStopsAndCleansUp(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "fanout")
	p := startJSON(t, ep, "--exchange", x, "--count", "3")
	ch := taptest.Channel(t, ep)
	for i := range 5 {
		taptest.Publish(t, ch, x, "", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	for i := range 3 {
		if rec := p.readRecord(t); rec["body"] != fmt.Sprint(i) {
			t.Errorf("record %d: %v", i, rec)
		}
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit code %d; stderr: %s", code, p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
}

func TestDurationStopsAndCleansUp(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "fanout")
	start := time.Now()
	p := startJSON(t, ep, "--exchange", x, "--duration", "2s")
	if code := p.wait(t); code != 0 {
		t.Errorf("exit code %d; stderr: %s", code, p.stderr.String())
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("exited after %s, before --duration 2s", took)
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
}

// After kill -9 nothing runs shoveltap's cleanup: the topology must stop
// copying production messages on its own, `cleanup` must remove the leftover
// definition while leaving a live tap alone, and the next start sweeps too.
func TestKill9IsHarmlessAndCleanupRemovesOnlyOrphans(t *testing.T) {
	testtier.Slow(t, "waits out a killed tap's queues expiring (about 20 s)")
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	prod := taptest.Queue(t, ep, x, "#")
	live := startJSON(t, ep, "--exchange", x)
	p := crash(t, ep, x)

	ch := taptest.Channel(t, ep)
	for range 20 {
		taptest.Publish(t, ch, x, "a.b", amqp.Publishing{Body: []byte("x")})
	}
	taptest.Eventually(t, 5*time.Second, "production to get every message", func() bool {
		return taptest.QueueDepth(t, ch, prod) == 20
	})
	// Another shoveltap starting on this broker meanwhile (another test
	// run) may already have swept the orphan; CI runs alone, so there the
	// cleanup steps below always run.
	if left := taptest.Leftovers(t, ep, p.base); len(left) == 1 {
		out, err := runCmd(ep, "cleanup")
		if err != nil || !strings.Contains(out, p.base) || !strings.Contains(out, "Dry run") || strings.Contains(out, live.base) {
			t.Errorf("cleanup without --yes: %v\n%s", err, out)
		}
		if left := taptest.Leftovers(t, ep, p.base); len(left) != 1 {
			t.Fatalf("the dry run removed something: %v", left)
		}
		out, err = runCmd(ep, "cleanup", "--yes")
		if err != nil {
			t.Fatalf("cleanup: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Removed "+p.base) || strings.Contains(out, live.base) {
			t.Errorf("cleanup --yes output:\n%s", out)
		}
	} else {
		t.Logf("the orphan was swept by another shoveltap before cleanup ran: %v", left)
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
	if left := taptest.Leftovers(t, ep, live.base); len(left) != 7 {
		t.Fatalf("the live tap lost objects: %v", left)
	}
	for range 20 { // what the live tap saw so far
		live.readRecord(t)
	}
	taptest.Publish(t, ch, x, "still.live", amqp.Publishing{Body: []byte("live")})
	if rec := live.readRecord(t); rec["body"] != "live" {
		t.Errorf("live tap after cleanup: %v", rec)
	}
	_ = live.cmd.Process.Signal(syscall.SIGTERM)
	live.wait(t)
	taptest.WaitClean(t, ep, live.base, 5*time.Second)

	// The next start removes leftovers by itself.
	p2 := crash(t, ep, x)
	next := startJSON(t, ep, "--exchange", x)
	if p2.orphaned && !strings.Contains(next.stderr.String(), "removed "+p2.base) {
		t.Errorf("the next start did not report sweeping %s: %s", p2.base, next.stderr.String())
	}
	taptest.WaitClean(t, ep, p2.base, 5*time.Second)
	_ = next.cmd.Process.Signal(syscall.SIGINT)
	next.wait(t)
	taptest.WaitClean(t, ep, next.base, 5*time.Second)
}

// crash starts a tap with a short expiry, kills it with SIGKILL and waits
// until only its stopped shovel definition is left.
func crash(t *testing.T, ep broker.Endpoint, x string) *proc {
	t.Helper()
	p := startJSON(t, ep, "--exchange", x, "--expires", "2s")
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.wait(t)
	// No production traffic at all: the heartbeats still queued expire into
	// the source queue, the shovel's publishes of them fail (the tap's
	// exchange went with its connection) and the shovel stops; its queues
	// then have no consumer and expire.
	rh := taptest.Admin(t, ep)
	var left []string
	defer func() {
		if t.Failed() {
			t.Logf("left of the crashed tap: %v", left)
		}
	}()
	taptest.Eventually(t, 30*time.Second, "nothing of the crashed tap to route messages", func() bool {
		bs, err := rh.ListExchangeBindingsWithSource(ep.Vhost, x)
		if err != nil {
			return false
		}
		for _, b := range bs {
			if strings.HasPrefix(b.Destination, p.base) {
				return false
			}
		}
		// Its stopped shovel definition stays until a cleanup; another
		// shoveltap starting on this broker meanwhile may sweep it first.
		left = taptest.Leftovers(t, ep, p.base)
		return len(left) == 0 || (len(left) == 1 && strings.HasPrefix(left[0], "shovel "))
	})
	p.orphaned = len(left) == 1
	return p
}

func runCmd(ep broker.Endpoint, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append(args, connArgs(ep)...)...)
	cmd.Env = env(ep)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The TUI in a real pseudo-terminal: messages show up, q removes the tap.
func TestQuitFromTheTUIRemovesTheTap(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	u := startTUI(t, ep, "--exchange", x)

	// Other taps may run on this broker: ours is the one bound to x.
	base := tapBoundTo(t, ep, x)
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "order.visible", amqp.Publishing{ContentType: "text/plain", Body: []byte("hello from the tap")})
	taptest.Eventually(t, 10*time.Second, "the message on screen", func() bool {
		return strings.Contains(u.screen.String(), "order.visible")
	})
	u.press(t, "q")
	u.waitExit(t, "q")
	taptest.WaitClean(t, ep, base, 5*time.Second)
}

// A --firehose tap killed with SIGKILL leaves tracing on; cleanup says so
// and, confirmed, turns it off.
func TestCleanupTurnsOffTheFirehoseOfACrashedTap(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	if _, err := ch.QueueDeclare("celery", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	p := startJSON(t, ep, "--queue", "celery", "--firehose", "--expires", "2s")
	if !strings.Contains(p.stderr.String(), "turning on the firehose") {
		t.Errorf("no warning before turning the firehose on: %s", p.stderr.String())
	}
	taptest.Publish(t, ch, "", "celery", amqp.Publishing{Body: []byte("task")})
	if rec := p.readRecord(t); rec["routing_key"] != "celery" || rec["exchange"] != "" {
		t.Errorf("record %v", rec)
	}
	_ = p.cmd.Process.Kill()
	p.wait(t)
	rh := taptest.Admin(t, ep)
	tracingOn := func() bool { v, err := rh.GetVhost(ep.Vhost); return err == nil && v.Tracing }
	if !tracingOn() {
		t.Fatal("tracing is off right after the crash: nothing to test")
	}
	out, err := runCmd(ep, "cleanup")
	if err != nil || !strings.Contains(out, "turned on by a shoveltap that is gone") || !tracingOn() {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = runCmd(ep, "cleanup", "--yes")
	if err != nil || !strings.Contains(out, "Turned the firehose (tracing) off") {
		t.Fatalf("cleanup --yes: %v\n%s", err, out)
	}
	if tracingOn() {
		t.Error("tracing still on after cleanup --yes")
	}
	taptest.WaitClean(t, ep, p.base, 10*time.Second)
}

// --tap-url: the tap lives on a second broker. After kill -9 both brokers
// are left with nothing that routes or grows; cleanup removes the stopped
// shovel from the tapped broker.
func TestTapURLKill9LeavesBothBrokersClean(t *testing.T) {
	testtier.Slow(t, "waits out a killed tap's queues expiring on two brokers")
	ep := taptest.Endpoint(t)
	other := taptest.BareEndpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	p := startJSON(t, ep, "--exchange", x, "--tap-url", "amqp://guest@"+other.Address()+"/", "--tap-api", other.API, "--expires", "2s")
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "a", amqp.Publishing{Body: []byte("across")})
	if rec := p.readRecord(t); rec["body"] != "across" {
		t.Errorf("record %v", rec)
	}
	if left := taptest.Leftovers(t, other, p.base); len(left) != 2 {
		t.Errorf("the tap broker holds %v", left)
	}
	_ = p.cmd.Process.Kill()
	p.wait(t)
	taptest.WaitClean(t, other, p.base, 10*time.Second)
	taptest.Eventually(t, 30*time.Second, "the tapped broker to keep only the stopped shovel", func() bool {
		left := taptest.Leftovers(t, ep, p.base)
		return len(left) == 0 || (len(left) == 1 && strings.HasPrefix(left[0], "shovel "))
	})
	if out, err := runCmd(ep, "cleanup", "--yes"); err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out)
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
}

// orphanWindow kills a tap of x with SIGKILL and returns how long its
// source queue kept receiving copies of x's messages: until no binding of
// x leads to anything of the tap. With traffic set, x receives a message
// every 50 ms meanwhile.
func orphanWindow(t *testing.T, ep broker.Endpoint, x string, traffic bool) (*proc, time.Duration) {
	t.Helper()
	return orphanWindowAfter(t, ep, x, traffic, 0)
}

// orphanWindowAfter is orphanWindow with more shoveltap flags, killing it
// after it ran for settle.
func orphanWindowAfter(t *testing.T, ep broker.Endpoint, x string, traffic bool, settle time.Duration, args ...string) (*proc, time.Duration) {
	t.Helper()
	p := startJSON(t, ep, append([]string{"--exchange", x}, args...)...)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if traffic {
		ch := taptest.Channel(t, ep)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					_ = ch.Publish(x, "k", false, false, amqp.Publishing{Body: []byte("traffic")})
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(settle)
	killed := time.Now()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.wait(t)
	rh := taptest.Admin(t, ep)
	taptest.Eventually(t, 60*time.Second, "nothing of the killed tap bound to "+x, func() bool {
		bs, err := rh.ListExchangeBindingsWithSource(ep.Vhost, x)
		if err != nil {
			return false
		}
		for _, b := range bs {
			if strings.HasPrefix(b.Destination, p.base) {
				return false
			}
		}
		return true
	})
	return p, time.Since(killed)
}

// After kill -9 nothing of the tap receives production copies for more
// than 10 s, traffic or no traffic; cleanup then removes the stopped
// shovel's definition.
func TestKill9OrphanWindowIsShort(t *testing.T) {
	ep := taptest.Endpoint(t)
	for _, traffic := range []bool{false, true} {
		t.Run(fmt.Sprintf("traffic=%v", traffic), func(t *testing.T) {
			x := taptest.Exchange(t, ep, "topic")
			p, window := orphanWindow(t, ep, x, traffic)
			t.Logf("copies stopped %s after kill -9", window.Round(100*time.Millisecond))
			if window > 10*time.Second {
				t.Errorf("the killed tap's source queue received copies for %s (at most 10 s)", window)
			}
			if out, err := runCmd(ep, "cleanup", "--yes"); err != nil {
				t.Fatalf("cleanup: %v\n%s", err, out)
			}
			taptest.WaitClean(t, ep, p.base, 10*time.Second)
		})
	}
}

// The --max-rate duty cycle keeps the dead-man's switch: killed while it
// samples (bindings away or back), the tap stops receiving copies within
// the same 10 s, and cleanup removes what is left.
func TestKill9WhileSamplingOrphanWindowIsShort(t *testing.T) {
	testtier.Slow(t, "the orphan window again, under --max-rate")
	ep := taptest.Endpoint(t)
	for _, settle := range []time.Duration{0, 1300 * time.Millisecond, 2700 * time.Millisecond} {
		t.Run(fmt.Sprintf("killed after %s", settle), func(t *testing.T) {
			x := taptest.Exchange(t, ep, "topic")
			// Traffic at 20/s over a budget of 5/s: a short window
			// about every second, the bindings away in between.
			p, window := orphanWindowAfter(t, ep, x, true, settle, "--max-rate", "5")
			t.Logf("copies stopped %s after kill -9", window.Round(100*time.Millisecond))
			if window > 10*time.Second {
				t.Errorf("the killed tap's source queue received copies for %s (at most 10 s)", window)
			}
			if out, err := runCmd(ep, "cleanup", "--yes"); err != nil {
				t.Fatalf("cleanup: %v\n%s", err, out)
			}
			taptest.WaitClean(t, ep, p.base, 10*time.Second)
		})
	}
}
