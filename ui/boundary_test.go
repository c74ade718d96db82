package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/tap"
)

func TestWindowFor(t *testing.T) {
	for _, c := range []struct {
		name                         string
		top, limit, rows, sel, bound int
		first, end, sep              int
	}{
		{"no boundary", 0, 30, 10, 29, -1, 0, 10, -1},
		{"no history before live", 20, 30, 10, 29, 0, 20, 30, -1},
		{"boundary above the window", 20, 30, 10, 29, 5, 20, 30, -1},
		{"boundary below the window", 0, 30, 10, 3, 15, 0, 10, -1},
		{"room to spare", 0, 6, 10, 5, 4, 0, 6, 4},
		{"full, following: the top row gives way", 20, 30, 10, 29, 25, 21, 30, 25},
		{"full, selection higher: the last row gives way", 20, 30, 10, 22, 25, 20, 29, 25},
		{"boundary is the last row and gives way: line at the end", 20, 30, 10, 22, 29, 20, 29, 29},
		{"boundary is the top row, selection at the bottom", 20, 30, 10, 29, 20, 21, 30, 21},
		{"boundary is the top row, selection higher", 20, 30, 10, 25, 20, 20, 29, 20},
		{"paused: limit below the live ones", 0, 12, 10, 11, 12, 0, 10, -1},
	} {
		w := windowFor(c.top, c.limit, c.rows, c.sel, c.bound)
		if w.first != c.first || w.end != c.end || w.sep != c.sep {
			t.Errorf("%s: window %+v, want first %d end %d sep %d", c.name, w, c.first, c.end, c.sep)
		}
		if w.lines() > c.rows {
			t.Errorf("%s: %d lines in a table of %d", c.name, w.lines(), c.rows)
		}
		if c.sel >= 0 && c.sel < c.limit && (c.sel < w.first || c.sel >= w.end) && c.sel >= c.top && c.sel < c.top+c.rows {
			t.Errorf("%s: the selected row %d is off the window %+v", c.name, c.sel, w)
		}
	}
}

// streamMessages are messages first..last as read from a stream: offsets
// 100 below their sequence numbers.
func streamMessages(first, last uint64) []tap.Message {
	ms := messages(first, last)
	for i := range ms {
		ms[i].Offset, ms[i].HasOffset = int64(ms[i].Seq)+99, true
		ms[i].Source = "stream orders-history"
	}
	return ms
}

func streamStatus(n uint64, live bool) tap.Status {
	st := running(n)
	st.Stream = tap.StreamStatus{Name: "orders-history", From: "first", LiveFrom: 130, LiveKnown: live, Last: int64(n) + 99}
	return st
}

// The line between history and live follows the messages as they scroll,
// and never hides the selected one.
func TestBoundaryLineScrollsWithTheMessages(t *testing.T) {
	opts := Options{Broker: "localhost:5672", Vhost: "/", Sources: []string{"stream orders-history, from first"}}
	m := newModel(t, 80, 24, opts)
	m = update(t, m, batch(streamMessages(1, 30), streamStatus(30, false)))
	if strings.Contains(screen(m), "live from offset") {
		t.Fatal("a boundary line before any live message")
	}
	m = update(t, m, batch(streamMessages(31, 36), streamStatus(36, true)))
	checkScreen(t, m)
	sc := screen(m)
	if strings.Count(sc, "live from offset 130") != 1 {
		t.Fatalf("no boundary line while following:\n%s", sc)
	}
	lines := strings.Split(sc, "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "live from offset 130") {
			at = i
		}
	}
	// Message 31 (offset 130) is the first live one: the line is right
	// above its row, and the newest (selected) row is still drawn.
	if at < 1 || at+1 >= len(lines) || !strings.Contains(lines[at+1], "09:26:57.247") {
		t.Errorf("boundary line not above the first live message:\n%s", sc)
	}
	if !strings.Contains(sc, "▸09:26:57.932") {
		t.Errorf("the selected newest message is not on screen:\n%s", sc)
	}
	// Scrolled away from the boundary, the line goes.
	m = press(t, m, "home")
	if strings.Contains(screen(m), "live from offset") {
		t.Errorf("boundary line at the top of the history:\n%s", screen(m))
	}
	// The detail pane names the offset.
	m = press(t, m, "enter")
	if !strings.Contains(screen(m), "stream offset  100") {
		t.Errorf("detail pane without the offset:\n%s", screen(m))
	}
}

// TestStreamGolden draws a stream tap with history and live messages: the
// boundary line in the table, and the offset in the detail pane.
func TestStreamGolden(t *testing.T) {
	opts := Options{Broker: "localhost:5672", Vhost: "/", Sources: []string{"stream orders-history, from -1h (since 08:26:53)"}}
	screens := []struct {
		name  string
		steps func(tm *teatest.TestModel)
	}{
		{"boundary", func(tm *teatest.TestModel) {
			tm.Send(batch(streamMessages(1, 30), streamStatus(30, false)))
			tm.Send(batch(streamMessages(31, 36), streamStatus(36, true)))
		}},
		{"boundary-detail", func(tm *teatest.TestModel) {
			tm.Send(batch(streamMessages(1, 30), streamStatus(30, false)))
			tm.Send(batch(streamMessages(31, 36), streamStatus(36, true)))
			sendKeys(tm, "up", "up", "up", "up", "up", "enter") // 31: the first live one
		}},
	}
	for _, size := range screenSizes {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				tm := teatest.NewTestModel(t, New(opts, nil),
					teatest.WithInitialTermSize(size[0], size[1]),
					teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
				sc.steps(tm)
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				checkScreen(t, final)
				golden.RequireEqual(t, plainScreen(t, final))
			})
		}
	}
}
