package ui

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// lifeTask is a Celery protocol 2 task message of the lifecycle traffic.
func lifeTask(seq uint64, name, id, args string, retries int) tap.Message {
	return tap.Message{
		Seq: seq, Time: t0.Add(time.Duration(seq) * 100 * time.Millisecond),
		Exchange: "", RoutingKey: "celery", Source: "celery",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id},
		Headers: map[string]any{"task": name, "id": id, "root_id": id, "lang": "py", "retries": int64(retries),
			"argsrepr": args, "kwargsrepr": "{}"},
		Body: []byte(`[[], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`),
	}
}

// lifeEvent is a Celery event on celeryev, stamped by the worker's clock
// 50 ms before the tap sees it.
func lifeEvent(t testing.TB, seq uint64, typ, id, host string, extra map[string]any) tap.Message {
	at := float64(t0.Add(time.Duration(seq)*100*time.Millisecond).UnixMilli())/1000 - 0.05
	ev := map[string]any{"type": typ, "hostname": host, "timestamp": at, "utcoffset": 0, "pid": 1, "clock": seq}
	if id != "" {
		ev["uuid"] = id
	}
	for k, v := range extra {
		ev[k] = v
	}
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{
		Seq: seq, Time: t0.Add(time.Duration(seq) * 100 * time.Millisecond),
		Exchange: "celeryev", RoutingKey: strings.Replace(typ, "-", ".", 1), Source: "celeryev",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"},
		Body:       body,
	}
}

// lifeOslo is an oslo.messaging call or reply in its 2.0 envelope.
func lifeOslo(t testing.TB, seq uint64, exchange, key string, inner map[string]any) tap.Message {
	ib, err := json.Marshal(inner)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"oslo.version": "2.0", "oslo.message": string(ib)})
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{Seq: seq, Time: t0.Add(time.Duration(seq) * 100 * time.Millisecond),
		Exchange: exchange, RoutingKey: key, Source: "openstack",
		Properties: tap.Properties{ContentType: "application/json"}, Body: body}
}

const lifeTraceback = "Traceback (most recent call last):\n  File \"tasks.py\", line 12, in charge\n    raise ValueError(\"card declined\")\nValueError: card declined"

// lifecycleTraffic is a small Celery and oslo deployment: billing tasks
// that succeed, fail and retry on w1 (with -E), a worker w2 without -E
// (heartbeats only), an RPC call answered and one that failed.
func lifecycleTraffic(t testing.TB) []tap.Message {
	w1, w2 := "celery@w1", "celery@w2"
	var ms []tap.Message
	seq := uint64(0)
	next := func() uint64 { seq++; return seq }
	ms = append(ms, lifeEvent(t, next(), "worker-online", "", w1, map[string]any{"freq": 2.0, "active": 0, "processed": 0}))
	for i := 0; i < 4; i++ {
		id := fmt.Sprintf("c0ffee%02d-0000-4000-8000-000000000000", i)
		ms = append(ms, lifeTask(next(), "billing.charge_card", id, fmt.Sprintf("(%d, 'EUR')", 100+i), 0),
			lifeEvent(t, next(), "task-received", id, w1, map[string]any{"name": "billing.charge_card", "args": "(1,)", "kwargs": "{}", "retries": 0}),
			lifeEvent(t, next(), "task-started", id, w1, nil))
		if i == 2 {
			ms = append(ms, lifeEvent(t, next(), "task-failed", id, w1, map[string]any{
				"exception": "ExceptionWithTraceback()", "traceback": lifeTraceback}))
			continue
		}
		ms = append(ms, lifeEvent(t, next(), "task-succeeded", id, w1, map[string]any{
			"result": "'ok'", "runtime": 0.040 + float64(i)*0.01}))
	}
	retry := "feedbead-0000-4000-8000-000000000000"
	ms = append(ms, lifeTask(next(), "mail.send", retry, "('ops@example.com',)", 0),
		lifeEvent(t, next(), "task-received", retry, w1, map[string]any{"name": "mail.send", "retries": 0}),
		lifeEvent(t, next(), "task-started", retry, w1, nil),
		lifeEvent(t, next(), "task-retried", retry, w1, map[string]any{"exception": "ConnectionError('smtp down')"}),
		lifeTask(next(), "mail.send", retry, "('ops@example.com',)", 1),
		lifeTask(next(), "reports.build", "deadbeef-0000-4000-8000-000000000000", "('daily',)", 0),
		lifeEvent(t, next(), "worker-heartbeat", "", w1, map[string]any{"freq": 2.0, "active": 1, "processed": 6}),
		lifeEvent(t, next(), "worker-heartbeat", "", w2, map[string]any{"freq": 2.0, "active": 0, "processed": 12}),
		lifeOslo(t, next(), "openstack", "compute", map[string]any{"method": "get_console", "args": map[string]any{"id": 1}, "_msg_id": "m-1", "_reply_q": "reply_1"}),
		lifeOslo(t, next(), "", "reply_1", map[string]any{"_msg_id": "m-1", "result": "ok", "failure": nil, "ending": true}),
		lifeOslo(t, next(), "openstack", "compute", map[string]any{"method": "resize", "args": map[string]any{"id": 2}, "_msg_id": "m-2", "_reply_q": "reply_1"}),
		lifeOslo(t, next(), "", "reply_1", map[string]any{"_msg_id": "m-2", "result": nil, "failure": "nova.exception.Invalid: no flavor", "ending": true}),
	)
	return ms
}

