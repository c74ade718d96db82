package lifecycle

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const w1 = "celery@w1"

func TestTaskInOrder(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), taskMsg("billing.charge", "id-1", 0))
	m.Observe(at(0.1), eventMsg(t, event("task-received", "id-1", w1, 0.05,
		map[string]any{"name": "billing.charge", "args": "(2, 3)", "kwargs": "{}", "retries": 0})))
	m.Observe(at(0.2), eventMsg(t, event("task-started", "id-1", w1, 0.15, nil)))
	s := m.Snapshot(at(0.25))
	r := row(t, s, "billing.charge")
	if r.Seen != 1 || r.Running != 1 || r.Succeeded != 0 {
		t.Fatalf("while running: %+v", r)
	}
	if wr := workerRow(t, s, w1); wr.Running != 1 {
		t.Fatalf("worker while running: %+v", wr)
	}
	m.Observe(at(0.5), eventMsg(t, event("task-succeeded", "id-1", w1, 0.45,
		map[string]any{"runtime": 0.3, "result": "5"})))

	tk, ok := m.Task("id-1")
	if !ok {
		t.Fatal("task not kept")
	}
	want := []State{StateSent, StateReceived, StateStarted, StateSucceeded}
	if !reflect.DeepEqual(states(tk), want) || tk.State != StateSucceeded {
		t.Fatalf("steps %v state %v, want %v", states(tk), tk.State, want)
	}
	if tk.Worker != w1 || !tk.HasRuntime || tk.Runtime != 300*time.Millisecond || tk.Result != "5" ||
		tk.Args != "(2, 3)" || tk.Name != "billing.charge" || !tk.HaveMessage || !tk.HaveEvents {
		t.Fatalf("task %+v", tk)
	}
	if got := tk.Steps[1].At; !got.Equal(at(0.05)) {
		t.Errorf("received at %v, want the event's own timestamp %v", got, at(0.05))
	}
	if n := tk.Notes(at(100), m.EventsGrace()); len(n) != 0 {
		t.Errorf("notes for a complete task: %q", n)
	}
	s = m.Snapshot(at(1))
	r = row(t, s, "billing.charge")
	if r.Seen != 1 || r.Running != 0 || r.Succeeded != 1 || r.Failed != 0 || r.Runtime.Count != 1 ||
		r.Runtime.P50 < 297*time.Millisecond || r.Runtime.P50 > 303*time.Millisecond {
		t.Fatalf("after success: %+v", r)
	}
	wr := workerRow(t, s, w1)
	if wr.Running != 0 || wr.Succeeded != 1 || !wr.Online {
		t.Fatalf("worker after success: %+v", wr)
	}
	if len(s.Notes) != 0 {
		t.Errorf("snapshot notes: %q", s.Notes)
	}
}

// Pieces arrive in any order: the succeeded event first, then the message,
// then task-received. Counts are made once each, state never goes back.
func TestTaskOutOfOrder(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), eventMsg(t, event("task-succeeded", "id-2", w1, 1.0, map[string]any{"runtime": 0.5})))
	s := m.Snapshot(at(0.1))
	if len(s.Names) != 0 || s.Unnamed != 0 {
		// A finished task is not in the live list; it has no name yet.
		t.Fatalf("names before any name was told: %+v", s.Names)
	}
	tk, _ := m.Task("id-2")
	if tk.State != StateSucceeded || tk.Name != "" || !contains(tk.Notes(at(1), time.Second), "name unknown") ||
		!contains(tk.Notes(at(1), time.Second), "events without the task message") {
		t.Fatalf("task %+v notes %q", tk, tk.Notes(at(1), time.Second))
	}
	m.Observe(at(0.2), taskMsg("orders.ship", "id-2", 0))
	m.Observe(at(0.3), eventMsg(t, event("task-received", "id-2", w1, 0.2, map[string]any{"name": "orders.ship"})))
	m.Observe(at(0.4), eventMsg(t, event("task-started", "id-2", w1, 0.5, nil)))
	tk, _ = m.Task("id-2")
	if tk.State != StateSucceeded || tk.Name != "orders.ship" {
		t.Fatalf("task %+v", tk)
	}
	want := []State{StateSent, StateReceived, StateStarted, StateSucceeded}
	if got := states(tk); !reflect.DeepEqual(got, want) {
		// The message is stamped with the tap's clock at 0.2 s, the events
		// with the worker's: the timeline sorts by time.
		t.Fatalf("steps %v, want %v", got, want)
	}
	r := row(t, m.Snapshot(at(1)), "orders.ship")
	if r.Seen != 1 || r.Succeeded != 1 || r.Running != 0 || r.Waiting != 0 || r.Received != 0 ||
		r.Runtime.Count != 1 || r.EventsFirst != 1 {
		t.Fatalf("row %+v", r)
	}
	if c := m.Snapshot(at(1)).Counts; c.EventsWithoutMessage != 1 {
		t.Errorf("counts %+v", c)
	}
}

