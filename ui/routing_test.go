package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
)

const (
	testTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpan  = "00f067aa0ba902b7"
)

// routedMessages are n messages to exchange orders read and routed as the
// pipeline's read stage does (routingtest's model): order.paid reaches
// paid (which dead-letters to dlx → dead), order.eu.shipped reaches all,
// order.lost reaches nothing. Every other one carries a trace; every
// fifth is itself a dead letter, rejected from billing.
// Every other one carries one of two traces.
func routedMessages(from, to uint64) []tap.Message {
	live := routingtest.Live()
	keys := []string{"order.paid", "order.eu.shipped", "order.lost"}
	var out []tap.Message
	for seq := from; seq <= to; seq++ {
		m := tap.Message{
			Seq: seq, Time: t0.Add(time.Duration(seq) * 137 * time.Millisecond), Source: "orders (#)",
			Exchange: "orders", RoutingKey: keys[seq%3],
			Properties: tap.Properties{ContentType: "application/json"},
			Body:       []byte(fmt.Sprintf(`{"event": "order", "id": %d}`, seq)),
			Headers:    map[string]any{},
		}
		if seq%2 == 0 {
			// Two traces (seq%4 of 0 and 2), one span per message.
			m.Headers["traceparent"] = fmt.Sprintf("00-%s%04d-%s%04d-01", testTrace[:28], seq%4, testSpan[:12], seq)
		}
		if seq%5 == 0 {
			m.Headers["x-death"] = []any{map[string]any{"count": int64(2), "queue": "billing", "reason": "rejected",
				"exchange": "orders", "routing-keys": []any{m.RoutingKey}, "time": t0}}
		}
		r := m.Read()
		r.SetRoute(live.Route(m.Exchange, m.RoutingKey, m.Headers))
		m.Reading = r
		out = append(out, m)
	}
	return out
}

var routingOptions = Options{
	Broker: "localhost:5672", Vhost: "/", Sources: []string{"orders (#)"},
	TraceURL: "https://grafana.example/explore?traceId={trace_id}",
}

// routingScreens are the routing and trace screens: the unroutable mark,
// its count and the trace column; the detail's routed to, dead letter and
// trace sections; r's "why not?"; a queue tap's dead-letter groups.
var routingScreens = []struct {
	name  string
	opts  func() Options
	steps func(t *testing.T, tm *teatest.TestModel)
}{
	{"unroutable", func() Options { return routingOptions }, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
	}},
	{"detail-routed", func() Options { return routingOptions }, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
		sendKeys(tm, "up", "up", "up", "up", "up", "up", "enter") // 24: order.paid, traced
	}},
	{"detail-unroutable", func() Options { return routingOptions }, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
		sendKeys(tm, "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "enter") // 20: order.lost, a traced dead letter
	}},
	{"why-not", func() Options {
		o := routingOptions
		o.Routing = routingtest.Live()
		return o
	}, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
		sendKeys(tm, "up", "up", "up", "up", "enter", "r") // 26: order.lost
		teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte("why not?")) },
			teatest.WithDuration(5*time.Second))
	}},
	{"w3c-trace", func() Options { return routingOptions }, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
		sendKeys(tm, "up", "up", "up", "up", "up", "up", "enter", "t") // 24: trace …0000
	}},
	{"dead-letter-queue", func() Options {
		o := routingOptions
		o.Sources, o.QueueTap = []string{"queue dead"}, true
		return o
	}, func(t *testing.T, tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
	}},
}

func TestRoutingGolden(t *testing.T) {
	for _, size := range screenSizes {
		for _, sc := range routingScreens {
			name := fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name)
			t.Run(name, func(t *testing.T) {
				goldenScreen(t, size, sc.opts(), func(tm *teatest.TestModel) { sc.steps(t, tm) })
			})
		}
	}
}

