package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// lifePane is one of the lifecycle view's panes.
type lifePane int

const (
	paneNames   lifePane = iota // per task name and per oslo method
	paneTasks                   // tasks, newest first; enter shows one
	paneWorkers                 // per worker
	lifePanes
)

var paneTitles = [lifePanes]string{"names", "tasks", "workers"}

// The columns each pane sorts by, cycled by o. The first is the default.
var sortColumns = [lifePanes][]string{
	{"name", "seen", "rate", "running", "failed", "retried", "p95", "p99"},
	{"recent", "state", "name", "runtime", "worker"},
	{"host", "processed", "active", "failed"},
}

// The order of each sort column of a pane. A column without one keeps the
// order the rows come in: the tasks' "recent", as Recent lists them.
var (
	nameOrder = map[string]func(a, b *nameLine) bool{
		"name":    func(a, b *nameLine) bool { return a.name < b.name },
		"seen":    func(a, b *nameLine) bool { return a.seen > b.seen },
		"rate":    func(a, b *nameLine) bool { return a.rate > b.rate },
		"running": func(a, b *nameLine) bool { return a.running > b.running },
		"failed":  func(a, b *nameLine) bool { return a.failed > b.failed },
		"retried": func(a, b *nameLine) bool { return a.retried > b.retried },
		"p95":     func(a, b *nameLine) bool { return a.q.P95 > b.q.P95 },
		"p99":     func(a, b *nameLine) bool { return a.q.P99 > b.q.P99 },
	}
	taskOrder = map[string]func(a, b *lifecycle.Task) bool{
		"state":   func(a, b *lifecycle.Task) bool { return a.State < b.State },
		"name":    func(a, b *lifecycle.Task) bool { return a.Name < b.Name },
		"runtime": func(a, b *lifecycle.Task) bool { return a.Runtime > b.Runtime },
		"worker":  func(a, b *lifecycle.Task) bool { return a.Worker < b.Worker },
	}
	workerOrder = map[string]func(a, b *lifecycle.WorkerRow) bool{
		"host":      func(a, b *lifecycle.WorkerRow) bool { return a.Hostname < b.Hostname },
		"processed": func(a, b *lifecycle.WorkerRow) bool { return a.Processed > b.Processed },
		"active":    func(a, b *lifecycle.WorkerRow) bool { return a.Active > b.Active },
		"failed":    func(a, b *lifecycle.WorkerRow) bool { return a.Failed > b.Failed },
	}
)

// sortRows orders a pane's rows stably by the column col, as order says.
func sortRows[T any](rows []T, col string, order map[string]func(a, b *T) bool) {
	less, ok := order[col]
	if !ok {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(&rows[i], &rows[j]) })
}

// maxTaskRows bounds the tasks pane: the newest tasks, not all 50 000.
const maxTaskRows = 500

// lifecycleView is the task lifecycle view (issue 24), drawn in place of
// the table: the lifecycle model's aggregates per task name and oslo
// method, its tasks (one task's timeline on enter) and its workers. The
// root feeds the model with the facts the pipeline's read stage decoded
// (Reading.Facts), so the UI goroutine only applies them.
type lifecycleView struct {
	com      common.Common
	keyState keys.State
	model    *lifecycle.Model

	pane   lifePane
	sortBy [lifePanes]int
	cursor [lifePanes]int
	top    [lifePanes]int
	// ofName narrows the tasks pane to one task name (enter on a name).
	ofName string
	// task is the id of the task shown whole in the tasks pane; "" for
	// the list. taskTop is how far its lines are scrolled.
	task    string
	taskTop int
	note    string // what the last jump could not do

	// Prepared by refresh for View.
	now     time.Time
	matcher filter.Matcher
	snap    lifecycle.Snapshot
	names   []nameLine
	tasks   []lifecycle.Task
	workers []lifecycle.WorkerRow
	lines   []string // the shown task's lines
}

var _ common.Component = (*lifecycleView)(nil)

// nameLine is one row of the names pane: a Celery task name or an oslo
// RPC method, whose durations are runtimes or reply latencies.
type nameLine struct {
	rpc     bool
	name    string
	seen    uint64
	rate    float64
	running int // tasks started and not finished; calls waiting for a reply
	ok      uint64
	failed  uint64
	retried uint64
	q       lifecycle.Quantiles
	last    *lifecycle.Failure
}

