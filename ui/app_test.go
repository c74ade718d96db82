package ui

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/tap"
)

// selectedSeq is the Seq of the selected message, 0 for none.
func selectedSeq(m Model) uint64 {
	if e := m.retained.selectedEntry(); e != nil {
		return e.msg.Seq
	}
	return 0
}

func TestFollowsNewMessages(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 30), running(30)))
	if !m.retained.following || selectedSeq(m) != 30 {
		t.Fatalf("following=%v selected=%d, want following the newest (30)", m.retained.following, selectedSeq(m))
	}
	m = update(t, m, batch(messages(31, 40), running(40)))
	if selectedSeq(m) != 40 {
		t.Errorf("selected %d after a new batch, want 40", selectedSeq(m))
	}
	scr := screen(m)
	if !strings.Contains(scr, "▸09:26:58.480") { // the time of message 40, selected
		t.Errorf("newest message is not the selected last row:\n%s", scr)
	}
	if !strings.Contains(scr, "following") {
		t.Errorf("status does not say following:\n%s", scr)
	}
	checkScreen(t, m)
}

func TestMovingUpStopsFollowingAndGResumes(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 30), running(30)))
	m = press(t, m, "up", "k")
	if m.retained.following || selectedSeq(m) != 28 {
		t.Fatalf("following=%v selected=%d, want 28 and not following", m.retained.following, selectedSeq(m))
	}
	m = update(t, m, batch(messages(31, 35), running(35)))
	if selectedSeq(m) != 28 {
		t.Errorf("selection moved to %d with new messages, want it to stay on 28", selectedSeq(m))
	}
	if scr := screen(m); !strings.Contains(scr, "7 newer ↓") {
		t.Errorf("status does not count the newer messages:\n%s", scr)
	}
	m = press(t, m, "down", "j")
	if selectedSeq(m) != 30 {
		t.Errorf("down twice selected %d, want 30", selectedSeq(m))
	}
	m = press(t, m, "G")
	if !m.retained.following || selectedSeq(m) != 35 {
		t.Errorf("G: following=%v selected=%d, want following 35", m.retained.following, selectedSeq(m))
	}
	m = press(t, m, "up", "end")
	if !m.retained.following {
		t.Error("end does not resume following")
	}
	checkScreen(t, m)
}

func TestPagingAndHome(t *testing.T) {
	m := newModel(t, 80, 24, testOptions) // 20 message rows
	m = update(t, m, batch(messages(1, 100), running(100)))
	rows := m.lay.tableRows()
	m = press(t, m, "pgup")
	if want := uint64(100 - (rows - 1)); selectedSeq(m) != want {
		t.Errorf("pgup selected %d, want %d", selectedSeq(m), want)
	}
	m = press(t, m, "pgdown")
	if selectedSeq(m) != 100 {
		t.Errorf("pgdown selected %d, want 100", selectedSeq(m))
	}
	m = press(t, m, "home")
	if selectedSeq(m) != 1 {
		t.Errorf("home selected %d, want 1", selectedSeq(m))
	}
	if scr := screen(m); !strings.Contains(scr, "▸09:26:53.137") {
		t.Errorf("the oldest message is not on screen and selected:\n%s", scr)
	}
	m = press(t, m, "G", "g")
	if selectedSeq(m) != 1 || m.retained.following {
		t.Errorf("g selected %d, want 1", selectedSeq(m))
	}
	m = press(t, m, "up")
	if selectedSeq(m) != 1 {
		t.Errorf("up at the top moved to %d", selectedSeq(m))
	}
	checkScreen(t, m)
}