func lifecycleModel(t *testing.T, w, h int) Model {
	m := newModel(t, w, h, testOptions)
	return update(t, m, batch(lifecycleTraffic(t), running(30)))
}

func TestLifecycleNames(t *testing.T) {
	m := press(t, lifecycleModel(t, 120, 40), "L")
	if m.mode() != keys.ModeLifecycle || !m.lifeOpen {
		t.Fatalf("L did not open the lifecycle view: mode %d", m.mode())
	}
	s := screen(m)
	for _, want := range []string{"[names]", "billing.charge_card", "mail.send", "reports.build", "rpc get_console", "rpc resize"} {
		if !strings.Contains(s, want) {
			t.Errorf("names pane lacks %q:\n%s", want, s)
		}
	}
	row := lineWith(s, "billing.charge_card")
	// seen 4, 0 running, 3 succeeded, 1 failed, runtimes 40–70 ms.
	if f := strings.Fields(row); len(f) < 10 || f[1] != "4" || f[3] != "0" || f[4] != "3" || f[5] != "1" {
		t.Errorf("billing row %q", row)
	}
	// The cursor is on the first row (by name): billing's last failure.
	if !strings.Contains(s, "last failure c0ffee02…: ValueError: card declined on celery@w1") {
		t.Errorf("no last failure line:\n%s", s)
	}
	// o sorts by seen, then rate, running, failed: billing (1 failure)
	// comes before mail.send (0) whatever the name.
	m = press(t, m, "o", "o", "o", "o")
	if !strings.Contains(screen(m), "sort: failed") {
		t.Errorf("o did not cycle to failed:\n%s", screen(m))
	}
	if first := firstRow(screen(m)); !strings.Contains(first, "billing.charge_card") && !strings.Contains(first, "rpc resize") {
		t.Errorf("sorted by failures, first row %q", first)
	}
	// The filter language narrows the names: task:mail*.
	m = press(t, m, "/")
	m = typeText(t, m, "task:mail*")
	m = press(t, m, "enter")
	s = screen(m)
	if !strings.Contains(s, "mail.send") || strings.Contains(s, "billing.charge_card") || strings.Contains(s, "rpc resize") {
		t.Errorf("filter task:mail* shows:\n%s", s)
	}
}