func newLifecycleView(com common.Common) lifecycleView {
	return lifecycleView{com: com, model: lifecycle.New(lifecycle.Config{})}
}

// feed applies the facts the pipeline read (Reading.Facts).
func (v *lifecycleView) feed(entries []*entry) {
	for _, e := range entries {
		for _, f := range e.r.Facts {
			v.model.Apply(e.msg.Time, f)
		}
	}
}

// SetSize sets the body's size.
func (v *lifecycleView) SetSize(width, height int) { v.com.SetSize(width, height) }

// ShortHelp lists the keys of the view for the help line.
func (v lifecycleView) ShortHelp() []key.Binding {
	k := v.com.Keys.For(keys.ModeLifecycle, v.keyState)
	if v.keyState.LifecycleTask {
		return []key.Binding{k.Close, k.Messages, k.Trace, k.Down, k.Help, k.Quit}
	}
	return []key.Binding{k.NextPane, k.Open, k.Sort, k.Filter, k.Close, k.Help, k.Quit}
}

// FullHelp lists every key of the view.
func (v lifecycleView) FullHelp() [][]key.Binding {
	k := v.com.Keys.For(keys.ModeLifecycle, v.keyState)
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextPane, k.PrevPane, k.Open, k.Close, k.Sort, k.Filter},
		{k.Messages, k.Trace, k.Pause, k.Help, k.Quit},
	}
}

// showingTask says whether one task's lines are shown.
func (v *lifecycleView) showingTask() bool { return v.pane == paneTasks && v.task != "" }

// refresh prepares the rows of the pane on display as of now, filtered.
func (v *lifecycleView) refresh(now time.Time, m filter.Matcher) {
	v.now, v.matcher = now, m
	v.snap = v.model.Snapshot(now)
	switch v.pane {
	case paneNames:
		v.names = v.nameLines()
	case paneTasks:
		if v.task != "" {
			v.lines = v.taskLines()
			return
		}
		v.tasks = v.taskRows()
	case paneWorkers:
		v.workers = v.workerRows()
	}
	v.clamp()
}

func (v *lifecycleView) rowCount() int {
	switch v.pane {
	case paneNames:
		return len(v.names)
	case paneTasks:
		if v.task != "" {
			return len(v.lines)
		}
		return len(v.tasks)
	}
	return len(v.workers)
}

// visible is how many rows fit under the pane's title, header and the
// two lines below (the selected row's last failure or notes).
func (v *lifecycleView) visible() int { return max(1, v.com.Height-4) }

func (v *lifecycleView) clamp() {
	p := v.pane
	n := v.rowCount()
	v.cursor[p] = max(0, min(v.cursor[p], n-1))
	rows := v.visible()
	if v.cursor[p] < v.top[p] {
		v.top[p] = v.cursor[p]
	}
	if v.cursor[p] >= v.top[p]+rows {
		v.top[p] = v.cursor[p] - rows + 1
	}
	v.top[p] = max(0, min(v.top[p], n-rows))
}

func (v *lifecycleView) move(delta int) {
	if v.showingTask() {
		v.taskTop = max(0, min(v.taskTop+delta, len(v.lines)-v.visible()))
		return
	}
	v.cursor[v.pane] += delta
	v.clamp()
}

func (v *lifecycleView) switchPane(delta int) {
	v.pane = (v.pane + lifePane(delta) + lifePanes) % lifePanes
	v.note = ""
}

// sortColumn is the column the pane p is sorted by.
func (v *lifecycleView) sortColumn(p lifePane) string { return sortColumns[p][v.sortBy[p]] }

func (v *lifecycleView) cycleSort() {
	v.sortBy[v.pane] = (v.sortBy[v.pane] + 1) % len(sortColumns[v.pane])
}

// open goes one level down: from a name to its tasks, from a task to
// its lines.
func (v *lifecycleView) open() {
	v.note = ""
	switch v.pane {
	case paneNames:
		if c := v.cursor[paneNames]; c < len(v.names) && !v.names[c].rpc {
			v.ofName = v.names[c].name
			v.pane = paneTasks
			v.cursor[paneTasks], v.top[paneTasks] = 0, 0
		}
	case paneTasks:
		if c := v.cursor[paneTasks]; v.task == "" && c < len(v.tasks) {
			v.task = v.tasks[c].ID
			v.taskTop = 0
		}
	}
}