func TestSelectionStaysOnItsMessageThroughEviction(t *testing.T) {
	opts := testOptions
	opts.Retain = 10
	m := newModel(t, 80, 24, opts)
	m = update(t, m, batch(messages(1, 10), running(10)))
	m = press(t, m, "up", "up", "up")
	if selectedSeq(m) != 7 {
		t.Fatalf("selected %d, want 7", selectedSeq(m))
	}
	m = update(t, m, batch(messages(11, 13), running(13))) // evicts 1–3
	if selectedSeq(m) != 7 {
		t.Errorf("after evicting 1–3 the selection is on %d, want 7", selectedSeq(m))
	}
	if m.retained.evicted != 3 || m.retained.ring.len() != 10 {
		t.Errorf("evicted=%d retained=%d, want 3 and 10", m.retained.evicted, m.retained.ring.len())
	}
	if scr := screen(m); !strings.Contains(scr, "evicted 3") {
		t.Errorf("status does not show the evicted count:\n%s", scr)
	}
	// When the selected message itself is evicted, the oldest one left is
	// selected rather than whatever row the index now points at.
	m = update(t, m, batch(messages(14, 20), running(20)))
	if selectedSeq(m) != 11 {
		t.Errorf("selected message evicted: selection on %d, want 11 (oldest retained)", selectedSeq(m))
	}
	checkScreen(t, m)
}

func TestPauseFreezesTheDisplay(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 30), running(30)))
	m = press(t, m, "space")
	before := screen(m)
	m = update(t, m, batch(messages(31, 1234), running(1234)))
	after := screen(m)
	if !m.retained.paused {
		t.Fatal("space did not pause")
	}
	if selectedSeq(m) != 30 {
		t.Errorf("paused selection is on %d, want 30", selectedSeq(m))
	}
	if !strings.Contains(after, "PAUSED · 1,204 new") {
		t.Errorf("status does not count arrivals while paused:\n%s", after)
	}
	// The table rows are the same; only the status changed.
	rows := func(s string) string { return strings.Join(strings.Split(s, "\n")[:21], "\n") }
	if rows(before) != rows(after) {
		t.Errorf("the table changed while paused:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if m.retained.ring.len() != 1234 {
		t.Errorf("retained %d while paused, want 1234", m.retained.ring.len())
	}
	m = press(t, m, "space")
	if m.retained.paused || selectedSeq(m) != 1234 {
		t.Errorf("resume: paused=%v selected=%d, want the newest (1234)", m.retained.paused, selectedSeq(m))
	}
	checkScreen(t, m)
}

func TestFilter(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "/")
	m = typeText(t, m, "celery")
	if got := len(m.retained.shown); got != 6 {
		t.Errorf("typing 'celery' shows %d messages, want 6", got)
	}
	scr := screen(m)
	if !strings.Contains(scr, "matching 6/36") {
		t.Errorf("status does not show matching/retained:\n%s", scr)
	}
	if !strings.Contains(scr, "/ celery") {
		t.Errorf("filter bar not shown:\n%s", scr)
	}
	checkScreen(t, m)

	// A q while typing is part of the query, not quit.
	m = typeText(t, m, "q")
	if m.quitting || m.filter.Value() != "celeryq" {
		t.Fatalf("q while typing: quitting=%v value=%q", m.quitting, m.filter.Value())
	}
	m = press(t, m, "backspace", "enter")
	if m.filter.Typing() || m.filter.Value() != "celery" {
		t.Fatalf("enter: typing=%v value=%q, want the filter kept", m.filter.Typing(), m.filter.Value())
	}

	// New batches are tested message by message.
	m = update(t, m, batch(messages(37, 48), running(48)))
	if got := len(m.retained.shown); got != 8 {
		t.Errorf("after a new batch %d messages match, want 8", got)
	}
	for _, e := range m.retained.shown {
		if e.msg.Exchange != "celery" {
			t.Errorf("message %d (%s) should not match", e.msg.Seq, e.msg.Exchange)
		}
	}

	// Esc in the table clears the kept filter.
	m = press(t, m, "esc")
	if m.filter.Value() != "" || len(m.retained.shown) != 48 {
		t.Errorf("esc: value=%q shown=%d, want the filter cleared", m.filter.Value(), len(m.retained.shown))
	}
	if scr := screen(m); !strings.Contains(scr, "retained 48") {
		t.Errorf("status after clearing:\n%s", scr)
	}
}