func TestLifecycleTaskAndJumps(t *testing.T) {
	m := press(t, lifecycleModel(t, 120, 40), "L")
	// enter on billing.charge_card lists its tasks, newest first.
	m = press(t, m, "enter")
	s := screen(m)
	if !strings.Contains(s, "[tasks]") || !strings.Contains(s, "billing.charge_card · sort: recent") || strings.Contains(s, "mail.send") {
		t.Fatalf("tasks of billing:\n%s", s)
	}
	// The failed one (c0ffee02) is second newest.
	m = press(t, m, "down", "enter")
	s = screen(m)
	for _, want := range []string{"task c0ffee02…", "state     failed", "worker    celery@w1", "args      (102, 'EUR')",
		"exception ValueError: card declined", "timeline", "received", "started", "traceback", `raise ValueError("card declined")`} {
		if !strings.Contains(s, want) {
			t.Errorf("task lines lack %q:\n%s", want, s)
		}
	}
	if !m.keyState().LifecycleTask {
		t.Error("the task's keys (m, t) are not enabled")
	}
	// t: the trace tree of its message; esc comes back to the task.
	m = press(t, m, "t")
	if !m.traceOpen || m.lifeOpen {
		t.Fatalf("t did not open the trace tree:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if m.traceOpen || !m.lifeOpen || !m.life.showingTask() {
		t.Fatalf("esc from the trace did not come back to the task:\n%s", screen(m))
	}
	// m: the table filtered to its messages.
	m = press(t, m, "m")
	if m.lifeOpen || m.filter.Value() != "id:c0ffee02-0000-4000-8000-000000000000" {
		t.Fatalf("m: lifeOpen %v, filter %q", m.lifeOpen, m.filter.Value())
	}
	if got := len(m.retained.shown); got != 4 { // the message and its three events
		t.Errorf("the table shows %d messages of the task, want 4:\n%s", got, screen(m))
	}
	// L opens the view where it was left; esc goes back level by level
	// (task, tasks of a name, names) and closes it.
	m = press(t, m, "esc", "L")
	if !m.life.showingTask() {
		t.Error("L did not come back to the task")
	}
	m = press(t, m, "esc", "esc", "esc")
	if m.lifeOpen {
		t.Error("esc did not close the view")
	}
}

func TestLifecycleWorkers(t *testing.T) {
	m := press(t, lifecycleModel(t, 120, 40), "L", "tab", "tab")
	s := screen(m)
	w1 := strings.Fields(lineWith(s, "celery@w1"))
	// online, active 1, processed 6 (its heartbeat), 3 succeeded and 1
	// failed as the model saw.
	if len(w1) < 8 || w1[1] != "yes" || w1[2] != "1" || w1[3] != "6" || w1[5] != "3" || w1[6] != "1" {
		t.Errorf("w1 row %q", w1)
	}
	if !strings.Contains(s, "celery@w2 (no -E)") {
		t.Errorf("the worker without -E is not marked:\n%s", s)
	}
	if !strings.Contains(s, "they run without -E") {
		t.Errorf("the note on workers without -E is missing:\n%s", s)
	}
}

func TestLifecycleSaysWhenNothingCame(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(notLifecycle(t), running(12)))
	m = press(t, m, "L")
	if s := screen(m); !strings.Contains(s, "nothing lifecycle-shaped seen yet") {
		t.Errorf("no plain word on an empty model:\n%s", s)
	}
}

// TestLifecycleGolden draws each pane at every screen size.
func TestLifecycleGolden(t *testing.T) {
	screens := []struct {
		name  string
		empty bool
		keys  []string
	}{
		{"lifecycle-empty", true, []string{"L"}},
		{"lifecycle-names", false, []string{"L"}},
		{"lifecycle-tasks", false, []string{"L", "tab"}},
		{"lifecycle-task", false, []string{"L", "enter", "down", "enter"}},
		{"lifecycle-workers", false, []string{"L", "tab", "tab"}},
		{"lifecycle-help", false, []string{"L", "?"}},
	}
	for _, size := range screenSizes {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				goldenScreen(t, size, testOptions, func(tm *teatest.TestModel) {
					if sc.empty {
						tm.Send(batch(notLifecycle(t), running(12)))
					} else {
						tm.Send(batch(lifecycleTraffic(t), running(30)))
					}
					sendKeys(tm, sc.keys...)
				})
			})
		}
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimLeft(l, " ▸")
		}
	}
	return ""
}

