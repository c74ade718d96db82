package taprun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// syncBuffer is a bytes.Buffer for a writer and a reader on two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCeleryLifecycleLinesEndToEnd: shoveltap --celery --json
// --lifecycle against a real Celery worker started with -E, in a vhost of
// its own, with Celery's default route (the default exchange, so the
// firehose): one line per finished task, with the worker, the runtime of
// the successes and the exception of the failures.
func TestCeleryLifecycleLinesEndToEnd(t *testing.T) {
	taptest.SkipShort(t)
	const python = "/usr/bin/python3" // Debian's, with python3-celery
	if err := exec.Command(python, "-c", "import celery").Run(); err != nil {
		taptest.NeedBroker(t, "celery for "+python+" (apt-get install python3-celery)", err)
	}
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	taptest.NeedTransientQueues(t, ep, "Celery 5.2's worker (its remote-control pidbox queue)")
	queue := taptest.Name("lcv-q")
	ch := taptest.Channel(t, ep)
	// What Celery declares, declared first so that the tap can bind.
	if err := ch.ExchangeDeclare("celeryev", "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Abs("../../scripts/lifecycle_e2e")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"CELERY_BROKER_URL="+fmt.Sprintf("amqp://%s:%s@%s/%s", ep.User, ep.Password, ep.Address(), ep.Vhost),
		"LC_QUEUE="+queue, "LC_EXCHANGE=", "PYTHONPATH="+scripts, "PYTHONDONTWRITEBYTECODE=1")

	// The tap first: --count is every outcome (2 lc.add, 2 lc.fail, 2
	// lc.flaky that retry once and succeed).
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	con := cmdline.Console{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	code := make(chan int, 1)
	go func() {
		code <- runTap(ctx, []string{"--url", ep.AMQP.String(), "--api", ep.API, "--celery", "--queue", queue,
			"--json", "--count", "6", "--duration", "100s"}, con)
	}()
	started := time.Now()
	for !strings.Contains(stderr.String(), "one line per finished task") {
		if time.Since(started) > 60*time.Second {
			t.Fatalf("the tap did not start:\n%s", stderr.String())
		}
		select {
		case c := <-code:
			t.Fatalf("exit %d before tapping:\n%s", c, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}

	worker := exec.Command(python, "-m", "celery", "-A", "lifetasks", "worker", "--pool=solo", "--without-mingle",
		"--without-gossip", "-l", "warning", "-n", "lcviews@lifecycle-test", "-Q", queue, "-E")
	worker.Dir, worker.Env = scripts, env
	var wlog syncBuffer
	worker.Stdout, worker.Stderr = &wlog, &wlog
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = worker.Process.Signal(syscall.SIGTERM)
		_ = worker.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", wlog.String())
		}
	}()
	taptest.Eventually(t, 30*time.Second, "the worker to consume", func() bool {
		n, ok := taptest.Consumers(t, ep, queue)
		return ok && n > 0
	})
	send := exec.CommandContext(ctx, python, filepath.Join(scripts, "send_lifecycle.py"), "2")
	send.Dir, send.Env = scripts, env
	out, err := send.Output()
	if err != nil {
		t.Fatalf("sending: %v\n%s", err, out)
	}
	var ids struct{ Add, Fail, Flaky []string }
	if err := json.Unmarshal(out, &ids); err != nil {
		t.Fatalf("sender printed %q: %v", out, err)
	}

	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d\nstderr: %s", c, stderr.String())
		}
	case <-time.After(110 * time.Second):
		t.Fatalf("no exit\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	byID := map[string]jsonl.Outcome{}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var o jsonl.Outcome
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		byID[o.ID] = o
	}
	for _, id := range append(ids.Add, ids.Flaky...) {
		o, ok := byID[id]
		if !ok || o.State != "succeeded" || o.Worker != "celery@lcviews@lifecycle-test" && !strings.HasPrefix(o.Worker, "lcviews@") ||
			o.Runtime == nil || *o.Runtime <= 0 {
			t.Errorf("task %s: %+v (runtime %v)", id, o, o.Runtime)
		}
	}
	for _, id := range ids.Flaky {
		if o := byID[id]; o.Retries != 1 || !strings.Contains(strings.Join(states(o), " "), "retried") {
			t.Errorf("flaky %s: retries %d, steps %v", id, o.Retries, states(o))
		}
	}
	for i, id := range ids.Fail {
		o := byID[id]
		if o.State != "failed" || o.Exception != fmt.Sprintf("ValueError: boom %d", i) || !strings.Contains(o.Traceback, "boom") {
			t.Errorf("failed task %s: state %q exception %q", id, o.State, o.Exception)
		}
	}
	if !strings.Contains(stderr.String(), "tap ") || len(byID) != 6 {
		t.Errorf("%d tasks\nstderr: %s", len(byID), stderr.String())
	}
}

func states(o jsonl.Outcome) []string {
	var s []string
	for _, st := range o.Steps {
		s = append(s, st.State)
	}
	return s
}

// runTap runs the tap as shoveltap does with args: the flags parsed and
// checked, then Run (the command line itself: tap/e2e).
func runTap(ctx context.Context, args []string, con cmdline.Console) int {
	var o Options
	fs := pflag.NewFlagSet("shoveltap", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		return cmdline.UsageFail(con, "shoveltap", err)
	}
	if err := o.ExpandCelery(); err != nil {
		return cmdline.UsageFail(con, "shoveltap", err)
	}
	if err := o.Check(fs.Args()); err != nil {
		return cmdline.UsageFail(con, "shoveltap", err)
	}
	return Run(ctx, &o, con)
}