func TestFilterEscWhileTypingClears(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "/")
	m = typeText(t, m, "heartbeat")
	if len(m.retained.shown) != 6 {
		t.Fatalf("shown %d, want 6", len(m.retained.shown))
	}
	m = press(t, m, "esc")
	if m.filter.Typing() || m.filter.Value() != "" || len(m.retained.shown) != 36 {
		t.Errorf("esc: typing=%v value=%q shown=%d", m.filter.Typing(), m.filter.Value(), len(m.retained.shown))
	}
}

func TestFilterTerms(t *testing.T) {
	tests := []struct {
		query string
		want  int
	}{
		{"rk:order.eu.*", 12},
		{"rk:order.# -rk:*.*.paid", 8},
		{"task:tasks.add", 6},
		{"-task:", 30},
		{"format:binary", 6},
		{"exchange:orders ctype:json", 12},
		{"acme", 12},   // in the body
		{"retry", 12},  // in a header value (x-death queue)
		{"4bf92f", 12}, // in a header value
	}
	for _, tt := range tests {
		// A fresh model each time: models share their stream.
		m := newModel(t, 80, 24, testOptions)
		m = update(t, m, batch(messages(1, 36), running(36)))
		m = press(t, m, "/")
		m = typeText(t, m, tt.query)
		if got := len(m.retained.shown); got != tt.want {
			t.Errorf("filter %q shows %d messages, want %d", tt.query, got, tt.want)
		}
	}
}

func TestFilterKeepsTheSelectedMessage(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "home", "down") // message 2, a celery task
	m = press(t, m, "/")
	m = typeText(t, m, "celery")
	m = press(t, m, "enter")
	if selectedSeq(m) != 7 {
		t.Errorf("selection on %d after filtering, want 7 (the next match)", selectedSeq(m))
	}
}

func TestHelpToggles(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 10), running(10)))
	m = press(t, m, "?")
	scr := screen(m)
	for _, want := range []string{"keys", "page up", "filter", "rk:order.#", "close help"} {
		if !strings.Contains(scr, want) {
			t.Errorf("help screen lacks %q:\n%s", want, scr)
		}
	}
	checkScreen(t, m)
	m = press(t, m, "j") // ignored while help is shown
	if selectedSeq(m) != 10 {
		t.Errorf("a key under the help moved the selection to %d", selectedSeq(m))
	}
	m = press(t, m, "?")
	if m.helpOpen {
		t.Error("? does not close the help")
	}
	m = press(t, m, "?", "esc")
	if m.helpOpen {
		t.Error("esc does not close the help")
	}
}

func TestShortHelpFollowsTheMode(t *testing.T) {
	m := newModel(t, 100, 30, testOptions)
	m = update(t, m, batch(messages(1, 10), running(10)))
	last := func(m Model) string {
		lines := strings.Split(screen(m), "\n")
		return lines[len(lines)-1]
	}
	if h := last(m); !strings.Contains(h, "enter detail") || strings.Contains(h, "G/end") {
		t.Errorf("table help: %q", h)
	}
	m = press(t, m, "up")
	if h := last(m); !strings.Contains(h, "G/end follow") {
		t.Errorf("scrolled table help lacks follow: %q", h)
	}
	m = press(t, m, "enter")
	if h := last(m); !strings.Contains(h, "esc close") || strings.Contains(h, "/ filter") {
		t.Errorf("detail help: %q", h)
	}
	m = press(t, m, "esc", "/")
	if h := last(m); !strings.Contains(h, "enter keep filter") || !strings.Contains(h, "ctrl+c quit") {
		t.Errorf("filter help: %q", h)
	}
}

