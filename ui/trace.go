package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
	"github.com/shoveltap/shoveltap/ui/tracetree"
)

// traceView is the trace tree of a Celery workflow, drawn in place of the
// detail pane: the retained tasks that share a root id, linked by parent
// id, with their results. enter opens the selected message's detail.
type traceView struct {
	com      common.Common
	keyState keys.State // what decides which of the tree's keys work now
	rootID   string
	tree     tracetree.Tree
	rows     []tracetree.Row
	cursor   int
	top      int
	note     string // why the last enter opened nothing

	builtAt uint64 // retained.received when the tree was built
	// items are the retained Celery messages, oldest first, collected as
	// they arrive (itemsTo is the newest message looked at), so a refresh
	// reads only the new messages.
	items   []tracetree.Item
	itemsTo uint64

	// w3c is the W3C trace ID shown instead of a Celery workflow, ""
	// for none (ui/w3ctrace.go); w3cSpans counts its spans.
	w3c      string
	w3cSpans int
}

var _ common.Component = (*traceView)(nil)

func newTrace(com common.Common) traceView { return traceView{com: com} }

// canTrace says whether e belongs to a Celery workflow the tree can show,
// or carries a W3C trace.
func canTrace(e *entry) bool {
	return isCelery(e) || w3cTraceOf(e) != ""
}

func isCelery(e *entry) bool {
	return e != nil && e.r.Shown.Task != nil && e.r.Shown.Task.ID != ""
}

// traceRoot is the root id of e's workflow. Results and most events carry
// no root id: the retained task message with the same id has it.
func traceRoot(s *retained, e *entry) string {
	task := e.r.Shown.Task
	if task.RootID != "" {
		return task.RootID
	}
	for i := s.ring.len() - 1; i >= 0; i-- {
		if t := s.ring.at(i).r.Shown.Task; t != nil && t.Kind == "task" && t.ID == task.ID && t.RootID != "" {
			return t.RootID
		}
	}
	return task.ID
}

// open shows the workflow of e with e's row selected.
func (t *traceView) open(s *retained, e *entry) {
	t.w3c, t.rootID = "", ""
	if isCelery(e) {
		t.rootID = traceRoot(s, e)
	} else {
		t.w3c = w3cTraceOf(e)
	}
	t.note = ""
	t.build(s)
	t.cursor = 0
	for i, r := range t.rows {
		if r.Seq() == e.msg.Seq {
			t.cursor = i
			break
		}
	}
	t.top = 0
	t.scrollToCursor()
}

// refresh builds the tree again when messages arrived since, keeping the
// selected row.
func (t *traceView) refresh(s *retained) {
	if s.received == t.builtAt {
		return
	}
	var keep tracetree.Row
	if t.cursor < len(t.rows) {
		keep = t.rows[t.cursor]
	}
	t.build(s)
	for i, r := range t.rows {
		if keep.Node != nil && r.Node.ID == keep.Node.ID && (r.Result == nil) == (keep.Result == nil) &&
			(r.Result == nil || r.Result.Seq == keep.Result.Seq) {
			t.cursor = i
			break
		}
	}
	t.cursor = max(0, min(t.cursor, len(t.rows)-1))
	t.scrollToCursor()
}

// build makes the tree of the retained Celery messages. It runs only while
// the tree is open and only after new messages arrived; it reads only the
// messages that arrived since the last build, and builds the tree again
// only when a Celery message came or went.
func (t *traceView) build(s *retained) {
	if t.w3c != "" {
		t.buildW3C(s)
		return
	}
	changed := t.collect(s)
	t.builtAt = s.received
	if !changed && t.tree.RootID == t.rootID && t.rows != nil {
		return
	}
	t.tree = tracetree.Build(t.rootID, t.items)
	t.rows = t.tree.Rows()
}

// collect brings items up to date with the ring: drops the evicted ones,
// adds the new ones. It says whether anything changed.
func (t *traceView) collect(s *retained) bool {
	changed := false
	if s.ring.len() == 0 {
		changed = len(t.items) > 0
		t.items = t.items[:0]
		return changed
	}
	oldest := s.ring.at(0).msg.Seq
	drop := 0
	for drop < len(t.items) && t.items[drop].Seq < oldest {
		drop++
	}
	if drop > 0 {
		t.items = append(t.items[:0], t.items[drop:]...)
		changed = true
	}
	first := s.ring.len()
	for first > 0 && s.ring.at(first-1).msg.Seq > t.itemsTo {
		first--
	}
	for i := first; i < s.ring.len(); i++ {
		e := s.ring.at(i)
		if e.r.Shown.Task != nil {
			t.items = append(t.items, tracetree.Item{Seq: e.msg.Seq, Task: *e.r.Shown.Task, Label: e.r.Shown.Summary})
			changed = true
		}
		t.itemsTo = e.msg.Seq
	}
	return changed
}

// SetSize sets the pane's size including its title line.
func (t *traceView) SetSize(width, height int) {
	t.com.SetSize(width, height)
	t.scrollToCursor()
}

