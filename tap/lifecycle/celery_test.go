package lifecycle_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// sentIDs is what scripts/lifecycle_e2e/send_lifecycle.py prints.
type sentIDs struct {
	Add     []string `json:"add"`
	Fail    []string `json:"fail"`
	Flaky   []string `json:"flaky"`
	Revoked []string `json:"revoked"`
}

// workerRun is one line the worker's own clock wrote (lifetasks.py).
type workerRun struct {
	ID      string  `json:"id"`
	State   string  `json:"state"`
	Runtime float64 `json:"runtime"`
}

// celeryRig is a vhost of its own with a Celery worker on one queue.
type celeryRig struct {
	ep       broker.Endpoint
	queue    string
	exchange string // "" for Celery's default route (the default exchange)
	env      []string
	scripts  string
	records  string
	log      *lockedBuffer
}

func newCeleryRig(t *testing.T, exchange bool) *celeryRig {
	t.Helper()
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	taptest.NeedTransientQueues(t, ep, "Celery 5.2's worker (its remote-control pidbox queue) and rpc:// results")
	scripts, err := filepath.Abs("../../scripts/lifecycle_e2e")
	if err != nil {
		t.Fatal(err)
	}
	r := &celeryRig{ep: ep, queue: taptest.Name("lc-q"), scripts: scripts,
		records: filepath.Join(t.TempDir(), "runs"), log: &lockedBuffer{}}
	if exchange {
		r.exchange = taptest.Name("lc-x")
	}
	r.env = append(os.Environ(),
		"CELERY_BROKER_URL="+fmt.Sprintf("amqp://%s:%s@%s/%s", ep.User, ep.Password, ep.Address(), ep.Vhost),
		"LC_QUEUE="+r.queue, "LC_EXCHANGE="+r.exchange, "LC_RECORD_FILE="+r.records,
		"PYTHONPATH="+scripts, "PYTHONDONTWRITEBYTECODE=1")

	// Declare what Celery declares, as Celery does (durable topic
	// exchanges), so that the taps can bind before the worker starts.
	ch := taptest.Channel(t, ep)
	for _, x := range []string{"celeryev", r.exchange} {
		if x == "" {
			continue
		}
		if err := ch.ExchangeDeclare(x, "topic", true, false, false, false, nil); err != nil {
			t.Fatalf("declaring %s: %v", x, err)
		}
	}
	if _, err := ch.QueueDeclare(r.queue, true, false, false, false, nil); err != nil {
		t.Fatalf("declaring %s: %v", r.queue, err)
	}
	if r.exchange != "" {
		if err := ch.QueueBind(r.queue, "lc.#", r.exchange, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// startWorker starts a solo worker on the rig's queue, with events (-E)
// or without, and waits for it to consume.
func (r *celeryRig) startWorker(t *testing.T, name string, events bool) {
	t.Helper()
	args := []string{"-m", "celery", "-A", "lifetasks", "worker", "--pool=solo", "--without-mingle",
		"--without-gossip", "-l", "warning", "-n", name + "@lifecycle-test", "-Q", r.queue}
	if events {
		args = append(args, "-E")
	}
	w := exec.Command(systemPython, args...)
	w.Dir, w.Env = r.scripts, r.env
	w.Stdout, w.Stderr = r.log, r.log
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = w.Process.Signal(syscall.SIGTERM)
		_ = w.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", r.log.String())
		}
	})
	taptest.Eventually(t, 30*time.Second, "the Celery worker to consume from "+r.queue, func() bool {
		n, ok := taptest.Consumers(t, r.ep, r.queue)
		return ok && n > 0
	})
}

// send runs the sender and returns the ids it sent.
func (r *celeryRig) send(t *testing.T, n int, revoke bool) sentIDs {
	t.Helper()
	args := []string{filepath.Join(r.scripts, "send_lifecycle.py"), fmt.Sprint(n)}
	if revoke {
		args = append(args, "revoke")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, args...)
	cmd.Dir, cmd.Env = r.scripts, r.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sending tasks: %v\n%s", err, out)
	}
	var ids sentIDs
	if err := json.Unmarshal(out, &ids); err != nil {
		t.Fatalf("sender printed %q: %v", out, err)
	}
	return ids
}

// runs reads what the worker's own clock wrote.
func (r *celeryRig) runs(t *testing.T) map[string]workerRun {
	t.Helper()
	f, err := os.Open(r.records)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]workerRun{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w workerRun
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			t.Fatalf("worker record %q: %v", sc.Text(), err)
		}
		out[w.ID] = w
	}
	return out
}

