package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestSourcesKeyRemovesTheTapThenAsksForThePicker: s quits like q, through
// the "removing tap…" screen and OnQuit, and says why it quit.
func TestSourcesKeyRemovesTheTapThenAsksForThePicker(t *testing.T) {
	removed := false
	opts := testOptions
	opts.Picker = true
	opts.OnQuit = func() error { removed = true; return nil }
	m := newModel(t, 80, 24, opts)
	m = update(t, m, batchMsg{Messages: messages(1, 5), Status: running(5)})
	if !strings.Contains(screen(m), "s sources") {
		t.Errorf("the help line does not offer s:\n%s", screen(m))
	}
	next, cmd := m.Update(keyMsg("s"))
	m = next.(Model)
	if !strings.Contains(screen(m), "removing tap…") {
		t.Errorf("s does not show the removing screen:\n%s", screen(m))
	}
	if cmd == nil {
		t.Fatal("s starts nothing")
	}
	next, cmd = m.Update(cmd())
	m = next.(Model)
	if !removed {
		t.Error("OnQuit did not run before quitting")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("the program does not quit once the tap is removed")
	}
	if !m.WantsPicker() {
		t.Error("WantsPicker is false after s")
	}
}

func TestSourcesKeyIsOffWithoutAPicker(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batchMsg{Messages: messages(1, 5), Status: running(5)})
	m = press(t, m, "s")
	if m.quitting || m.WantsPicker() {
		t.Error("s quits although there is no picker to return to")
	}
	m = press(t, m, "q")
	if m.WantsPicker() {
		t.Error("q asks for the picker")
	}
}