func TestDuplicatesCountOnce(t *testing.T) {
	m := New(Config{})
	msg := taskMsg("a.b", "id-3", 0)
	recv := eventMsg(t, event("task-received", "id-3", w1, 0.1, map[string]any{"name": "a.b"}))
	fail := eventMsg(t, event("task-failed", "id-3", w1, 0.2,
		map[string]any{"exception": "ValueError('x')", "traceback": "Traceback…\nValueError: x\n"}))
	for i := 0; i < 3; i++ {
		m.Observe(at(float64(i)), msg)
		m.Observe(at(float64(i)), recv)
		m.Observe(at(float64(i)), fail)
	}
	s := m.Snapshot(at(5))
	r := row(t, s, "a.b")
	if r.Seen != 1 || r.Failed != 1 || r.LastFailure == nil || r.LastFailure.Exception != "ValueError('x')" {
		t.Fatalf("row %+v", r)
	}
	if s.Counts.Duplicates != 6 {
		// The message seen again (a redelivery, or another source) and the
		// same events again.
		t.Errorf("duplicates %d, want 6", s.Counts.Duplicates)
	}
	tk, _ := m.Task("id-3")
	if tk.State != StateFailed || tk.Exception != "ValueError('x')" || !strings.Contains(tk.Traceback, "ValueError: x") {
		t.Fatalf("task %+v", tk)
	}
	if wr := workerRow(t, s, w1); wr.Failed != 1 {
		t.Errorf("worker %+v", wr)
	}
}

// A task that retries once and then succeeds: one task, one retry, one
// success; the exception of the retry is kept.
func TestRetryThenSuccess(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), taskMsg("flaky", "id-4", 0))
	m.Observe(at(0.1), eventMsg(t, event("task-received", "id-4", w1, 0.1, map[string]any{"name": "flaky", "retries": 0})))
	m.Observe(at(0.2), eventMsg(t, event("task-started", "id-4", w1, 0.2, nil)))
	m.Observe(at(0.3), taskMsg("flaky", "id-4", 1)) // the worker re-sends it before the event
	m.Observe(at(0.31), eventMsg(t, event("task-retried", "id-4", w1, 0.3,
		map[string]any{"exception": "Retry in 1s: OSError('down')", "traceback": "tb"})))
	tk, _ := m.Task("id-4")
	if tk.State != StateSent || tk.Retries != 1 {
		// Attempt 1 was sent: it is waiting again.
		t.Fatalf("after retry: state %v retries %d steps %v", tk.State, tk.Retries, states(tk))
	}
	r := row(t, m.Snapshot(at(0.4)), "flaky")
	if r.Retried != 1 || r.Waiting != 1 || r.Running != 0 {
		t.Fatalf("row after retry %+v", r)
	}
	m.Observe(at(1.3), eventMsg(t, event("task-received", "id-4", w1, 1.3, map[string]any{"name": "flaky", "retries": 1})))
	m.Observe(at(1.4), eventMsg(t, event("task-started", "id-4", w1, 1.4, nil)))
	m.Observe(at(1.5), eventMsg(t, event("task-succeeded", "id-4", w1, 1.5, map[string]any{"runtime": 0.1})))
	tk, _ = m.Task("id-4")
	if tk.State != StateSucceeded || tk.Retries != 1 || tk.Exception != "Retry in 1s: OSError('down')" {
		t.Fatalf("task %+v", tk)
	}
	want := []State{StateSent, StateReceived, StateStarted, StateRetried, StateSent, StateReceived, StateStarted, StateSucceeded}
	if got := states(tk); !reflect.DeepEqual(got, want) {
		t.Fatalf("steps %v want %v", got, want)
	}
	r = row(t, m.Snapshot(at(2)), "flaky")
	if r.Seen != 1 || r.Retried != 1 || r.Succeeded != 1 || r.Waiting+r.Received+r.Running+r.Retrying != 0 {
		t.Fatalf("row %+v", r)
	}
}

