package ui

import (
	"bytes"
	"fmt"
	"github.com/shoveltap/shoveltap/ui/uitest"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shoveltap/shoveltap/tap"
)

// screenSizes are the terminal sizes every golden screen is drawn at.
var screenSizes = [][2]int{{80, 24}, {120, 40}}

// goldenScreens drive the program through teatest to each screen. Batches
// are sent as messages, in order with the keys, so that every screen is the
// same on every run.
var goldenScreens = []struct {
	name  string
	steps func(tm *teatest.TestModel)
}{
	{"empty", func(tm *teatest.TestModel) {}},
	{"streaming", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 20), running(20)))
		st := running(36)
		st.Dropped = 12
		tm.Send(batch(messages(21, 36), st))
	}},
	{"scrolled", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "up", "up", "up", "up", "up")
		tm.Send(batch(messages(37, 40), running(40)))
	}},
	{"detail", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "up", "up", "up", "up", "up", "enter") // 31: a Celery task
	}},
	{"detail-json-body", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "up", "up", "up", "enter", "G") // 33: JSON, scrolled to its body
	}},
	{"filter", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "/")
		tm.Type("rk:order.# -rk:#.paid")
		sendKeys(tm, "enter")
	}},
	{"filter-typing", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "/")
		tm.Type("celery")
	}},
	{"paused", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 30), running(30)))
		sendKeys(tm, "space")
		tm.Send(batch(messages(31, 1234), running(1234)))
	}},
	{"help", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		sendKeys(tm, "?")
	}},
	{"reconnecting", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		st := running(36)
		st.State = tap.StateReconnecting
		st.Detail = "connection to localhost:5672 lost: EOF; retrying in 2s"
		st.Rate = 0
		tm.Send(batch(nil, st))
	}},
	{"hostile", func(tm *teatest.TestModel) {
		tm.Send(batch(append(messages(1, 12), hostileMessage(13)), running(13)))
	}},
	{"hostile-detail", func(tm *teatest.TestModel) {
		tm.Send(batch(append(messages(1, 12), hostileMessage(13)), running(13)))
		sendKeys(tm, "enter", "G")
	}},
	{"quitting", func(tm *teatest.TestModel) {
		tm.Send(batch(messages(1, 36), running(36)))
		tm.Send(quitStartedForGolden{})
	}},
}

// quitStartedForGolden stands for a q press in the quitting screen: a real q
// would run OnQuit and end the program before the screen could be read.
type quitStartedForGolden struct{}

func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

// goldenModel lets the quitting screen be reached without quitting.
type goldenModel struct{ Model }

func (g goldenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(quitStartedForGolden); ok {
		g.quitting = true
		g.refresh()
		return g, nil
	}
	m, cmd := g.Model.Update(msg)
	return goldenModel{m.(Model)}, cmd
}

func TestGolden(t *testing.T) {
	for _, size := range screenSizes {
		for _, sc := range goldenScreens {
			name := fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name)
			t.Run(name, func(t *testing.T) {
				goldenScreen(t, size, testOptions, sc.steps)
			})
		}
	}
}

// goldenScreen runs a program of opts at size under teatest, without
// colour, lets steps drive it, and compares the screen it ends on with the
// test's golden file.
func goldenScreen(t *testing.T, size [2]int, opts Options, steps func(tm *teatest.TestModel)) {
	t.Helper()
	tm := teatest.NewTestModel(t, goldenModel{New(opts, nil)},
		teatest.WithInitialTermSize(size[0], size[1]),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	steps(tm)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(goldenModel).Model
	checkScreen(t, final)
	golden.RequireEqual(t, plainScreen(t, final))
}

// plainScreen is the model's view through the no-colour profile, with the
// screen's height made visible.
func plainScreen(t *testing.T, m Model) []byte {
	return uitest.PlainScreen(t, m.View().Content, m.com.Height)
}

// TestQuitFlow runs the whole program: batches from a channel, q, the tap
// removed, the program ends.
func TestQuitFlow(t *testing.T) {
	ch := make(chan tap.Batch, 4)
	removed := make(chan struct{})
	opts := testOptions
	opts.OnQuit = func() error { close(removed); return nil }
	tm := teatest.NewTestModel(t, New(opts, ch), teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))

	ch <- tap.Batch{Messages: messages(1, 12), Status: running(12)}
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		return bytes.Contains(out, []byte("sensor.10.temp"))
	}, teatest.WithDuration(5*time.Second))

	tm.Type("q")
	select {
	case <-removed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnQuit was not called")
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.QuitErr() != nil {
		t.Errorf("QuitErr = %v", final.QuitErr())
	}
	if final.retained.ring.len() != 12 {
		t.Errorf("retained %d, want 12", final.retained.ring.len())
	}
}