// back goes one level up; it reports false when the view is to close.
func (v *lifecycleView) back() bool {
	v.note = ""
	switch {
	case v.showingTask():
		v.task = ""
		return true
	case v.pane == paneTasks && v.ofName != "":
		v.ofName = ""
		v.pane = paneNames
		return true
	}
	return false
}

func (v *lifecycleView) nameLines() []nameLine {
	var out []nameLine
	for _, r := range v.snap.Names {
		l := nameLine{name: r.Name, seen: r.Seen, rate: r.Rate, running: r.Running, ok: r.Succeeded,
			failed: r.Failed, retried: r.Retried, q: r.Runtime, last: r.LastFailure}
		if v.matcher.Match(&filter.Subject{Text: strings.ToLower(r.Name), Format: "celery", Terms: map[string]string{"task": r.Name}}) {
			out = append(out, l)
		}
	}
	for _, r := range v.snap.Methods {
		l := nameLine{rpc: true, name: r.Method, seen: r.Calls + r.Casts, rate: r.Rate, running: r.Pending,
			ok: r.Replied, failed: r.Failed, q: r.Latency, last: r.LastFailure}
		if v.matcher.Match(&filter.Subject{Text: strings.ToLower(r.Method), Format: "oslo/rpc", Terms: map[string]string{"method": r.Method}}) {
			out = append(out, l)
		}
	}
	sortRows(out, v.sortColumn(paneNames), nameOrder)
	return out
}

// taskSubject is what the filter matches of a task: its name, id,
// worker, state, arguments and exception.
func taskSubject(t *lifecycle.Task) *filter.Subject {
	text := strings.ToLower(strings.Join([]string{t.Name, t.ID, t.Worker, t.State.String(), t.Args, t.Kwargs, t.Exception}, " "))
	return &filter.Subject{Text: text, Format: "celery", Terms: map[string]string{
		"task": t.Name, "id": t.ID, "root": t.RootID, "parent": t.ParentID, "status": t.State.String()}}
}

func (v *lifecycleView) taskRows() []lifecycle.Task {
	name, m := v.ofName, v.matcher
	out := v.model.Recent(maxTaskRows, func(t *lifecycle.Task) bool {
		return (name == "" || t.Name == name) && m.Match(taskSubject(t))
	})
	sortRows(out, v.sortColumn(paneTasks), taskOrder)
	return out
}

func (v *lifecycleView) workerRows() []lifecycle.WorkerRow {
	var out []lifecycle.WorkerRow
	for _, w := range v.snap.Workers {
		if v.matcher.Match(&filter.Subject{Text: strings.ToLower(w.Hostname)}) {
			out = append(out, w)
		}
	}
	sortRows(out, v.sortColumn(paneWorkers), workerOrder)
	return out
}

// View draws the pane on display.
func (v lifecycleView) View() string {
	w, h := v.com.Width, v.com.Height
	lines := make([]string, 0, h)
	lines = append(lines, v.tabLine())
	if v.note != "" {
		lines = append(lines, v.com.Styles.Detail.Note.Render(common.Truncate("  ! "+v.note, w)))
	}
	if v.snap.Counts.Facts == 0 {
		return common.Block(append(lines, v.nothingYet()...), h)
	}
	switch {
	case v.showingTask():
		for i := v.taskTop; i < len(v.lines) && len(lines) < h; i++ {
			lines = append(lines, common.Truncate(v.lines[i], w))
		}
	case v.pane == paneNames:
		lines = v.drawNames(lines)
	case v.pane == paneTasks:
		lines = v.drawTasks(lines)
	default:
		lines = v.drawWorkers(lines)
	}
	return common.Block(lines, h)
}

// tabLine is the title: the panes, the one on display marked, and what
// the rows are sorted by.
func (v lifecycleView) tabLine() string {
	var tabs []string
	for p := lifePane(0); p < lifePanes; p++ {
		t := paneTitles[p]
		if p == v.pane {
			t = "[" + t + "]"
		}
		tabs = append(tabs, t)
	}
	title := "lifecycles · " + strings.Join(tabs, " ")
	pos := ""
	switch {
	case v.showingTask():
		pos = "task " + shortTraceID(v.task)
	default:
		pos = "sort: " + v.sortColumn(v.pane)
		if v.pane == paneTasks && v.ofName != "" {
			pos = sanitize.Line(v.ofName) + " · " + pos
		}
	}
	return titleLine(v.com.Styles, title, pos, v.com.Width)
}