// firstRow is the line under the column header.
func firstRow(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "NAME") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

// notLifecycle is the synthetic traffic without its Celery messages.
func notLifecycle(t testing.TB) []tap.Message {
	var out []tap.Message
	for _, m := range messages(1, 12) {
		if len(m.Read().Facts) == 0 {
			out = append(out, m)
		}
	}
	if len(out) < 6 {
		t.Fatalf("only %d messages without lifecycle facts", len(out))
	}
	return out
}

func TestLifecycleOptionOpensTheView(t *testing.T) {
	opts := testOptions
	opts.Lifecycle = true // --celery
	m := newModel(t, 80, 24, opts)
	if !m.lifeOpen || !strings.Contains(screen(m), "nothing lifecycle-shaped seen yet") {
		t.Errorf("Options.Lifecycle did not open the view:\n%s", screen(m))
	}
}

// BenchmarkLifecycleFeed is the UI goroutine's share of lifecycle
// traffic: applying the facts the pipeline read, for 1 000 tasks of four
// messages each (the task message, received, started, succeeded), each
// task new to the model. ns/msg is per message.
func BenchmarkLifecycleFeed(b *testing.B) {
	var traffic []tap.Message
	for i := 0; i < 1000; i++ {
		id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
		seq := uint64(i * 4)
		traffic = append(traffic, lifeTask(seq+1, "bench.task", id, "(1,)", 0),
			lifeEvent(b, seq+2, "task-received", id, "celery@w1", map[string]any{"name": "bench.task"}),
			lifeEvent(b, seq+3, "task-started", id, "celery@w1", nil),
			lifeEvent(b, seq+4, "task-succeeded", id, "celery@w1", map[string]any{"runtime": 0.01}))
	}
	entries := newEntries(traffic)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := newLifecycleView(common.New())
		v.feed(entries)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/msg")
}

// Every column o cycles to has its order, and every order is of a column o
// reaches; only the tasks' "recent" keeps the rows as they come.
func TestLifecycleSortColumnsHaveOrders(t *testing.T) {
	orders := [lifePanes][]string{
		slices.Sorted(maps.Keys(nameOrder)),
		slices.Sorted(maps.Keys(taskOrder)),
		slices.Sorted(maps.Keys(workerOrder)),
	}
	for p := lifePane(0); p < lifePanes; p++ {
		cols := slices.DeleteFunc(slices.Clone(sortColumns[p]), func(c string) bool { return p == paneTasks && c == "recent" })
		slices.Sort(cols)
		if !slices.Equal(cols, orders[p]) {
			t.Errorf("pane %s: columns %q, orders %q", paneTitles[p], cols, orders[p])
		}
	}
}

func TestLifecycleWorkersSort(t *testing.T) {
	before := func(s, a, b string) bool {
		i, j := strings.Index(s, a), strings.Index(s, b)
		return i >= 0 && j >= 0 && i < j
	}
	m := press(t, lifecycleModel(t, 120, 40), "L", "tab", "tab")
	if s := screen(m); !before(s, "celery@w1", "celery@w2") {
		t.Errorf("by host, w1 is not first:\n%s", s)
	}
	// o: by processed, w2's 12 before w1's 6.
	m = press(t, m, "o")
	if s := screen(m); !strings.Contains(s, "sort: processed") || !before(s, "celery@w2", "celery@w1") {
		t.Errorf("by processed, w2 is not first:\n%s", s)
	}
}
