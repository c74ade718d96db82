package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/common"
)

// components returns every component of the tracer's screen, each with
// something to show, made from one Common as the root makes them.
func components(t *testing.T) map[string]common.Component {
	t.Helper()
	com := common.New()
	s := newRetained(100)
	s.ingest(newEntries(append(messages(1, 36), hostileMessage(37))))
	s.settle(10)

	tb := newTable(com, true)
	tb.SetSize(80, 11)
	tb.show(s.shown, windowFor(s.top(10), s.limit(), 10, s.selected(), 20), s.selected(), "", "live")
	empty := newTable(com, false)
	empty.show(nil, rowWindow{sep: -1}, 0, "waiting for messages on orders (order.#)…", "")

	det := newDetail(com)
	det.SetSize(80, 20)
	det.show(s.ring.at(32)) // 33: a JSON order event with headers
	hostile := newDetail(com)
	hostile.SetSize(80, 20)
	hostile.show(s.ring.at(36))

	celery := s.ring.at(30) // 31: a Celery task
	if !canTrace(celery) {
		t.Fatalf("message 31 is not a Celery task: %+v", celery.r.Shown)
	}
	tr := newTrace(com)
	tr.SetSize(80, 20)
	tr.open(s, celery)
	tr.note = "only events of this task were retained, not its message"

	typing := newFilterBar(com)
	typing.Start()
	typing.Set("rk:order.# -rk:#.paid celery")
	kept := newFilterBar(com)
	kept.Set("a rather long query that is kept: rk:order.eu.created -paid")

	bar := statusBar{com: com}
	bar.set(statusInfo{
		broker: "rabbit-prod-eu-1.internal:5672", vhost: "/orders",
		sources: []string{"orders (order.#)", "celery (#)"}, state: tap.StateReconnecting,
		detail: "connection lost: EOF; retrying in 2s", rate: 1234.4, seen: 1_234_567,
		dropped: 42, retained: 10000, paused: true, newPaused: 1234,
		notice: "saved 36 messages to shoveltap-20250314.jsonl", warning: "the broker keeps no statistics",
	}, 80)

	hs := newHelpScreen(com)
	hs.show("the message table", &tb)

	return map[string]common.Component{
		"table": &tb, "empty table": &empty,
		"detail": &det, "hostile detail": &hostile,
		"trace":         &tr,
		"filter typing": &typing, "filter kept": &kept,
		"status bar":  &bar,
		"help screen": &hs,
		"removing":    &quitView{com: com},
	}
}

// Every component keeps to the size it is given, however small: no line
// wider, no more lines than it has.
func TestComponentsKeepToTheirSize(t *testing.T) {
	for name := range components(t) {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {20, 5}, {20, 1}, {1, 1}} {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", name, w, h), func(t *testing.T) {
				c := components(t)[name]
				c.SetSize(w, h)
				view := c.View()
				lines := strings.Split(view, "\n")
				if len(lines) > h {
					t.Errorf("%d lines in %d", len(lines), h)
				}
				for i, l := range lines {
					if got := ansi.StringWidth(l); got > w {
						t.Errorf("line %d is %d cells wide in %d: %q", i+1, got, w, ansi.Strip(l))
					}
				}
				if w >= 20 && strings.TrimSpace(ansi.Strip(view)) == "" {
					t.Error("nothing drawn")
				}
			})
		}
	}
}

// helpTexts is "key desc" of every enabled binding.
func helpTexts(bs ...key.Binding) []string {
	var out []string
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return out
}

// The help line lists the keys of the component that has the keyboard,
// and the help screen those of the pane it covers.
func TestHelpListsTheFocusedComponentsKeys(t *testing.T) {
	m := newModel(t, 250, 40, testOptions) // wide: the help line is not cut
	m = update(t, m, batch(messages(1, 36), running(36)))
	last := func(m Model) string {
		lines := strings.Split(screen(m), "\n")
		return lines[len(lines)-1]
	}
	steps := []struct {
		keys  []string
		want  common.Component // what has the keyboard afterwards
		other common.Component // a component whose own keys must not be listed
	}{
		{nil, &m.table, &m.detail},
		{[]string{"up", "up", "up", "up", "up", "enter"}, &m.detail, &m.table}, // 31: a Celery task
		{[]string{"t"}, &m.trace, &m.detail},
		{[]string{"esc", "esc", "/"}, &m.filter, &m.table},
		{[]string{"enter", "?"}, &m.helpView, &m.table},
		{[]string{"esc", "q"}, &m.quitView, &m.table},
	}
	for _, st := range steps {
		m = press(t, m, st.keys...)
		focused := m.focused()
		if fmt.Sprintf("%T", focused) != fmt.Sprintf("%T", st.want) {
			t.Fatalf("after %v the keyboard is with %T, want %T", st.keys, focused, st.want)
		}
		line := last(m)
		own := helpTexts(focused.ShortHelp()...)
		if len(own) == 0 {
			t.Fatalf("%T lists no key", focused)
		}
		for _, h := range own {
			if !strings.Contains(line, h) {
				t.Errorf("after %v the help line lacks %q: %q", st.keys, h, line)
			}
		}
		if got := strings.Count(line, " • ") + 1; got != len(own) {
			t.Errorf("after %v the help line has %d keys, %T has %d: %q", st.keys, got, focused, len(own), line)
		}
	}

	// The help screen over the detail pane lists the pane's keys.
	m = newModel(t, 250, 40, testOptions)
	m = update(t, m, batch(messages(1, 36), running(36)))
	m = press(t, m, "up", "up", "up", "up", "up", "enter", "?")
	scr := screen(m)
	var all []key.Binding
	for _, g := range m.detail.FullHelp() {
		all = append(all, g...)
	}
	for _, h := range helpTexts(all...) {
		key, desc, _ := strings.Cut(h, " ")
		if !strings.Contains(scr, key) || !strings.Contains(scr, desc) {
			t.Errorf("help screen over the detail pane lacks %q", h)
		}
	}
	if !strings.Contains(scr, "keys in the detail pane") || strings.Contains(scr, "enter detail") {
		t.Errorf("help screen over the detail pane:\n%s", scr)
	}
}