func TestRevokedAndRejected(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), taskMsg("slow", "id-5", 0))
	m.Observe(at(1), eventMsg(t, event("task-revoked", "id-5", w1, 1, map[string]any{"terminated": false, "signum": nil, "expired": false})))
	m.Observe(at(0), taskMsg("slow", "id-6", 0))
	m.Observe(at(1), eventMsg(t, event("task-revoked", "id-6", w1, 1, map[string]any{"terminated": true, "signum": 15, "expired": false})))
	m.Observe(at(0), taskMsg("slow", "id-7", 0))
	m.Observe(at(1), eventMsg(t, event("task-rejected", "id-7", w1, 1, map[string]any{"requeue": false})))
	r := row(t, m.Snapshot(at(2)), "slow")
	if r.Revoked != 2 || r.Rejected != 1 || r.Waiting != 0 {
		t.Fatalf("row %+v", r)
	}
	if tk, _ := m.Task("id-6"); tk.State != StateRevoked || tk.Reason != "terminated" {
		t.Errorf("id-6 %+v", tk)
	}
	if tk, _ := m.Task("id-5"); tk.State != StateRevoked || tk.Reason != "" {
		t.Errorf("id-5 %+v", tk)
	}
}

// A worker without -E sends no events: the model says so for the task and
// for the traffic as a whole, after the grace, and never invents a state.
func TestMessageWithoutEvents(t *testing.T) {
	m := New(Config{EventsGrace: 5 * time.Second})
	m.Observe(at(0), taskMsg("quiet", "id-8", 0))
	tk, _ := m.Task("id-8")
	if tk.State != StateSent || len(tk.Notes(at(1), m.EventsGrace())) != 0 {
		t.Fatalf("before the grace: %+v %q", tk, tk.Notes(at(1), m.EventsGrace()))
	}
	if s := m.Snapshot(at(1)); len(s.Notes) != 0 {
		t.Fatalf("notes before the grace: %q", s.Notes)
	}
	if !contains(tk.Notes(at(6), m.EventsGrace()), "message seen, no events: the worker may run without -E") {
		t.Fatalf("notes %q", tk.Notes(at(6), m.EventsGrace()))
	}
	s := m.Snapshot(at(6))
	if s.WithoutEvents != 1 || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "no Celery events") ||
		!strings.Contains(s.Notes[0], "-E") {
		t.Fatalf("snapshot %+v", s)
	}
	// The result of the rpc:// backend tells the end without events.
	m.Observe(at(7), resultMsg(t, "id-8", "SUCCESS", 42))
	tk, _ = m.Task("id-8")
	if tk.State != StateSucceeded || tk.HasRuntime || tk.Result != "42" || !tk.HaveResult ||
		!contains(tk.Notes(at(8), m.EventsGrace()), "result without events") {
		t.Fatalf("after the result %+v %q", tk, tk.Notes(at(8), m.EventsGrace()))
	}
	if r := row(t, m.Snapshot(at(8)), "quiet"); r.Succeeded != 1 || r.Runtime.Count != 0 {
		t.Fatalf("row %+v", r)
	}
}