// nothingYet says plainly that no lifecycle-shaped message came, and
// what brings them.
func (v lifecycleView) nothingYet() []string {
	muted := v.com.Styles.Muted
	msgs := []string{
		"  nothing lifecycle-shaped seen yet: no Celery task message, event or result",
		"  and no oslo.messaging RPC call among the messages tapped.",
		"  Celery: tap the task queues and the celeryev exchange (shoveltap --celery),",
		"  with workers started with -E (or after `celery control enable_events`).",
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = muted.Render(common.Truncate(m, v.com.Width))
	}
	return out
}

func (v lifecycleView) header(cols string) string {
	return v.com.Styles.Table.Header.Render(common.Truncate(cols, v.com.Width))
}

func (v lifecycleView) row(s string, selected bool) string {
	if selected {
		return v.com.Styles.Table.Selected.Render(fit("▸"+s, v.com.Width))
	}
	return common.Truncate(" "+s, v.com.Width)
}

// drawRows appends the visible rows and the footer lines under them.
func (v lifecycleView) drawRows(lines []string, header string, n int, cell func(i int) string, empty string, footer []string) []string {
	w, h := v.com.Width, v.com.Height
	lines = append(lines, v.header(header))
	if n == 0 {
		lines = append(lines, v.com.Styles.Muted.Render(common.Truncate("  "+empty, w)))
	}
	p := v.pane
	for i := v.top[p]; i < n && len(lines) < h-len(footer); i++ {
		lines = append(lines, v.row(cell(i), i == v.cursor[p]))
	}
	for len(lines) < h-len(footer) {
		lines = append(lines, "")
	}
	for _, f := range footer {
		lines = append(lines, v.com.Styles.Muted.Render(common.Truncate(f, w)))
	}
	return lines
}

// nameWidth is the name column's width: what the fixed columns leave.
func nameWidth(width, fixed int) int { return max(12, width-fixed) }

func (v lifecycleView) drawNames(lines []string) []string {
	const fixed = 1 + 7 + 6 + 5 + 7 + 6 + 6 + 3*8
	nw := nameWidth(v.com.Width, fixed)
	header := " " + fit("NAME", nw) + fitRight("SEEN", 7) + fitRight("RATE", 6) + fitRight("RUN", 5) +
		fitRight("OK", 7) + fitRight("FAIL", 6) + fitRight("RETRY", 6) + fitRight("P50", 8) + fitRight("P95", 8) + fitRight("P99", 8)
	cell := func(i int) string {
		l := v.names[i]
		name := sanitize.Line(l.name)
		if l.rpc {
			name = "rpc " + name
		}
		retried := compactCount(l.retried)
		if l.rpc {
			retried = "–"
		}
		return fit(name, nw) + fitRight(compactCount(l.seen), 7) + fitRight(rate(l.rate), 6) +
			fitRight(itoa(l.running), 5) + fitRight(compactCount(l.ok), 7) + fitRight(compactCount(l.failed), 6) +
			fitRight(retried, 6) + fitRight(dur(l.q.P50, l.q.Count), 8) + fitRight(dur(l.q.P95, l.q.Count), 8) +
			fitRight(dur(l.q.P99, l.q.Count), 8)
	}
	var footer []string
	if c := v.cursor[paneNames]; c < len(v.names) {
		footer = append(footer, lastFailure(v.names[c]))
	} else {
		footer = append(footer, "")
	}
	footer = append(footer, v.totals())
	return v.drawRows(lines, header, len(v.names), cell, "no task name or RPC method matches the filter", footer)
}

// lastFailure is the footer line of a names row.
func lastFailure(l nameLine) string {
	if l.last == nil {
		return "  last failure: none"
	}
	f := l.last
	s := "  last failure " + shortTraceID(f.ID) + ": " + sanitize.Line(f.Exception)
	if f.Worker != "" {
		s += " on " + sanitize.Line(f.Worker)
	}
	return s
}

// totals is a line of what the model holds, and its first note.
func (v lifecycleView) totals() string {
	s := v.snap
	t := fmt.Sprintf("  %s tasks · %s calls kept · %s events · %s duplicates", thousands(uint64(s.Tasks)),
		thousands(uint64(s.Calls)), thousands(s.Counts.TaskEvents+s.Counts.WorkerEvents), thousands(s.Counts.Duplicates))
	if len(s.Notes) > 0 {
		t = "  ! " + sanitize.Line(s.Notes[0])
	}
	return t
}