// taps opens the taps a live view would: the task traffic (the firehose on
// the queue for Celery's default route, the exchange otherwise) and
// celeryev. Exchange taps bind straight to the exchange (--no-shovel): the
// model does not care how the copies came, and the test then runs on any
// node with the management API.
func (r *celeryRig) taps(t *testing.T, f *feed, host string) {
	t.Helper()
	if r.exchange == "" {
		f.open(t, tap.Config{Endpoint: r.ep, Sources: []tap.Source{{Queue: r.queue}}, Firehose: true,
			Host: host + "-fh", Warn: func(string) {}})
	} else {
		f.open(t, tap.Config{Endpoint: r.ep, Sources: []tap.Source{{Exchange: r.exchange, Key: tap.AllKeys}}, NoShovel: true, Host: host + "-x"})
	}
	f.open(t, tap.Config{Endpoint: r.ep, Sources: []tap.Source{{Exchange: "celeryev", Key: tap.AllKeys}}, NoShovel: true, Host: host + "-ev"})
}

// A real worker with -E runs tasks that succeed, fail, retry and are
// revoked; the model, fed with the tapped task messages and events, shows
// every state, the worker's runtime, the exception and the counts — for
// Celery's default route (through the firehose) and a named exchange.
func TestRealCeleryLifecycles(t *testing.T) {
	requirePython(t, "celery", "python3-celery")
	for _, named := range []bool{false, true} {
		label := "default exchange"
		if named {
			label = "named exchange"
		}
		t.Run(label, func(t *testing.T) {
			r := newCeleryRig(t, named)
			f := newFeed()
			r.taps(t, f, fmt.Sprintf("it-lc%d", map[bool]int{false: 0, true: 1}[named]))
			r.startWorker(t, "lc", true)
			const n = 5
			ids := r.send(t, n, true)
			m := lifecycle.New(lifecycle.Config{})
			all := append(append(append(append([]string{}, ids.Add...), ids.Fail...), ids.Flaky...), ids.Revoked...)
			f.until(t, m, 60*time.Second, "every task to finish", func() bool {
				for _, id := range all {
					if tk, ok := m.Task(id); !ok || !tk.State.Finished() {
						return false
					}
				}
				return true
			})
			// Heartbeats come every 2 s: take a few more seconds of traffic.
			f.drain(m, 3*time.Second)
			checkCeleryModel(t, m, r, ids)
		})
	}
}