func TestResultFailure(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), taskMsg("div", "id-9", 0))
	m.Observe(at(1), resultMsg(t, "id-9", "FAILURE",
		map[string]any{"exc_type": "ZeroDivisionError", "exc_message": []any{"division by zero"}, "exc_module": "builtins"}))
	tk, _ := m.Task("id-9")
	if tk.State != StateFailed || tk.Exception != "ZeroDivisionError('division by zero')" {
		t.Fatalf("task %+v", tk)
	}
}

func TestEventBatch(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), eventMsg(t,
		event("task-received", "b-1", w1, 0.1, map[string]any{"name": "batch.t"}),
		event("task-started", "b-1", w1, 0.2, nil),
		event("task-succeeded", "b-1", w1, 0.3, map[string]any{"runtime": 0.1}),
		event("worker-heartbeat", "", w1, 0.3, map[string]any{"freq": 2.0, "active": 0, "processed": 1}),
	))
	tk, _ := m.Task("b-1")
	if tk.State != StateSucceeded || len(tk.Steps) != 3 {
		t.Fatalf("task %+v", tk)
	}
	s := m.Snapshot(at(1))
	if s.Counts.Messages != 1 || s.Counts.TaskEvents != 3 || s.Counts.WorkerEvents != 1 {
		t.Fatalf("counts %+v", s.Counts)
	}
	wr := workerRow(t, s, w1)
	if !wr.HasLoad || wr.Processed != 1 || wr.Freq != 2*time.Second || wr.Heartbeats != 1 {
		t.Fatalf("worker %+v", wr)
	}
}

// Celery's rule: online while the last heartbeat is younger than twice the
// interval, and offline at once on worker-offline.
func TestWorkerHeartbeatRule(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), eventMsg(t, event("worker-online", "", "celery@w2", 0, map[string]any{"freq": 2.0, "sw_ident": "py-celery"})))
	m.Observe(at(2), eventMsg(t, event("worker-heartbeat", "", "celery@w2", 2, map[string]any{"freq": 2.0, "active": 3, "processed": 10})))
	for _, c := range []struct {
		now  float64
		want bool
	}{{2.1, true}, {5.9, true}, {6.0, false}, {60, false}} {
		if got := workerRow(t, m.Snapshot(at(c.now)), "celery@w2").Online; got != c.want {
			t.Errorf("online at %v s = %v, want %v", c.now, got, c.want)
		}
	}
	wr := workerRow(t, m.Snapshot(at(3)), "celery@w2")
	if wr.Active != 3 || wr.Processed != 10 || wr.OnlineAt != at(0) {
		t.Errorf("worker %+v", wr)
	}
	m.Observe(at(3), eventMsg(t, event("worker-offline", "", "celery@w2", 3, nil)))
	if workerRow(t, m.Snapshot(at(3.1)), "celery@w2").Online {
		t.Error("online after worker-offline")
	}
	m.Observe(at(10), eventMsg(t, event("worker-heartbeat", "", "celery@w2", 10, map[string]any{"freq": 2.0})))
	if !workerRow(t, m.Snapshot(at(10.5)), "celery@w2").Online {
		t.Error("offline after a heartbeat that came after worker-offline (restarted)")
	}
}

