package ui

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap/filter"
)

// With many messages retained, a keystroke only schedules the filter; the
// result computed in a command replaces the shown rows, a stale result is
// dropped, and messages that arrived meanwhile are tested too.
func TestFilterOverManyMessagesRunsInACommand(t *testing.T) {
	m := newModel(t, 120, 30, testOptions)
	m.filtering.syncBelow = 50
	m = update(t, m, batch(messages(1, 300), running(300)))
	m = press(t, m, "/")
	m = typeText(t, m, "paid")
	if !m.filtering.pending {
		t.Fatal("the filter over 300 messages was applied on the UI goroutine")
	}
	if got := len(m.retained.shown); got != 300 {
		t.Fatalf("before the result arrives every row stays: %d", got)
	}
	stale := m.filtering.gen - 1
	if cmd := m.filtering.start(filterTickMsg{gen: stale}, m.retained); cmd != nil {
		t.Fatal("a tick of an earlier keystroke started a filter")
	}
	cmd := m.filtering.start(filterTickMsg{gen: m.filtering.gen}, m.retained)
	if cmd == nil {
		t.Fatal("the last keystroke's tick started nothing")
	}
	done := cmd().(filterDoneMsg)
	// Messages arrive while the command runs.
	m = update(t, m, batch(messages(301, 330), running(330)))
	m = update(t, m, done)
	want := 0
	for seq := uint64(1); seq <= 330; seq++ {
		e := newEntry(message(seq))
		if m.retained.matcher.Match(&e.r.Subject) {
			want++
		}
	}
	if m.filtering.pending || len(m.retained.shown) != want || want == 0 || want == 330 {
		t.Fatalf("shown %d, want %d (pending %v)", len(m.retained.shown), want, m.filtering.pending)
	}
	for i := 1; i < len(m.retained.shown); i++ {
		if m.retained.shown[i].msg.Seq <= m.retained.shown[i-1].msg.Seq {
			t.Fatal("shown rows out of order")
		}
	}
}

// A filter result is never older than the keystrokes: a result for an
// earlier query is dropped.
func TestStaleFilterResultIsDropped(t *testing.T) {
	m := newModel(t, 120, 30, testOptions)
	m.filtering.syncBelow = 50
	m = update(t, m, batch(messages(1, 100), running(100)))
	m = press(t, m, "/")
	m = typeText(t, m, "p")
	done := m.filtering.start(filterTickMsg{gen: m.filtering.gen}, m.retained)().(filterDoneMsg)
	m = typeText(t, m, "aid")
	m = update(t, m, done)
	if !m.filtering.pending || len(m.retained.shown) != 100 {
		t.Fatalf("a stale result was installed: pending %v, %d shown", m.filtering.pending, len(m.retained.shown))
	}
}

// matchAll tests a large pool on every CPU and keeps its order: the same
// entries as one pass over it.
func TestMatchAllIsOnePass(t *testing.T) {
	pool := newEntries(messages(1, 3*parallelMatchAt))
	for _, q := range []string{"acme", "rk:order.# -format:celery", "created", "nothing-matches-this"} {
		m := filter.Parse(q)
		var want []*entry
		for _, e := range pool {
			if m.Match(&e.r.Subject) {
				want = append(want, e)
			}
		}
		got := matchAll(m, pool)
		if len(got) != len(want) {
			t.Fatalf("%q: %d matches, want %d", q, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: match %d is message %d, want %d", q, i, got[i].msg.Seq, want[i].msg.Seq)
			}
		}
	}
}
