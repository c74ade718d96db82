package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
)

// wideModel is a topic exchange "events" with 40 queues, one binding
// each (events.<i>.#), a queue dead-lettering to fanout "dlx" and an
// alternate exchange: a tree taller than a screen.
func wideModel() *routing.Topology {
	xs := []routing.Exchange{{Name: "events", Type: routing.Topic, Alternate: "unrouted", AlternateFrom: "argument"}, {Name: "unrouted", Type: routing.Fanout}, {Name: "dlx", Type: routing.Fanout}}
	qs := []routing.Queue{{Name: "lost"}, {Name: "dead"}}
	bs := []routing.Binding{{Source: "unrouted", Destination: "lost", DestinationType: routing.ToQueue}, {Source: "dlx", Destination: "dead", DestinationType: routing.ToQueue}}
	for i := range 40 {
		q := routing.Queue{Name: fmt.Sprintf("consumer-%02d", i)}
		if i == 0 {
			q.DeadLetter = &routing.DeadLetter{Exchange: "dlx", From: "argument"}
		}
		qs = append(qs, q)
		bs = append(bs, routing.Binding{Source: "events", Destination: q.Name, DestinationType: routing.ToQueue, Key: fmt.Sprintf("events.%02d.#", i)})
	}
	return routing.New("/", xs, qs, bs)
}

// wideMessages are n messages to events routed by wideModel: keys cycle
// over consumers 0–3 and one that matches nothing (the alternate).
func wideMessages(live *routing.Live, n uint64) []tap.Message {
	var out []tap.Message
	for seq := uint64(1); seq <= n; seq++ {
		key := fmt.Sprintf("events.%02d.created", seq%5)
		if seq%5 == 4 {
			key = "other.thing"
		}
		m := tap.Message{Seq: seq, Time: t0.Add(time.Duration(seq) * time.Second), Source: "events (#)", Exchange: "events", RoutingKey: key, Body: []byte("{}")}
		r := m.Read()
		r.SetRoute(live.Route(m.Exchange, m.RoutingKey, m.Headers))
		m.Reading = r
		out = append(out, m)
	}
	return out
}

var topologyScreens = []struct {
	name  string
	opts  func() Options
	steps func(tm *teatest.TestModel)
}{
	{"topology", func() Options {
		o := routingOptions
		o.Routing = routingtest.Live()
		return o
	}, func(tm *teatest.TestModel) {
		tm.Send(batch(routedMessages(1, 30), running(30)))
		sendKeys(tm, "T")
	}},
	{"topology-scrolled", func() Options {
		o := routingOptions
		o.Sources = []string{"events (#)"}
		o.Routing = routing.NewLiveWith(wideModel())
		return o
	}, func(tm *teatest.TestModel) {
		tm.Send(batch(wideMessages(routing.NewLiveWith(wideModel()), 20), running(20)))
		sendKeys(tm, "T", "pgdown", "j")
	}},
}

func TestTopologyGolden(t *testing.T) {
	for _, size := range screenSizes {
		for _, sc := range topologyScreens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				goldenScreen(t, size, sc.opts(), sc.steps)
			})
		}
	}
}