func TestOsloCalls(t *testing.T) {
	m := New(Config{NoReplyAfter: 30 * time.Second})
	m.Observe(at(0), osloCall(t, "get_instance", "m-1"))
	m.Observe(at(0.25), osloReply(t, "m-1", map[string]any{"id": 1}, ""))
	m.Observe(at(1), osloCall(t, "get_instance", "m-2"))
	m.Observe(at(1.5), osloReply(t, "m-2", nil,
		`{"class": "NotFound", "module": "nova.exception", "message": "Instance 7 could not be found.", "tb": ["x"]}`))
	m.Observe(at(2), osloCall(t, "get_instance", "m-3"))
	m.Observe(at(3), osloCall(t, "reboot", "")) // a cast
	m.Observe(at(4), osloReply(t, "m-9", "orphan", ""))

	s := m.Snapshot(at(10))
	r := methodRow(t, s, "get_instance")
	if r.Calls != 3 || r.Replied != 2 || r.Failed != 1 || r.Pending != 1 || r.NoReply != 0 || r.Latency.Count != 2 {
		t.Fatalf("row %+v", r)
	}
	if r.Latency.Min < 247*time.Millisecond || r.Latency.Max != 500*time.Millisecond {
		t.Errorf("latency %+v", r.Latency)
	}
	if r.LastFailure == nil || r.LastFailure.Exception != "nova.exception.NotFound: Instance 7 could not be found." {
		t.Errorf("last failure %+v", r.LastFailure)
	}
	if c := methodRow(t, s, "reboot"); c.Casts != 1 || c.Calls != 0 || c.Pending != 0 {
		t.Errorf("cast row %+v", c)
	}
	c3, _ := m.Call("m-3")
	if st := c3.Status(at(10), m.NoReplyAfter()); st != "no reply yet" {
		t.Errorf("m-3 at 10 s: %q", st)
	}
	if st := c3.Status(at(40), m.NoReplyAfter()); st != "no reply" {
		t.Errorf("m-3 at 40 s: %q", st)
	}
	if r := methodRow(t, m.Snapshot(at(40)), "get_instance"); r.NoReply != 1 {
		t.Errorf("no reply at 40 s: %+v", r)
	}
	c9, _ := m.Call("m-9")
	if st := c9.Status(at(10), m.NoReplyAfter()); !strings.HasPrefix(st, "reply without the call") {
		t.Errorf("orphan reply: %q", st)
	}
	c2, _ := m.Call("m-2")
	if d, ok := c2.Latency(); !ok || d != 500*time.Millisecond || c2.Status(at(10), 0) != "failed" {
		t.Errorf("m-2 %+v", c2)
	}
}

// The store keeps at most MaxTasks; finished tasks go first, oldest first,
// and the live counters stay right.
func TestEvictionOldestFinishedFirst(t *testing.T) {
	m := New(Config{MaxTasks: 10})
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("e-%d", i)
		m.Observe(at(float64(i)), taskMsg("evict", id, 0))
		if i%2 == 0 {
			m.Observe(at(float64(i)), eventMsg(t, event("task-succeeded", id, w1, float64(i), map[string]any{"runtime": 0.01})))
		}
	}
	// Five finished (0, 2, 4, 6, 8), five waiting. Seven more arrive.
	for i := 10; i < 17; i++ {
		m.Observe(at(float64(i)), taskMsg("evict", fmt.Sprintf("e-%d", i), 0))
	}
	s := m.Snapshot(at(20))
	if s.Tasks != 10 || s.Counts.EvictedFinishedTasks != 5 || s.Counts.EvictedUnfinishedTasks != 2 {
		t.Fatalf("tasks %d counts %+v", s.Tasks, s.Counts)
	}
	for _, gone := range []string{"e-0", "e-2", "e-8", "e-1", "e-3"} {
		if _, ok := m.Task(gone); ok {
			t.Errorf("%s still kept", gone)
		}
	}
	for _, kept := range []string{"e-5", "e-9", "e-16"} {
		if _, ok := m.Task(kept); !ok {
			t.Errorf("%s evicted", kept)
		}
	}
	r := row(t, s, "evict")
	if r.Seen != 17 || r.Succeeded != 5 || r.Waiting != 10 {
		t.Fatalf("row %+v", r)
	}
	if len(s.Notes) == 0 || !strings.Contains(strings.Join(s.Notes, "\n"), "5 finished and 2 unfinished tasks evicted") {
		t.Errorf("notes %q", s.Notes)
	}
}