func TestDetail(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "up", "up", "up") // message 33: JSON order event
	m = press(t, m, "enter")
	if !m.detailOpen || m.lay.table != 0 {
		t.Fatalf("detail open=%v, table lines %d: at 80×24 the detail takes the body", m.detailOpen, m.lay.table)
	}
	m = update(t, m, batch(messages(37, 40), running(40)))
	if m.detail.entry.msg.Seq != 33 {
		t.Errorf("detail shows %d after new messages, want 33", m.detail.entry.msg.Seq)
	}
	scr := screen(m)
	for _, want := range []string{"#33", "order.eu.shipped", "properties", "delivery_mode  2 (persistent)"} {
		if !strings.Contains(scr, want) {
			t.Errorf("detail lacks %q:\n%s", want, scr)
		}
	}
	m = press(t, m, "G") // to the bottom of the pane: the body
	scr = screen(m)
	for _, want := range []string{`"order_id": 1833`, `"coupon": null`, "body · json · 136 bytes"} {
		if !strings.Contains(scr, want) {
			t.Errorf("detail bottom lacks %q:\n%s", want, scr)
		}
	}
	checkScreen(t, m)
	m = press(t, m, "n")
	if m.detail.entry.msg.Seq != 34 {
		t.Errorf("n shows %d, want 34", m.detail.entry.msg.Seq)
	}
	m = press(t, m, "p", "p")
	if m.detail.entry.msg.Seq != 32 {
		t.Errorf("p p shows %d, want 32", m.detail.entry.msg.Seq)
	}
	m = press(t, m, "esc")
	if m.detailOpen || selectedSeq(m) != 32 {
		t.Errorf("esc: open=%v selected=%d, want closed on 32", m.detailOpen, selectedSeq(m))
	}
	m = press(t, m, "enter", "enter")
	if m.detailOpen {
		t.Error("enter does not close the detail")
	}
}

func TestDetailSplitsOnLargeTerminals(t *testing.T) {
	m := newModel(t, 120, 40, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "enter")
	if m.lay.table == 0 || m.lay.detail == 0 {
		t.Fatalf("120×40 layout %+v, want table and detail", m.lay)
	}
	scr := screen(m)
	if !strings.Contains(scr, "▸09:26:57.932") || !strings.Contains(scr, "#36") {
		t.Errorf("split screen lacks the selected row or its detail:\n%s", scr)
	}
	checkScreen(t, m)
}

func TestDetailBodies(t *testing.T) {
	tests := []struct {
		seq  uint64
		want []string
	}{
		{1, []string{"decoded · celery", "tasks.add", "body · json"}},
		{2, []string{"body · text · 47 bytes", "GET /orders/1802 200 12ms", "user-agent: curl/8.5"}},
		{4, []string{"body · hex · 18 bytes", "00000000  08 04 12 04 74 65 6d 70  1d 00 00 b4 41 ff 00 80  |....temp....A...|"}},
		{5, []string{"body · empty", "redelivered  yes", "(default)"}},
	}
	for _, tt := range tests {
		m := newModel(t, 100, 60, testOptions)
		m = update(t, m, batch(messages(1, 6), running(6)))
		m = press(t, m, "home")
		for range tt.seq - 1 {
			m = press(t, m, "down")
		}
		m = press(t, m, "enter")
		scr := screen(m)
		for _, w := range tt.want {
			if !strings.Contains(scr, w) {
				t.Errorf("detail of message %d lacks %q:\n%s", tt.seq, w, scr)
			}
		}
	}
}

func TestOmittedBytesMarker(t *testing.T) {
	big := message(3)
	big.Body = []byte(strings.Repeat("all work and no play makes jack a dull boy\n", 3000)) // 129,000 bytes
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch([]tap.Message{big}, running(1)))
	m = press(t, m, "enter", "G")
	scr := screen(m)
	if !regexp.MustCompile(`… [0-9,]+ more bytes not shown`).MatchString(scr) {
		t.Errorf("no omitted marker at the end of a large body:\n%s", scr)
	}
	checkScreen(t, m)
}