func checkCeleryModel(t *testing.T, m *lifecycle.Model, r *celeryRig, ids sentIDs) {
	t.Helper()
	const worker = "lc@lifecycle-test"
	runs := r.runs(t)
	for _, id := range ids.Add {
		tk, _ := m.Task(id)
		want := []lifecycle.State{lifecycle.StateSent, lifecycle.StateReceived, lifecycle.StateStarted, lifecycle.StateSucceeded}
		if got := stepStates(tk); !equalStates(got, want) || tk.State != lifecycle.StateSucceeded {
			t.Errorf("add %s: steps %v, want %v", id, got, want)
		}
		if tk.Name != "lc.add" || tk.Worker != worker || !tk.HaveMessage || !tk.HaveEvents || tk.Result == "" {
			t.Errorf("add %s: %+v", id, tk)
		}
		// The runtime is the worker's own: task-succeeded's figure, close
		// to what the worker's clock measured around the task (prerun to
		// postrun), and at least the 50 ms the task sleeps.
		own, ok := runs[id]
		if !tk.HasRuntime || !ok || tk.Runtime < 50*time.Millisecond ||
			math.Abs(tk.Runtime.Seconds()-own.Runtime) > 0.05 {
			t.Errorf("add %s: runtime %v (has %v), the worker measured %+v", id, tk.Runtime, tk.HasRuntime, own)
		}
		if notes := tk.Notes(time.Now(), m.EventsGrace()); len(notes) != 0 {
			t.Errorf("add %s: notes %q", id, notes)
		}
		for _, s := range tk.Steps[1:] {
			if s.Origin != lifecycle.FromEvent || s.Worker != worker {
				t.Errorf("add %s: step %+v", id, s)
			}
		}
	}
	for i, id := range ids.Fail {
		tk, _ := m.Task(id)
		// Celery 5.2 on Python 3.11 sends billiard's wrapper as the
		// exception; decode.Facts takes the real one from the traceback.
		want := fmt.Sprintf("ValueError('boom %d')", i)
		if tk.Exception == fmt.Sprintf("ValueError: boom %d", i) {
			want = tk.Exception
		}
		if tk.State != lifecycle.StateFailed || tk.Exception != want || !strings.Contains(tk.Traceback, "ValueError: boom") ||
			!strings.Contains(tk.Traceback, "Traceback") {
			t.Errorf("fail %s: state %v exception %q (want %q) traceback %q", id, tk.State, tk.Exception, want, tk.Traceback)
		}
	}
	for i, id := range ids.Flaky {
		tk, _ := m.Task(id)
		want := []lifecycle.State{lifecycle.StateSent, lifecycle.StateReceived, lifecycle.StateStarted, lifecycle.StateRetried,
			lifecycle.StateSent, lifecycle.StateReceived, lifecycle.StateStarted, lifecycle.StateSucceeded}
		if got := stepStates(tk); !equalStates(got, want) || tk.Retries != 1 || tk.State != lifecycle.StateSucceeded ||
			!strings.Contains(tk.Exception, fmt.Sprintf("down %d", i)) {
			t.Errorf("flaky %s: steps %v (want %v) retries %d exception %q", id, got, want, tk.Retries, tk.Exception)
		}
	}
	for _, id := range ids.Revoked {
		tk, _ := m.Task(id)
		if tk.State != lifecycle.StateRevoked || tk.Name != "lc.slow" || tk.HasRuntime {
			t.Errorf("revoked %s: %+v steps %v", id, tk, stepStates(tk))
		}
	}

	s := m.Snapshot(time.Now())
	rows := map[string]lifecycle.NameRow{}
	for _, r := range s.Names {
		rows[r.Name] = r
	}
	n := uint64(len(ids.Add))
	if r := rows["lc.add"]; r.Seen != n || r.Succeeded != n || r.Failed != 0 || r.Running != 0 || r.Runtime.Count != n ||
		r.Runtime.P50 < 50*time.Millisecond {
		t.Errorf("lc.add row %+v", r)
	}
	if r := rows["lc.fail"]; r.Seen != n || r.Failed != n || r.Succeeded != 0 || r.LastFailure == nil ||
		!strings.HasPrefix(r.LastFailure.Exception, "ValueError") || !strings.Contains(r.LastFailure.Exception, "boom") {
		t.Errorf("lc.fail row %+v", r)
	}
	if r := rows["lc.flaky"]; r.Seen != 2 || r.Retried != 2 || r.Succeeded != 2 || r.Failed != 0 {
		t.Errorf("lc.flaky row %+v", r)
	}
	if r := rows["lc.slow"]; r.Seen != 1 || r.Revoked != 1 {
		t.Errorf("lc.slow row %+v", r)
	}
	if len(s.Workers) != 1 {
		t.Fatalf("workers %+v", s.Workers)
	}
	w := s.Workers[0]
	if w.Hostname != worker || !w.Online || w.Heartbeats == 0 || w.Freq != 2*time.Second || !w.HasLoad ||
		w.Succeeded != n+2 || w.Failed != n || w.Running != 0 || w.TaskEvents == 0 || w.WithoutTaskEvents() {
		t.Errorf("worker %+v", w)
	}
	// Its own count of processed tasks: every task it ran (the flaky ones
	// twice, the revoked one not at all), as its last heartbeat said.
	if w.Processed < int64(2*n) {
		t.Errorf("worker processed %d", w.Processed)
	}
	if w.OnlineAt.IsZero() {
		t.Errorf("worker-online not seen: %+v", w)
	}
	if len(s.Notes) != 0 || s.WithoutEvents != 0 {
		t.Errorf("notes %q counts %+v", s.Notes, s.Counts)
	}
	if s.Counts.TaskMessages < n*2+4+1 {
		t.Errorf("counts %+v", s.Counts)
	}
}