func TestRate(t *testing.T) {
	m := New(Config{})
	for i := 0; i < 50; i++ {
		m.Observe(at(float64(i)*0.1), taskMsg("r", fmt.Sprintf("r-%d", i), 0))
	}
	// 50 tasks over 5 s: the 10 s window ending at 5.x s holds all of them.
	if r := row(t, m.Snapshot(at(5)), "r"); r.Rate != 5 {
		t.Errorf("rate %v, want 5/s", r.Rate)
	}
	if r := row(t, m.Snapshot(at(30)), "r"); r.Rate != 0 {
		t.Errorf("rate after 25 s idle %v", r.Rate)
	}
}

// Snapshots are deterministic and share nothing with the model.
func TestSnapshotDeterministicAndDetached(t *testing.T) {
	feed := func() *Model {
		m := New(Config{})
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("n%d", i%4)
			id := fmt.Sprintf("d-%d", i)
			m.Observe(at(float64(i)), taskMsg(name, id, 0))
			m.Observe(at(float64(i)), eventMsg(t, event("task-failed", id, fmt.Sprintf("celery@w%d", i%3), float64(i),
				map[string]any{"exception": "E()"})))
		}
		return m
	}
	a, b := feed().Snapshot(at(30)), feed().Snapshot(at(30))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two snapshots of the same traffic differ")
	}
	m := feed()
	s := m.Snapshot(at(30))
	s.Names[0].LastFailure.Exception = "changed"
	if m.Snapshot(at(30)).Names[0].LastFailure.Exception != "E()" {
		t.Fatal("a snapshot shares its last failure with the model")
	}
	tk, _ := m.Task("d-1")
	tk.Steps[0].State = StateRejected
	if tk2, _ := m.Task("d-1"); tk2.Steps[0].State != StateSent {
		t.Fatal("a task copy shares its steps with the model")
	}
}

func TestTasksAndCallsListing(t *testing.T) {
	m := New(Config{})
	for i := 0; i < 5; i++ {
		m.Observe(at(float64(i)), taskMsg("l", fmt.Sprintf("l-%d", i), 0))
	}
	m.Observe(at(6), eventMsg(t, event("task-succeeded", "l-0", w1, 6, nil)))
	got := m.Tasks(3, nil)
	if len(got) != 3 || got[0].ID != "l-1" || got[2].ID != "l-3" {
		t.Fatalf("tasks %v", got)
	}
	done := m.Tasks(0, func(tk *Task) bool { return tk.State.Finished() })
	if len(done) != 1 || done[0].ID != "l-0" {
		t.Fatalf("finished %v", done)
	}
	m.Observe(at(7), osloCall(t, "x", "c-1"))
	if calls := m.Calls(0, nil); len(calls) != 1 || calls[0].Method != "x" {
		t.Fatalf("calls %v", calls)
	}
}

func contains(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

// A worker without -E still sends heartbeats that count what it ran: the
// snapshot names it.
func TestWorkerWithoutTaskEvents(t *testing.T) {
	m := New(Config{})
	m.Observe(at(0), eventMsg(t, event("worker-heartbeat", "", "celery@quiet", 0, map[string]any{"freq": 2.0, "active": 0, "processed": 0})))
	if s := m.Snapshot(at(1)); len(s.Notes) != 0 || s.Workers[0].WithoutTaskEvents() {
		t.Fatalf("an idle worker is not said to lack -E: %q", s.Notes)
	}
	m.Observe(at(2), eventMsg(t, event("worker-heartbeat", "", "celery@quiet", 2, map[string]any{"freq": 2.0, "active": 1, "processed": 4})))
	s := m.Snapshot(at(3))
	if !s.Workers[0].WithoutTaskEvents() || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "celery@quiet: they run without -E") {
		t.Fatalf("notes %q workers %+v", s.Notes, s.Workers)
	}
	m.Observe(at(4), eventMsg(t, event("task-started", "q-1", "celery@quiet", 4, nil)))
	if s := m.Snapshot(at(5)); s.Workers[0].WithoutTaskEvents() || s.Workers[0].TaskEvents != 1 {
		t.Fatalf("after a task event: %+v", s.Workers[0])
	}
}

