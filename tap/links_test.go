package tap

import (
	"testing"
	"time"
)

func TestLinks(t *testing.T) {
	var l links
	if got := l.deliveryOf("q", 1, false); got != 0 {
		t.Errorf("empty: %d", got)
	}
	l.add("q", 7, 10)
	l.add("q", 7, 11) // the same message again
	l.add("r", 7, 12) // routed to two tapped queues
	steps := []struct {
		queue       string
		redelivered bool
		want        uint64
	}{
		{"q", false, 10}, {"q", true, 10}, {"q", false, 11}, {"q", true, 11},
		{"q", false, 0}, // a third copy was never seen published
		{"r", false, 12},
		{"r", true, 12},
	}
	for i, st := range steps {
		if got := l.deliveryOf(st.queue, 7, st.redelivered); got != st.want {
			t.Errorf("step %d (%s, redelivered %v): #%d, want #%d", i, st.queue, st.redelivered, got, st.want)
		}
	}
	// A redelivery whose first delivery was not seen takes the next waiting.
	l.add("q", 8, 20)
	if got := l.deliveryOf("q", 8, true); got != 20 {
		t.Errorf("redelivery without a first: #%d", got)
	}
}

// TestLinksForgetTheOldest: only the last maxLinks published messages are
// remembered, so memory stays bounded whatever is never delivered.
func TestLinksForgetTheOldest(t *testing.T) {
	var l links
	for seq := uint64(1); seq <= maxLinks+100; seq++ {
		l.add("q", seq, seq)
	}
	l.deliveryOf("q", maxLinks+100, false)
	if len(l.order) != maxLinks || len(l.waiting) != maxLinks-1 || len(l.last) != 1 {
		t.Errorf("remembered %d, waiting %d, last %d", len(l.order), len(l.waiting), len(l.last))
	}
	if got := l.deliveryOf("q", 50, false); got != 0 {
		t.Errorf("a forgotten message was linked: #%d", got)
	}
	if got := l.deliveryOf("q", 150, false); got != 150 {
		t.Errorf("a remembered message was not linked: #%d", got)
	}
}

func TestFingerprintIgnoresHeaders(t *testing.T) {
	m := Message{Exchange: "", RoutingKey: "celery", Body: []byte("x"), Headers: map[string]any{"id": "1"},
		Properties: Properties{CorrelationID: "c", Timestamp: time.Unix(1700000000, 0)}}
	r := m
	r.Headers = map[string]any{"id": "1", "x-delivery-count": int64(1)}
	if fingerprint(m) != fingerprint(r) {
		t.Error("a header added on redelivery changed the fingerprint")
	}
	o := m
	o.Properties.CorrelationID = "d"
	if fingerprint(m) == fingerprint(o) {
		t.Error("two messages with different correlation ids have one fingerprint")
	}
}
