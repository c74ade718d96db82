package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// celeryTask is message 1 of the synthetic traffic: a Celery task.
func celeryTask(seq uint64) tap.Message {
	m := message(1)
	m.Seq = seq
	m.Source = "queue celery (firehose)"
	return m
}

// deliveryOf is the firehose's report that the task went to a consumer.
func deliveryOf(seq, of uint64, redelivered bool) tap.Message {
	m := celeryTask(seq)
	m.Delivery = &tap.Delivery{Queue: "celery", Connection: "10.0.0.5:53412 -> 10.0.0.1:5672", Channel: 1,
		User: "worker", Node: "rabbit@mq1", Redelivered: redelivered, Of: of}
	return m
}

func detailText(m Model, seq uint64) string {
	e := m.retained.ring.find(seq)
	if e == nil {
		return ""
	}
	return ansi.Strip(strings.Join(detailLines(m.com.Styles, e), "\n"))
}

// TestDeliveriesInTheUI: deliveries are rows that say to whom; the
// published message's detail pane lists them, and theirs names it; a
// delivery that arrives while the pane is open shows at once; the filter
// tells deliveries from publishes.
func TestDeliveriesInTheUI(t *testing.T) {
	m := newModel(t, 100, 30, testOptions)
	m = update(t, m, batch([]tap.Message{
		celeryTask(1), deliveryOf(2, 1, false), deliveryOf(3, 1, true),
		deliveryOf(4, 0, false), deliveryOf(5, 99, false),
	}, running(5)))
	checkScreen(t, m)
	s := screen(m)
	for _, want := range []string{"delivery", "redelivery", "to 10.0.0.5:53412 ch 1 · tasks.ad"} {
		if !strings.Contains(s, want) {
			t.Errorf("the table lacks %q:\n%s", want, s)
		}
	}

	pub := detailText(m, 1)
	for _, want := range []string{
		"deliveries · delivered 2× to 10.0.0.5:53412 -> 10.0.0.1:5672 ch 1, redelivered",
		"#2  09:26:53.", "to 10.0.0.5:53412 -> 10.0.0.1:5672 ch 1 · user worker",
		" · redelivered",
	} {
		if !strings.Contains(pub, want) {
			t.Errorf("the publish's detail lacks %q:\n%s", want, pub)
		}
	}
	if d := detailText(m, 2); !strings.Contains(d, "delivers") || !strings.Contains(d, "#1 · tasks.add(") ||
		!strings.Contains(d, "rabbit@mq1") || !strings.Contains(d, "redelivered  no") {
		t.Errorf("the delivery's detail:\n%s", d)
	}
	if d := detailText(m, 3); !strings.Contains(d, "redelivered  yes") {
		t.Errorf("the redelivery's detail:\n%s", d)
	}
	if d := detailText(m, 4); !strings.Contains(d, "did not see published") {
		t.Errorf("delivery of an unseen message:\n%s", d)
	}
	if d := detailText(m, 5); !strings.Contains(d, "#99 (not retained)") {
		t.Errorf("delivery of a message no longer retained:\n%s", d)
	}

	// The publish in the detail pane hears of a third delivery at once.
	m = press(t, m, "home", "enter")
	if !strings.Contains(screen(m), "delivered 2×") {
		t.Fatalf("detail pane:\n%s", screen(m))
	}
	m = update(t, m, batch([]tap.Message{deliveryOf(6, 1, false)}, running(6)))
	if !strings.Contains(screen(m), "delivered 3×") {
		t.Errorf("the open pane did not take the new delivery:\n%s", screen(m))
	}
	checkScreen(t, m)

	for q, want := range map[string]int{"format:delivery": 5, "-format:delivery": 1, "format:redelivery": 1, "task:tasks.add": 6, "53412": 5} {
		m.retained.setFilter(filter.Parse(q))
		if n := len(m.retained.shown); n != want {
			t.Errorf("%q shows %d, want %d", q, n, want)
		}
	}
}

// TestDeliveriesAt80x24: the rows and panes fit the smallest terminal.
func TestDeliveriesAt80x24(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch([]tap.Message{celeryTask(1), deliveryOf(2, 1, true)}, running(2)))
	checkScreen(t, m)
	m = press(t, m, "enter")
	checkScreen(t, m)
	m = press(t, m, "esc", "home", "enter")
	checkScreen(t, m)
}