func TestTopologyKeyOpensAndEscCloses(t *testing.T) {
	// Without a routing model T does nothing.
	m := newModel(t, 80, 24, routingOptions)
	m = update(t, m, batch(routedMessages(1, 30), running(30)))
	if m = press(t, m, "T"); m.topoOpen {
		t.Fatal("T opened the topology view without a routing model")
	}
	o := routingOptions
	o.Routing = routingtest.Live()
	m = newModel(t, 80, 24, o)
	m = update(t, m, batch(routedMessages(1, 30), running(30)))
	m = press(t, m, "T")
	if !m.topoOpen {
		t.Fatal("T did not open the topology view")
	}
	s := screen(m)
	// 30 messages: seq%3 == 1 is order.paid (10), == 2 order.eu.shipped
	// (10), == 0 order.lost (10, unroutable).
	for _, want := range []string{
		"topology · 30 message(s) this session, 10 unroutable · vhost /",
		`exchange orders (topic)`,
		`key "order.#.shipped" → queue all · 10 (33%)`,
		`key "order.paid" → queue paid · 10 (33%)`,
		`dead letters → exchange dlx (fanout)`,
		`every message → queue dead · 0`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the view lacks %q:\n%s", want, s)
		}
	}
	// The counts follow new batches while the view is open.
	m = update(t, m, batch(routedMessages(31, 33), running(33)))
	if s := screen(m); !strings.Contains(s, `queue paid · 11 (33%)`) || !strings.Contains(s, "33 message(s)") {
		t.Errorf("the counts did not follow:\n%s", s)
	}
	// ? lists the view's keys; closed, the view is still there.
	m = press(t, m, "?")
	if s := screen(m); !strings.Contains(s, "the topology view") || !strings.Contains(s, "scroll down") {
		t.Errorf("the help does not list the topology view's keys:\n%s", s)
	}
	if m = press(t, m, "?"); !m.topoOpen || m.helpOpen {
		t.Error("closing the help left the topology view")
	}
	if m = press(t, m, "esc"); m.topoOpen || m.mode() != 0 {
		t.Errorf("esc did not go back to the table (mode %d)", m.mode())
	}
}

func TestTopologyScrolls(t *testing.T) {
	o := routingOptions
	o.Routing = routing.NewLiveWith(wideModel())
	m := newModel(t, 80, 24, o)
	m = update(t, m, batch(wideMessages(routing.NewLiveWith(wideModel()), 20), running(20)))
	m = press(t, m, "T")
	n, rows := len(m.topo.lines), m.topo.rows()
	if n <= rows {
		t.Fatalf("%d lines fit in %d rows: nothing to scroll", n, rows)
	}
	checkScreen(t, m)
	if m.topo.top != 0 {
		t.Fatalf("opened at line %d", m.topo.top)
	}
	for _, c := range []struct {
		key  string
		want int
	}{
		{"j", 1}, {"k", 0}, {"k", 0}, {"pgdown", rows - 1}, {"G", n - rows}, {"j", n - rows}, {"pgup", n - rows - (rows - 1)}, {"g", 0},
	} {
		m = press(t, m, c.key)
		if m.topo.top != c.want {
			t.Errorf("after %s the view starts at line %d, want %d", c.key, m.topo.top, c.want)
		}
		checkScreen(t, m)
	}
	m = press(t, m, "G")
	if s := screen(m); !strings.Contains(s, "alternate exchange → exchange unrouted (fanout) · 4 (20%)") {
		t.Errorf("the end of the tree is not in view after G:\n%s", s)
	}
}

func TestEdgeCountsOncePerMessage(t *testing.T) {
	// A message reaching two queues through the same exchange-to-exchange
	// binding counts once on it.
	top := routing.New("/",
		[]routing.Exchange{{Name: "a", Type: routing.Fanout}, {Name: "b", Type: routing.Fanout}},
		[]routing.Queue{{Name: "q1"}, {Name: "q2"}},
		[]routing.Binding{
			{Source: "a", Destination: "b", DestinationType: routing.ToExchange},
			{Source: "b", Destination: "q1", DestinationType: routing.ToQueue},
			{Source: "b", Destination: "q2", DestinationType: routing.ToQueue},
		})
	m := tap.Message{Exchange: "a", RoutingKey: "k"}
	r := m.Read()
	r.SetRoute(routing.NewLiveWith(top).Route("a", "k", nil))
	var c edgeCounts
	c.count(r)
	ab := routing.Binding{Source: "a", Destination: "b", DestinationType: routing.ToExchange}
	if got := c.byEdge[routing.EdgeKey(routing.Step{Exchange: "a", Binding: &ab})]; got != 1 || c.routed != 1 {
		t.Errorf("a → b counted %d times, %d routed", got, c.routed)
	}
	if len(c.byEdge) != 3 {
		t.Errorf("%d edges counted, want 3: %v", len(c.byEdge), c.byEdge)
	}
}