func (v lifecycleView) drawTasks(lines []string) []string {
	const fixed = 1 + 10 + 11 + 16 + 9 + 4
	nw := nameWidth(v.com.Width, fixed)
	header := " " + fit("STATE", 10) + fit("NAME", nw) + fit("ID", 11) + fit("WORKER", 16) + fitRight("RUNTIME", 9) + fitRight("TRY", 4)
	cell := func(i int) string {
		t := v.tasks[i]
		name := sanitize.Line(t.Name)
		if name == "" {
			name = "(name unknown)"
		}
		runtime := "–"
		if t.HasRuntime {
			runtime = dur(t.Runtime, 1)
		}
		state := t.State.String()
		if state == "" {
			state = "?"
		}
		return fit(state, 10) + fit(name, nw) + fit(shortTraceID(t.ID), 11) + fit(sanitize.Line(t.Worker), 16) +
			fitRight(runtime, 9) + fitRight(strconv.FormatInt(t.Retries, 10), 4)
	}
	footer := []string{""}
	if c := v.cursor[paneTasks]; c < len(v.tasks) && v.tasks[c].Exception != "" {
		footer[0] = "  " + sanitize.Line(v.tasks[c].Exception)
	}
	footer = append(footer, v.totals())
	return v.drawRows(lines, header, len(v.tasks), cell, "no task matches the filter", footer)
}

func (v lifecycleView) drawWorkers(lines []string) []string {
	const fixed = 1 + 8 + 7 + 10 + 5 + 7 + 6 + 10
	nw := nameWidth(v.com.Width, fixed)
	header := " " + fit("WORKER", nw) + fit("ONLINE", 8) + fitRight("ACTIVE", 7) + fitRight("PROCESSED", 10) +
		fitRight("RUN", 5) + fitRight("OK", 7) + fitRight("FAIL", 6) + fitRight("HEARTBEAT", 10)
	cell := func(i int) string {
		w := v.workers[i]
		online := "no"
		if w.Online {
			online = "yes"
		}
		active, processed := "–", "–"
		if w.HasLoad {
			active, processed = strconv.FormatInt(w.Active, 10), strconv.FormatInt(w.Processed, 10)
		}
		beat := "–"
		if ago := v.now.Sub(w.LastHeartbeat); !w.LastHeartbeat.IsZero() && ago < time.Second {
			beat = "now"
		} else if !w.LastHeartbeat.IsZero() {
			beat = dur(ago.Truncate(time.Second), 1) + " ago"
		}
		host := sanitize.Line(w.Hostname)
		if w.WithoutTaskEvents() {
			host += " (no -E)"
		}
		return fit(host, nw) + fit(online, 8) + fitRight(active, 7) + fitRight(processed, 10) +
			fitRight(itoa(w.Running), 5) + fitRight(compactCount(w.Succeeded), 7) + fitRight(compactCount(w.Failed), 6) +
			fitRight(beat, 10)
	}
	footer := []string{"", v.totals()}
	if c := v.cursor[paneWorkers]; c < len(v.workers) && v.workers[c].WithoutTaskEvents() {
		footer[0] = "  runs tasks but sends no task events: it runs without -E (start it with -E, or `celery control enable_events`)"
	}
	return v.drawRows(lines, header, len(v.workers), cell, "no worker seen: workers send heartbeats to celeryev", footer)
}

