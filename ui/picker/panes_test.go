package picker

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/ui/common"
)

// panes returns the picker's parts as a picker of 80×24 that has loaded
// the fixture holds them, and the same list loading and failed.
func panes(t *testing.T) map[string]common.Component {
	m := sized(t, Options{}, fixture())
	m, _ = press(t, m, "/")
	m = typeText(t, m, "orders and a long query that does not fit")
	filter := m.filter
	m, _ = press(t, m, "esc", "?")
	help := m.helpView
	m, _ = press(t, m, "esc")
	loading, failed, empty := m.list, m.list, m.list
	loading.loading = true
	failed.err = errors.New("management API at localhost:15672: 401 Unauthorized: the user lacks the monitoring tag")
	empty.empty = "no exchange or queue name contains something long"
	return map[string]common.Component{
		"list": &m.list, "loading": &loading, "failed": &failed, "empty": &empty,
		"filter": &filter, "help": &help,
	}
}

// Every part keeps to the size it is given, however small.
func TestPanesKeepToTheirSize(t *testing.T) {
	for name := range panes(t) {
		for _, size := range [][2]int{{80, 24}, {20, 5}, {1, 1}} {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", name, w, h), func(t *testing.T) {
				c := panes(t)[name]
				c.SetSize(w, h)
				lines := strings.Split(c.View(), "\n")
				if len(lines) > h {
					t.Errorf("%d lines in %d", len(lines), h)
				}
				for i, l := range lines {
					if got := ansi.StringWidth(l); got > w {
						t.Errorf("line %d is %d cells wide in %d: %q", i+1, got, w, ansi.Strip(l))
					}
				}
			})
		}
	}
}

// The help line lists the keys of the part that has the keyboard.
func TestHelpLineListsTheFocusedPartsKeys(t *testing.T) {
	m := sized(t, Options{}, fixture())
	for _, step := range []struct {
		keys []string
		want string // the focused part's type
	}{
		{nil, "*picker.list"},
		{[]string{"/"}, "*filterbar.Bar"},
		{[]string{"enter", "?"}, "*picker.helpScreen"},
	} {
		m, _ = press(t, m, step.keys...)
		focused := m.focused()
		if got := fmt.Sprintf("%T", focused); got != step.want {
			t.Fatalf("after %v the keyboard is with %s, want %s", step.keys, got, step.want)
		}
		lines := strings.Split(ansi.Strip(m.View().Content), "\n")
		line := lines[len(lines)-1]
		var own []key.Binding
		for _, b := range focused.ShortHelp() {
			if b.Enabled() {
				own = append(own, b)
			}
		}
		if len(own) == 0 {
			t.Fatalf("%s lists no key", step.want)
		}
		for _, b := range own {
			if h := b.Help().Key + " " + b.Help().Desc; !strings.Contains(line, h) {
				t.Errorf("after %v the help line lacks %q: %q", step.keys, h, line)
			}
		}
	}
}
