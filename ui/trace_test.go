package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// The synthetic workflow: a root task that fanned out to a group of two,
// whose second member called back xsum; a result for the root and one for
// the callback; a task whose parent was never retained; and traffic from
// another workflow in between.
const (
	wfRoot     = "7e57a0b1-5c4d-4e2f-8a9b-0c1d2e3f4a5b"
	wfChild1   = "c0ffee01-1111-4111-8111-111111111111"
	wfChild2   = "c0ffee02-2222-4222-8222-222222222222"
	wfCallback = "ca11bac4-3333-4333-8333-333333333333"
	wfOrphan   = "0a4fa200-4444-4444-8444-444444444444"
	wfGone     = "9011e000-5555-4555-8555-555555555555"
	wfGroup    = "96009000-6666-4666-8666-666666666666"
)

func celeryTaskMessage(seq uint64, name, id, parent, group, args string) tap.Message {
	h := map[string]any{"task": name, "id": id, "root_id": wfRoot, "lang": "py", "retries": int64(0)}
	if parent != "" {
		h["parent_id"] = parent
	}
	if group != "" {
		h["group"] = group
	}
	return tap.Message{
		Seq: seq, Time: t0.Add(time.Duration(seq) * 137 * time.Millisecond),
		Exchange: "celery", RoutingKey: "celery", Source: "celery (#)",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id},
		Headers:    h,
		Body:       []byte(`[` + args + `, {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`),
	}
}

func celeryResultMessage(seq uint64, id, status, result string) tap.Message {
	return tap.Message{
		Seq: seq, Time: t0.Add(time.Duration(seq) * 137 * time.Millisecond),
		Exchange: "celery", RoutingKey: "results", Source: "celery (#)",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id},
		Body: []byte(fmt.Sprintf(`{"task_id": %q, "status": %q, "result": %s, "traceback": null, "children": []}`,
			id, status, result)),
	}
}

// workflow is the synthetic workflow mixed with other traffic, from seq 1.
func workflow() []tap.Message {
	ms := []tap.Message{
		celeryTaskMessage(1, "tasks.fan_out", wfRoot, "", "", "[2]"),
		message(2), // JSON order event
		celeryTaskMessage(3, "tasks.add", wfChild1, wfRoot, wfGroup, "[0, 1]"),
		celeryTaskMessage(4, "tasks.add", wfChild2, wfRoot, wfGroup, "[1, 1]"),
		celeryResultMessage(5, wfRoot, "SUCCESS", "null"),
		message(6), // text log
		celeryTaskMessage(7, "tasks.xsum", wfCallback, wfChild2, "", "[[1, 2]]"),
		celeryResultMessage(8, wfCallback, "SUCCESS", "3"),
		celeryTaskMessage(9, "tasks.audit", wfOrphan, wfGone, "", `["order 1842"]`),
		message(10),
	}
	return ms
}

// traceRows is the trace pane's rows as plain text, without the title.
func traceRows(m Model) []string {
	var out []string
	for _, l := range strings.Split(ansi.Strip(m.trace.View()), "\n")[1:] {
		if l = strings.TrimRight(l, " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestTraceOpensOnlyFromCelery(t *testing.T) {
	m := newModel(t, 120, 40, testOptions)
	m = update(t, m, batch(workflow(), running(10)))
	m = press(t, m, "enter") // #10: binary telemetry
	if m.keyMap().Trace.Enabled() {
		t.Error("t is enabled for a message that is not Celery's")
	}
	m = press(t, m, "t")
	if m.traceOpen {
		t.Fatal("t opened a trace tree for a message that is not Celery's")
	}
	m = press(t, m, "p") // #9: the orphan task
	if !m.keyMap().Trace.Enabled() {
		t.Fatal("t is disabled for a Celery task")
	}
	m = press(t, m, "t")
	if !m.traceOpen || m.mode() != keys.ModeTrace {
		t.Fatal("t did not open the trace tree")
	}
	want := []string{
		"      #1  tasks.fan_out(2)  7e57a0b1… · SUCCESS",
		"      #5  │  = SUCCESS 7e57a0b1… → None",
		"      #3  ├─ tasks.add(0, 1)  c0ffee01…",
		"      #4  └─ tasks.add(1, 1)  c0ffee02…",
		"      #7     └─ tasks.xsum([1, 2])  ca11bac4… · SUCCESS",
		"      #8           = SUCCESS ca11bac4… → 3",
		"▸     #9  tasks.audit('order 1842')  0a4fa200… · parent 9011e000… not retained",
	}
	if got := traceRows(m); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkScreen(t, m)
}

func TestTraceJumps(t *testing.T) {
	m := newModel(t, 120, 40, testOptions)
	m = update(t, m, batch(workflow(), running(10)))
	m = press(t, m, "enter", "p", "t", "g", "enter") // the root task
	if m.traceOpen || !m.detailOpen || m.retained.selectedEntry().msg.Seq != 1 {
		t.Fatalf("enter on the first row: trace %v detail %v selected #%d", m.traceOpen, m.detailOpen, m.retained.selectedEntry().msg.Seq)
	}
	m = press(t, m, "t", "down", "enter") // the root's result
	if got := m.retained.selectedEntry().msg.Seq; got != 5 {
		t.Errorf("enter on the result row opened #%d, want #5", got)
	}
	m = press(t, m, "t")
	if m.trace.cursor != 1 {
		t.Errorf("the tree opened from the result selects row %d, want 1", m.trace.cursor)
	}
	m = press(t, m, "esc")
	if m.traceOpen || !m.detailOpen {
		t.Error("esc goes back to the detail pane")
	}

	// A row hidden by the filter says so instead of opening another one.
	m = press(t, m, "esc", "/")
	m = typeText(t, m, "-task:tasks.add")
	m = press(t, m, "enter", "enter", "p", "t", "g", "down", "down", "enter")
	if !m.traceOpen || !strings.Contains(screen(m), "#3 is hidden by the filter") {
		t.Errorf("jumping to a filtered-out task:\n%s", screen(m))
	}
}

func TestTraceFollowsNewMessages(t *testing.T) {
	m := newModel(t, 120, 40, testOptions)
	m = update(t, m, batch(workflow()[:4], running(4)))
	m = press(t, m, "enter", "t") // opened from #4
	if m.trace.tree.Tasks != 3 {
		t.Fatalf("tasks %d, want 3", m.trace.tree.Tasks)
	}
	m = update(t, m, batch(workflow()[4:], running(10)))
	if m.trace.tree.Tasks != 5 || m.trace.tree.Results != 2 {
		t.Errorf("after more messages: tasks %d results %d, want 5 and 2", m.trace.tree.Tasks, m.trace.tree.Results)
	}
	if sel := m.trace.rows[m.trace.cursor]; sel.Seq() != 4 {
		t.Errorf("the selection moved to #%d, want it to stay on #4", sel.Seq())
	}
}

// TestTraceGolden draws the trace tree at every screen size, opened from
// the callback of the synthetic workflow, and its help.
func TestTraceGolden(t *testing.T) {
	screens := []struct {
		name string
		keys []string
	}{
		{"trace", []string{"enter", "p", "p", "p", "t"}}, // from #7, the callback
		{"trace-help", []string{"enter", "p", "p", "p", "t", "?"}},
	}
	for _, size := range screenSizes {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				goldenScreen(t, size, testOptions, func(tm *teatest.TestModel) {
					tm.Send(batch(workflow(), running(10)))
					sendKeys(tm, sc.keys...)
				})
			})
		}
	}
}