// A worker without -E runs the tasks but sends no task events: the model
// shows the tasks as sent, says for each that no events came and why that
// may be, and the snapshot names the worker (its heartbeats still come)
// and says it for the traffic as a whole.
func TestRealCeleryWorkerWithoutEvents(t *testing.T) {
	requirePython(t, "celery", "python3-celery")
	r := newCeleryRig(t, true)
	f := newFeed()
	r.taps(t, f, "it-lcne")
	r.startWorker(t, "quiet", false)
	ids := r.send(t, 3, false)
	grace := 2 * time.Second
	m := lifecycle.New(lifecycle.Config{EventsGrace: grace})
	f.until(t, m, 30*time.Second, "the task messages", func() bool {
		return m.Snapshot(time.Now()).Counts.TaskMessages >= uint64(len(ids.Add)+len(ids.Fail)+len(ids.Flaky))
	})
	// The worker runs them all (the flaky ones twice): its own records say so.
	taptest.Eventually(t, 30*time.Second, "the worker to run every task", func() bool {
		return len(r.runs(t)) == len(ids.Add)+len(ids.Fail)+len(ids.Flaky)
	})
	f.drain(m, grace+time.Second)
	now := time.Now()
	for _, id := range append(append([]string{}, ids.Add...), ids.Fail...) {
		tk, _ := m.Task(id)
		if tk.State != lifecycle.StateSent || tk.HaveEvents || tk.HasRuntime || tk.Worker != "" {
			t.Errorf("%s: %+v", id, tk)
		}
		if notes := tk.Notes(now, grace); len(notes) != 1 || !strings.Contains(notes[0], "without -E") {
			t.Errorf("%s: notes %q", id, notes)
		}
	}
	s := m.Snapshot(now)
	// Such a worker still sends worker-online and heartbeats, whose
	// processed count shows it runs tasks: the model names it.
	if s.Counts.TaskEvents != 0 || len(s.Workers) != 1 || !s.Workers[0].WithoutTaskEvents() || len(s.Notes) != 2 ||
		!strings.Contains(s.Notes[0], "quiet@lifecycle-test: they run without -E") ||
		!strings.Contains(s.Notes[1], "no Celery events") || !strings.Contains(s.Notes[1], "enable_events") {
		t.Errorf("snapshot notes %q counts %+v workers %+v", s.Notes, s.Counts, s.Workers)
	}
	for _, row := range s.Names {
		if row.Succeeded+row.Failed != 0 || row.Waiting == 0 {
			t.Errorf("row %+v: no state may be guessed", row)
		}
	}
}

func stepStates(tk lifecycle.Task) []lifecycle.State {
	var out []lifecycle.State
	for _, s := range tk.Steps {
		out = append(out, s.State)
	}
	return out
}

func equalStates(a, b []lifecycle.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// With the rpc:// backend each result goes back to the client's reply queue
// through the default exchange, its correlation_id the task id: tapped
// with the firehose on that queue, the results join their tasks beside the
// events, and agree with them.
func TestRealCeleryRPCResults(t *testing.T) {
	requirePython(t, "celery", "python3-celery")
	r := newCeleryRig(t, true)
	r.env = append(r.env, "LC_BACKEND=rpc://")
	f := newFeed()
	r.taps(t, f, "it-lcrpc")
	r.startWorker(t, "rpc", true)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, filepath.Join(r.scripts, "send_results.py"), "3")
	cmd.Dir, cmd.Env, cmd.Stderr = r.scripts, r.env, r.log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	out := bufio.NewReader(stdout)
	var hello struct {
		ReplyQ string `json:"reply_q"`
	}
	if line := readLine(t, out, 60*time.Second); json.Unmarshal([]byte(line), &hello) != nil || hello.ReplyQ == "" {
		t.Fatalf("sender said %q", line)
	}
	f.open(t, tap.Config{Endpoint: r.ep, Sources: []tap.Source{{Queue: hello.ReplyQ}}, Firehose: true,
		Host: "it-lcrpc-fh", Warn: func(string) {}})
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	var states map[string]string
	if line := readLine(t, out, 60*time.Second); json.Unmarshal([]byte(line), &states) != nil || len(states) != 6 {
		t.Fatalf("sender reported %q", line)
	}
	m := lifecycle.New(lifecycle.Config{})
	f.until(t, m, 30*time.Second, "every result and event", func() bool {
		for id := range states {
			if tk, ok := m.Task(id); !ok || !tk.HaveResult || !tk.HaveEvents || !tk.State.Finished() {
				return false
			}
		}
		return true
	})
	for id, st := range states {
		tk, _ := m.Task(id)
		want := map[string]lifecycle.State{"SUCCESS": lifecycle.StateSucceeded, "FAILURE": lifecycle.StateFailed}[st]
		if tk.State != want || !tk.HaveMessage {
			t.Errorf("%s: the client got %s, the model says %v: %+v", id, st, tk.State, tk)
		}
		results := 0
		for _, s := range tk.Steps {
			if s.Origin == lifecycle.FromResult {
				results++
				if s.State != want {
					t.Errorf("%s: result step %+v", id, s)
				}
			}
		}
		if results != 1 {
			t.Errorf("%s: %d result steps in %+v", id, results, tk.Steps)
		}
		if st == "FAILURE" && !strings.Contains(tk.Exception, "boom") {
			t.Errorf("%s: exception %q", id, tk.Exception)
		}
	}
	s := m.Snapshot(time.Now())
	if s.Counts.Results != 6 {
		t.Errorf("counts %+v", s.Counts)
	}
	for _, row := range s.Names {
		// lc.add counts the sender's warm-up task too.
		if row.Seen != 3+map[bool]uint64{true: 1}[row.Name == "lc.add"] || row.Succeeded+row.Failed != row.Seen {
			t.Errorf("row %+v: a task with a result and events is counted once", row)
		}
	}
}