// taskLines is one task whole: what it is, its timeline, its arguments,
// its exception and traceback, and what the tap did not see.
func (v *lifecycleView) taskLines() []string {
	t, ok := v.model.Task(v.task)
	if !ok {
		return []string{"  task " + sanitize.Line(v.task) + " is no longer kept (the store evicted it)"}
	}
	var out []string
	add := func(label, value string) {
		if value != "" {
			out = append(out, "  "+fit(label, 10)+sanitize.Line(value))
		}
	}
	name := t.Name
	if name == "" {
		name = "(name unknown)"
	}
	add("name", name)
	add("id", t.ID)
	add("state", t.State.String())
	add("worker", t.Worker)
	if t.HasRuntime {
		add("runtime", t.Runtime.String())
	}
	if t.Retries > 0 {
		add("retries", strconv.FormatInt(t.Retries, 10))
	}
	add("args", t.Args)
	add("kwargs", t.Kwargs)
	add("eta", t.ETA)
	add("result", t.Result)
	add("exception", t.Exception)
	add("reason", t.Reason)
	add("root", t.RootID)
	add("parent", t.ParentID)
	out = append(out, "", "  timeline")
	for _, s := range t.Steps {
		line := "    " + s.At.UTC().Format("15:04:05.000") + "  " + fit(s.State.String(), 10) + fit(s.Origin.String(), 8)
		if s.Worker != "" {
			line += " " + sanitize.Line(s.Worker)
		}
		if s.Attempt > 0 {
			line += " · attempt " + strconv.FormatInt(s.Attempt, 10)
		}
		out = append(out, line)
	}
	if t.StepsDropped > 0 {
		out = append(out, "    … "+itoa(t.StepsDropped)+" steps left out")
	}
	for _, n := range t.Notes(v.now, v.model.EventsGrace()) {
		out = append(out, "  ! "+n)
	}
	if t.Traceback != "" {
		out = append(out, "", "  traceback")
		for _, l := range strings.Split(strings.TrimRight(t.Traceback, "\n"), "\n") {
			out = append(out, "    "+sanitize.Line(l))
		}
	}
	return out
}

// rate is tasks a second, short.
func rate(r float64) string {
	switch {
	case r == 0:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'f', 0, 64)
}

// dur is a duration in at most 7 cells, "–" when nothing was measured.
func dur(d time.Duration, n uint64) string {
	switch {
	case n == 0:
		return "–"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d < time.Hour:
		return strconv.FormatFloat(d.Minutes(), 'f', 1, 64) + "m"
	}
	return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + "h"
}

// lifeNow is the clock of the lifecycle view: Options.Now for a live tap,
// else the time of the newest message (a capture read back shows the
// state as of its end).
func (m *Model) lifeNow() time.Time {
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return m.lifeLatest
}

// feedLifecycle applies the facts of a batch and remembers its newest
// message's time.
func (m *Model) feedLifecycle(entries []*entry) {
	m.life.feed(entries)
	for _, e := range entries {
		if e.msg.Time.After(m.lifeLatest) {
			m.lifeLatest = e.msg.Time
		}
	}
}

// lifecycleKey handles a key in the lifecycle view.
func (m *Model) lifecycleKey(k tea.KeyPressMsg, km keys.KeyMap) tea.Cmd {
	v := &m.life
	switch {
	case key.Matches(k, km.Close):
		if !v.back() {
			m.lifeOpen = false
		}
	case scrollKey(cursorMover{v.move, max(1, v.visible()-1)}, k, km):
	case key.Matches(k, km.NextPane):
		v.switchPane(1)
	case key.Matches(k, km.PrevPane):
		v.switchPane(-1)
	case key.Matches(k, km.Sort):
		v.cycleSort()
	case key.Matches(k, km.Open):
		v.open()
	case key.Matches(k, km.Filter):
		return m.filter.Start()
	case key.Matches(k, km.Messages):
		return m.lifecycleMessages()
	case key.Matches(k, km.Trace):
		m.lifecycleTrace()
	}
	return nil
}

// lifecycleMessages closes the view on the table filtered to the task's
// messages.
func (m *Model) lifecycleMessages() tea.Cmd {
	id := m.life.task
	m.lifeOpen = false
	m.filter.Set("id:" + filterValue(id))
	return m.applyFilter()
}

// filterValue quotes a value for the filter language when it has a space.
func filterValue(s string) string {
	if strings.ContainsAny(s, " \t\"") {
		return strconv.Quote(s)
	}
	return s
}

// lifecycleTrace opens the trace tree of the shown task, from its newest
// retained message; esc comes back here.
func (m *Model) lifecycleTrace() {
	id := m.life.task
	s := m.retained
	for i := s.ring.len() - 1; i >= 0; i-- {
		if e := s.ring.at(i); canTrace(e) && e.r.Shown.Task.ID == id {
			m.trace.open(s, e)
			m.traceOpen, m.detailOpen, m.lifeOpen, m.traceFromLife = true, true, false, true
			return
		}
	}
	m.life.note = "no message of this task is retained: the trace tree draws retained messages"
}