// TestTraceKeyInHelp checks that the help of the detail pane lists t only
// for a Celery message, where it works.
func TestTraceKeyInHelp(t *testing.T) {
	m := newModel(t, 120, 40, testOptions)
	m = update(t, m, batch(workflow(), running(10)))
	m = press(t, m, "enter", "?") // #10: binary telemetry
	if strings.Contains(screen(m), "trace tree") {
		t.Errorf("help of a binary message lists the trace tree:\n%s", screen(m))
	}
	m = press(t, m, "esc", "p", "?") // #9: a Celery task
	if !strings.Contains(screen(m), "trace tree") {
		t.Errorf("help of a Celery task does not list the trace tree:\n%s", screen(m))
	}
}

// The trace view collects Celery messages as they arrive: after batches
// and evictions its items are exactly the retained Celery messages.
func TestTraceItemsFollowTheRingIncrementally(t *testing.T) {
	opts := testOptions
	opts.Retain = 40
	m := newModel(t, 120, 30, opts)
	var tv traceView
	for from := uint64(1); from <= 200; from += 25 {
		m = update(t, m, batch(messages(from, from+24), running(from+24)))
		tv.collect(m.retained)
		var want []uint64
		for i := range m.retained.ring.len() {
			if e := m.retained.ring.at(i); e.r.Shown.Task != nil {
				want = append(want, e.msg.Seq)
			}
		}
		var got []uint64
		for _, it := range tv.items {
			got = append(got, it.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after message %d: items %v, retained Celery messages %v", from+24, got, want)
		}
		if len(want) == 0 {
			t.Fatal("the synthetic traffic has no Celery messages")
		}
	}
}

// TestTraceTitleCounts: the title counts in the singular for one ("1
// task · 1 result") and in the plural otherwise.
func TestTraceTitleCounts(t *testing.T) {
	for _, c := range []struct {
		msgs []tap.Message
		want string
	}{
		{[]tap.Message{celeryTaskMessage(1, "tasks.one", wfRoot, "", "", "[1]")}, "1 task · 0 results"},
		{[]tap.Message{celeryTaskMessage(1, "tasks.one", wfRoot, "", "", "[1]"), celeryResultMessage(2, wfRoot, "SUCCESS", "1")}, "1 task · 1 result"},
		{workflow(), "5 tasks · 2 results"},
	} {
		m := newModel(t, 120, 40, testOptions)
		m = update(t, m, batch(c.msgs, running(uint64(len(c.msgs)))))
		m = press(t, m, "home")
		m = press(t, m, "enter")
		m = press(t, m, "t")
		if !m.traceOpen {
			t.Fatal("t did not open the trace tree")
		}
		title := strings.SplitN(ansi.Strip(m.trace.View()), "\n", 2)[0]
		if !strings.HasSuffix(strings.TrimSpace(title), c.want) {
			t.Errorf("title %q, want it to end in %q", title, c.want)
		}
	}
}
