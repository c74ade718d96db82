package ui

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shoveltap/shoveltap/tap/capture"
)

func captureTestModel(t *testing.T, opts Options) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, New(opts, nil), teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	t.Cleanup(func() { _ = tm.Quit() })
	tm.Send(batch(messages(1, 12), running(12)))
	return tm
}

func waitOutput(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte(want)) },
		teatest.WithDuration(5*time.Second))
}

// TestCopyWritesOSC52 copies the message in the detail pane, then its
// body, and finds each on the terminal as an OSC 52 sequence:
// ESC ] 52 ; c ; base64 BEL.
func TestCopyWritesOSC52(t *testing.T) {
	tm := captureTestModel(t, testOptions)
	sendKeys(tm, "enter") // the newest message, 12
	want := messages(12, 12)[0]
	record, _ := clipboardText(want, false)
	if !strings.Contains(record, `"routing_key"`) {
		t.Fatalf("the copied message is not its JSON record: %s", record)
	}
	sendKeys(tm, "c")
	waitOutput(t, tm, "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte(record))+"\a")
	sendKeys(tm, "b")
	waitOutput(t, tm, "\x1b]52;c;"+base64.StdEncoding.EncodeToString(want.Body)+"\a")
}

// runKey presses k and runs the command it returns, as the program would.
func runKey(t *testing.T, m Model, k string) Model {
	t.Helper()
	next, cmd := m.Update(keyMsg(k))
	m = next.(Model)
	if cmd != nil {
		m = update(t, m, cmd())
	}
	return m
}

// TestSaveShownAndMessage saves the messages on display with w (twice in
// one second: no overwrite) and one message with s, says where, and the
// files read back.
func TestSaveShownAndMessage(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions
	opts.SaveDir = dir
	m := newModel(t, 100, 30, opts)
	m = update(t, m, batch(messages(1, 12), running(12)))
	m = runKey(t, m, "w")
	if !strings.HasPrefix(m.notice, "saved 12 messages to "+dir) {
		t.Errorf("notice %q", m.notice)
	}
	if !strings.Contains(screen(m), "saved 12 messages to") {
		t.Errorf("the status line does not say where:\n%s", screen(m))
	}
	m = runKey(t, m, "w")
	m = press(t, m, "enter")
	m = runKey(t, m, "s")
	if !strings.HasPrefix(m.notice, "saved message #12 to "+dir) {
		t.Errorf("notice %q", m.notice)
	}
	m = typeText(t, m, "j")
	if m.notice != "" {
		t.Errorf("the notice stays after the next key: %q", m.notice)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "shoveltap-*.jsonl"))
	if len(files) != 3 {
		t.Fatalf("want 3 files, got %v", files)
	}
	counts := map[int]int{}
	for _, f := range files {
		rd, err := capture.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for b := range rd.Batches(t.Context()) {
			n += len(b.Messages)
		}
		rd.Close()
		if rd.Note() != "" {
			t.Errorf("%s: %s", f, rd.Note())
		}
		counts[n]++
	}
	if counts[12] != 2 || counts[1] != 1 {
		t.Errorf("saved files hold %v messages, want 12, 12 and 1", counts)
	}
}

// TestSaveFilteredOnly saves only what matches the filter.
func TestSaveFilteredOnly(t *testing.T) {
	opts := testOptions
	opts.SaveDir = t.TempDir()
	m := newModel(t, 100, 30, opts)
	m = update(t, m, batch(messages(1, 12), running(12)))
	m = press(t, m, "/")
	m = typeText(t, m, "celery")
	m = press(t, m, "enter")
	want := len(m.retained.shown)
	if want == 0 || want == 12 {
		t.Fatalf("the filter should keep some messages, keeps %d", want)
	}
	m = runKey(t, m, "w")
	if !strings.HasPrefix(m.notice, "saved "+plural(want, "message")+" matching the filter to ") {
		t.Errorf("notice %q", m.notice)
	}
}