// TestRoutingMarksAndCounts: the unroutable mark is on exactly the
// unroutable rows, the status line counts them, route:unroutable selects
// them, and the trace column shows at 120 columns but not at 80.
func TestRoutingMarksAndCounts(t *testing.T) {
	m := newModel(t, 120, 40, routingOptions)
	m = update(t, m, batch(routedMessages(1, 30), running(30)))
	scr := screen(m)
	if !strings.Contains(scr, "unroutable 10") {
		t.Errorf("no count of 10 unroutable:\n%s", scr)
	}
	marked := 0
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, unroutableMark) {
			marked++
			if !strings.Contains(l, "order.lost") {
				t.Errorf("marked row is not unroutable: %q", l)
			}
		}
	}
	if marked == 0 {
		t.Errorf("no row marked:\n%s", scr)
	}
	if !strings.Contains(scr, " trace ") || !strings.Contains(scr, testTrace[:8]) {
		t.Errorf("no trace column at 120 columns:\n%s", scr)
	}
	narrow := update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if s := screen(narrow); strings.Contains(s, " trace ") {
		t.Errorf("a trace column at 80 columns:\n%s", s)
	}
	m = press(t, m, "/")
	m = typeText(t, m, "route:unroutable")
	m = press(t, m, "enter")
	if got := len(m.retained.shown); got != 10 {
		t.Errorf("route:unroutable shows %d messages, want 10", got)
	}
	for _, e := range m.retained.shown {
		if e.msg.RoutingKey != "order.lost" {
			t.Errorf("route:unroutable shows %s", e.msg.RoutingKey)
		}
	}
}

// TestW3CTraceView: t on a message with a W3C trace lists the retained
// messages of that trace, and enter opens one of them.
func TestW3CTraceView(t *testing.T) {
	m := newModel(t, 120, 40, routingOptions)
	m = update(t, m, batch(routedMessages(1, 30), running(30)))
	m = press(t, m, "up", "up", "up", "up", "up", "up", "enter", "t") // 24
	if !m.traceOpen || m.trace.w3c != testTrace[:28]+"0000" {
		t.Fatalf("trace open %v, trace %q", m.traceOpen, m.trace.w3c)
	}
	var seqs []uint64
	for _, r := range m.trace.rows {
		seqs = append(seqs, r.Seq())
	}
	want := []uint64{4, 8, 12, 16, 20, 24, 28}
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Fatalf("trace rows %v, want %v", seqs, want)
	}
	if m.trace.w3cSpans != len(want) {
		t.Errorf("%d spans, want %d", m.trace.w3cSpans, len(want))
	}
	m = press(t, m, "up", "enter") // 20
	if m.traceOpen || selectedSeq(m) != 20 {
		t.Errorf("enter: trace open %v, selected %d, want 20", m.traceOpen, selectedSeq(m))
	}
}

// TestWhyNotNeedsARoutingModel: r is a key of the detail pane only with
// a routing model (a live tap with the management API).
func TestWhyNotNeedsARoutingModel(t *testing.T) {
	m := newModel(t, 80, 24, routingOptions)
	m = update(t, m, batch(routedMessages(1, 3), running(3)))
	m = press(t, m, "enter")
	if m.keyMap().WhyNot.Enabled() {
		t.Error("r enabled without a routing model")
	}
	o := routingOptions
	o.Routing = routingtest.Live()
	m = newModel(t, 80, 24, o)
	m = update(t, m, batch(routedMessages(1, 3), running(3)))
	m = press(t, m, "up", "enter")
	if !m.keyMap().WhyNot.Enabled() {
		t.Fatal("r not enabled with a routing model")
	}
	e := m.retained.selectedEntry()
	msg := whyNot(m.com.Styles, o.Routing, e)()
	m = update(t, m, msg)
	// Message 2 is order.lost: paid and all are bound on its way.
	text := strings.Join(m.detail.extras.whyNot, "\n")
	for _, want := range []string{"queue paid was not reached", "queue all was not reached", `(key "order.paid")`} {
		if !strings.Contains(text, want) {
			t.Errorf("why not lacks %q:\n%s", want, text)
		}
	}
}