// Seen with the real worker: the firehose copy of the task message reached
// the tap after the worker's events. The timeline still reads in the order
// of a life; each step keeps its own time.
func TestMessageAfterItsEvents(t *testing.T) {
	m := New(Config{})
	m.Observe(at(1), eventMsg(t, event("task-received", "late", w1, 0.1, map[string]any{"name": "x"})))
	m.Observe(at(1), eventMsg(t, event("task-started", "late", w1, 0.2, nil)))
	m.Observe(at(2), taskMsg("x", "late", 0))
	m.Observe(at(2), eventMsg(t, event("task-succeeded", "late", w1, 0.3, map[string]any{"runtime": 0.1})))
	tk, _ := m.Task("late")
	want := []State{StateSent, StateReceived, StateStarted, StateSucceeded}
	if got := states(tk); !reflect.DeepEqual(got, want) || !tk.Steps[0].At.Equal(at(2)) {
		t.Fatalf("steps %+v, want %v", tk.Steps, want)
	}
}

// A task retried without end keeps its first steps and its latest ones,
// and says the middle was cut.
func TestLongTimelineIsCut(t *testing.T) {
	m := New(Config{})
	for i := 0; i < 20; i++ {
		m.Observe(at(float64(i)), taskMsg("loop", "cut", i))
		m.Observe(at(float64(i)), eventMsg(t, event("task-received", "cut", w1, float64(i), map[string]any{"name": "loop", "retries": i})))
		m.Observe(at(float64(i)), eventMsg(t, event("task-retried", "cut", w1, float64(i)+0.5, map[string]any{"exception": fmt.Sprintf("E(%d)", i)})))
	}
	tk, _ := m.Task("cut")
	if len(tk.Steps) != maxSteps || tk.StepsDropped != 60-maxSteps || tk.Steps[0].State != StateSent ||
		tk.Steps[0].Attempt != 0 || tk.Steps[maxSteps-1].Attempt != 19 || tk.Exception != "E(19)" || tk.Retries != 19 {
		t.Fatalf("%d steps, %d dropped, first %+v last %+v, exception %q", len(tk.Steps), tk.StepsDropped,
			tk.Steps[0], tk.Steps[len(tk.Steps)-1], tk.Exception)
	}
	if !contains(tk.Notes(at(100), time.Second), "timeline cut") {
		t.Errorf("notes %q", tk.Notes(at(100), time.Second))
	}
	if r := row(t, m.Snapshot(at(30)), "loop"); r.Retried != 20 || r.Seen != 1 || r.Retrying != 1 {
		t.Errorf("row %+v", r)
	}
}

func TestRecentListsNewestFirst(t *testing.T) {
	m := New(Config{})
	for i := 0; i < 5; i++ {
		m.Observe(at(float64(i)), taskMsg("l", fmt.Sprintf("l-%d", i), 0))
	}
	m.Observe(at(6), eventMsg(t, event("task-succeeded", "l-1", w1, 6, nil)))
	m.Observe(at(7), eventMsg(t, event("task-succeeded", "l-0", w1, 7, nil)))
	var ids []string
	for _, tk := range m.Recent(0, nil) {
		ids = append(ids, tk.ID)
	}
	if got := strings.Join(ids, " "); got != "l-4 l-3 l-2 l-0 l-1" {
		t.Fatalf("recent %s, want unfinished newest first, then the latest finished", got)
	}
	if got := m.Recent(2, func(tk *Task) bool { return tk.State.Finished() }); len(got) != 2 || got[0].ID != "l-0" {
		t.Fatalf("recent finished %v", got)
	}
}