func TestResize(t *testing.T) {
	one := testOptions
	one.Sources = one.Sources[:1] // with several, a source column takes content type's place
	m := newModel(t, 80, 24, one)
	m = update(t, m, batch(messages(1, 36), running(36)))
	if strings.Contains(screen(m), "exchange") {
		t.Error("80 columns should leave the exchange column out")
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	scr := screen(m)
	if !strings.Contains(scr, "exchange") || !strings.Contains(scr, "content type") {
		t.Errorf("120 columns should show exchange and content type:\n%s", scr)
	}
	checkScreen(t, m)
	m = update(t, m, tea.WindowSizeMsg{Width: 90, Height: 20})
	checkScreen(t, m)
}

func TestTinyTerminal(t *testing.T) {
	m := newModel(t, 20, 5, testOptions)
	m = update(t, m, batch(messages(1, 10), running(10)))
	scr := screen(m)
	if !strings.Contains(scr, "terminal too small") || !strings.Contains(scr, "need ≥ 60×12") {
		t.Errorf("tiny terminal:\n%s", scr)
	}
	checkScreen(t, m)
	m = press(t, m, "enter", "/", "x", "?", "esc", "up") // keys still work, nothing panics
	checkScreen(t, m)
}

// TestEverySize draws every mode at many sizes: nothing may panic or spill
// out of the terminal.
func TestEverySize(t *testing.T) {
	modes := map[string][]string{
		"table":  nil,
		"detail": {"up", "enter"},
		"filter": {"/", "o"},
		"help":   {"?"},
		"paused": {"space", "up"},
		"quit":   {"q"},
	}
	for name, keys := range modes {
		m := newModel(t, 80, 24, testOptions)
		m = update(t, m, batch(append(messages(1, 40), hostileMessage(41)), running(41)))
		m = press(t, m, keys...)
		for w := 0; w <= 150; w += 7 {
			for h := 0; h <= 50; h += 3 {
				m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
				checkScreen(t, m)
				if t.Failed() {
					t.Fatalf("mode %s at %d×%d", name, w, h)
				}
			}
		}
	}
}

func TestQuitRemovesTheTap(t *testing.T) {
	called := 0
	opts := testOptions
	opts.OnQuit = func() error { called++; return errors.New("boom") }
	m := newModel(t, 80, 24, opts)
	m = update(t, m, batch(messages(1, 5), running(5)))
	next, cmd := m.Update(keyMsg("q"))
	m = next.(Model)
	if !m.quitting || cmd == nil {
		t.Fatalf("q: quitting=%v cmd=%v", m.quitting, cmd)
	}
	if called != 0 {
		t.Error("OnQuit ran inside Update; it must run in the command")
	}
	if scr := screen(m); !strings.Contains(scr, "removing tap…") {
		t.Errorf("screen while quitting:\n%s", scr)
	}
	msg := cmd()
	if called != 1 {
		t.Fatalf("OnQuit called %d times, want 1", called)
	}
	next, cmd = m.Update(msg)
	m = next.(Model)
	if cmd == nil {
		t.Fatal("no command after the tap was removed")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("the program does not quit after the tap was removed")
	}
	if m.QuitErr() == nil || m.QuitErr().Error() != "boom" {
		t.Errorf("QuitErr = %v, want OnQuit's error", m.QuitErr())
	}
}

func TestQuitKeys(t *testing.T) {
	m := newModel(t, 80, 24, testOptions) // OnQuit nil
	m = press(t, m, "ctrl+c")
	if !m.quitting {
		t.Fatal("ctrl+c does not quit")
	}
	// Keys other than ctrl+c do nothing while the tap is being removed.
	m = press(t, m, "q", "?", "enter")
	if m.helpOpen || m.detailOpen {
		t.Error("keys worked while quitting")
	}
	next, cmd := m.Update(keyMsg("ctrl+c"))
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("a second ctrl+c does not quit at once")
	}
	if !errors.Is(next.(Model).QuitErr(), ErrTapNotRemoved) {
		t.Errorf("QuitErr = %v, want ErrTapNotRemoved", next.(Model).QuitErr())
	}
}