// ShortHelp lists the tree's keys that work now, most useful first.
func (t traceView) ShortHelp() []key.Binding {
	k := t.com.Keys.For(keys.ModeTrace, t.keyState)
	return []key.Binding{k.Close, k.Open, k.Pause, k.Help, k.Quit, k.Bottom}
}

// FullHelp lists every key of the tree, one column per group.
func (t traceView) FullHelp() [][]key.Binding {
	k := t.com.Keys.For(keys.ModeTrace, t.keyState.Lasting())
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Close},
		{k.Pause},
		{k.Help, k.Quit},
	}
}

func (t *traceView) visible() int { return max(1, t.com.Height-1) }

func (t *traceView) move(delta int) {
	t.cursor = max(0, min(t.cursor+delta, len(t.rows)-1))
	t.note = ""
	t.scrollToCursor()
}

func (t *traceView) scrollToCursor() {
	n := t.visible()
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.cursor >= t.top+n {
		t.top = t.cursor - n + 1
	}
	t.top = max(0, min(t.top, len(t.rows)-n))
}

// traceKey handles a key press in the trace tree.
func (m *Model) traceKey(k tea.KeyPressMsg, km keys.KeyMap) {
	t := &m.trace
	switch {
	case key.Matches(k, km.Close):
		m.traceOpen = false
	case scrollKey(cursorMover{t.move, max(1, t.visible()-1)}, k, km):
	case key.Matches(k, km.Open):
		m.traceJump()
	}
}

// openTrace shows the trace tree of the message in the detail pane.
func (m *Model) openTrace() {
	if e := m.retained.selectedEntry(); canTrace(e) {
		m.trace.open(m.retained, e)
		m.traceOpen = true
	}
}

// traceJump opens the selected row's message in the detail pane, or says
// why it cannot.
func (m *Model) traceJump() {
	t := &m.trace
	if t.cursor >= len(t.rows) {
		return
	}
	seq := t.rows[t.cursor].Seq()
	s := m.retained
	if seq == 0 {
		t.note = "only events of this task were retained, not its message"
		return
	}
	i := s.indexOf(seq)
	switch {
	case i < len(s.shown) && s.shown[i].msg.Seq == seq && i < s.limit():
		s.following = false
		s.selSeq = seq
		m.traceOpen = false
	case i < len(s.shown) && s.shown[i].msg.Seq == seq:
		t.note = fmt.Sprintf("#%d arrived after the pause · space resumes", seq)
	default:
		t.note = fmt.Sprintf("#%d is hidden by the filter", seq)
	}
}

// traceable says whether t opens a trace tree now.
func (m Model) traceable() bool {
	return m.detailOpen && canTrace(m.retained.selectedEntry())
}

// View draws the title line and the visible rows.
func (t traceView) View() string {
	lines := make([]string, 0, t.com.Height)
	title := "trace · root " + shortTraceID(t.rootID)
	pos := count(t.tree.Tasks, "task", "tasks") + " · " + count(t.tree.Results, "result", "results")
	if t.w3c != "" {
		title, pos = t.w3cTitle()
	}
	lines = append(lines, titleLine(t.com.Styles, title, pos, t.com.Width))
	if t.note != "" && t.com.Height > 2 {
		lines = append(lines, t.com.Styles.Detail.Note.Render(common.Truncate("  ! "+t.note, t.com.Width)))
	}
	if len(t.rows) == 0 {
		lines = append(lines, t.com.Styles.Muted.Render(common.Truncate("  no task of this workflow is retained", t.com.Width)))
	}
	for i := t.top; i < len(t.rows) && len(lines) < t.com.Height; i++ {
		lines = append(lines, t.row(t.rows[i], i == t.cursor))
	}
	return common.Block(lines, t.com.Height)
}

// row draws one row: message number, tree, label, short id and status.
func (t traceView) row(r tracetree.Row, selected bool) string {
	seq := "—"
	if r.Seq() != 0 {
		seq = fmt.Sprintf("#%d", r.Seq())
	}
	var label, extra string
	if r.Result != nil {
		label = sanitize.Line(r.Result.Label)
	} else {
		n := r.Node
		label = sanitize.Line(n.Label)
		var more []string
		more = append(more, shortTraceID(n.ID))
		if n.Status != "" {
			more = append(more, sanitize.Line(n.Status))
		}
		if n.MissingParent {
			more = append(more, "parent "+shortTraceID(n.ParentID)+" not retained")
		}
		if n.Cycle {
			more = append(more, "parent links loop")
		}
		extra = strings.Join(more, " · ")
	}
	plain := fitRight(seq, 7) + "  " + r.Prefix + label
	if selected {
		line := "▸" + plain
		if extra != "" {
			line += "  " + extra
		}
		return t.com.Styles.Table.Selected.Render(fit(line, t.com.Width))
	}
	line := " " + plain
	if extra != "" {
		line += "  " + t.com.Styles.Muted.Render(extra)
	}
	return common.Truncate(line, t.com.Width)
}

// shortTraceID is the first 8 characters of a task id, enough to tell the
// tasks of one workflow apart.
func shortTraceID(id string) string {
	id = sanitize.Line(id)
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

// count says n things, in the singular for one: "1 task", "2 tasks".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