func TestBatchesFromTheChannel(t *testing.T) {
	ch := make(chan tap.Batch, 2)
	m := New(testOptions, ch)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	ch <- tap.Batch{Messages: messages(1, 3), Status: running(3)}
	cmd := m.Init()
	msg := cmd()
	next, cmd := m.Update(msg)
	m = next.(Model)
	if m.retained.ring.len() != 3 || cmd == nil {
		t.Fatalf("retained %d, re-armed %v", m.retained.ring.len(), cmd != nil)
	}
	close(ch)
	next, cmd = m.Update(cmd())
	m = next.(Model)
	if cmd != nil {
		t.Error("waiting again on a closed channel")
	}
	scr := screen(m)
	if !strings.Contains(scr, "■ stopped") {
		t.Errorf("closed channel not shown as stopped:\n%s", scr)
	}
	m = press(t, m, "up", "enter")
	if !m.detailOpen || selectedSeq(m) != 2 {
		t.Error("retained messages are not browsable after the tap stopped")
	}
}

func TestTapStates(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 10), running(10)))
	st := running(10)
	st.State = tap.StateReconnecting
	st.Detail = "connection reset by peer"
	st.Dropped = 1500
	m = update(t, m, batchMsg{Status: st})
	scr := screen(m)
	for _, want := range []string{"RECONNECTING", "connection reset by peer", "messages kept", "dropped 1,500", "retained 10"} {
		if !strings.Contains(scr, want) {
			t.Errorf("reconnecting screen lacks %q:\n%s", want, scr)
		}
	}
	st.State = tap.StateFailed
	st.Detail = "access refused"
	m = update(t, m, batchMsg{Status: st}, tapClosedMsg{})
	scr = screen(m)
	if !strings.Contains(scr, "FAILED") || !strings.Contains(scr, "access refused") {
		t.Errorf("failed tap:\n%s", scr)
	}
	checkScreen(t, m)
}

// sgr matches the styling sequences the UI itself writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func TestHostileMessageRendersHarmlessly(t *testing.T) {
	for _, keys := range [][]string{nil, {"enter"}, {"enter", "G"}} {
		m := newModel(t, 120, 40, testOptions)
		m = update(t, m, batch([]tap.Message{message(1), hostileMessage(2)}, running(2)))
		m = press(t, m, keys...)
		content := m.View().Content
		rest := sgr.ReplaceAllString(content, "")
		for i, r := range rest {
			if r == '\n' {
				continue
			}
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidi(r) {
				t.Fatalf("keys %v: dangerous rune %U at byte %d:\n%q", keys, r, i, rest)
			}
		}
		scr := screen(m)
		if !strings.Contains(scr, `\x1b[2J`) && !strings.Contains(scr, `\x1b]0;pwned`) {
			t.Errorf("keys %v: the escapes are not shown as text:\n%s", keys, scr)
		}
		checkScreen(t, m)
	}
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

func TestTableComesBackAsItWasLeft(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(messages(1, 100), running(100)))
	m = press(t, m, "pgup", "pgup", "down", "down")
	before := screen(m)
	m = press(t, m, "enter", "esc")
	if after := screen(m); after != before {
		t.Errorf("the table moved after opening and closing the detail:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestPausedRowsEvicted(t *testing.T) {
	opts := testOptions
	opts.Retain = 10
	m := newModel(t, 80, 24, opts)
	m = update(t, m, batch(messages(1, 10), running(10)))
	m = press(t, m, "space")
	m = update(t, m, batch(messages(11, 25), running(25)))
	if scr := screen(m); !strings.Contains(scr, "evicted while paused") {
		t.Errorf("paused screen after its rows were evicted:\n%s", scr)
	}
	m = press(t, m, "space")
	if selectedSeq(m) != 25 {
		t.Errorf("resume selected %d, want 25", selectedSeq(m))
	}
}
