package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// testMessages returns messages from seq on, with routing keys cycling
// through order.created, order.paid and audit.text.
func testMessages(from, n int) []tap.Message {
	keys := []string{"order.created", "order.paid", "audit.text"}
	out := make([]tap.Message, n)
	for i := range out {
		seq := from + i
		rk := keys[seq%len(keys)]
		body := fmt.Sprintf(`{"order_id": %d, "event": %q}`, seq, rk)
		if rk == "audit.text" {
			body = fmt.Sprintf("user %d signed in", seq)
		}
		out[i] = tap.Message{
			Seq: uint64(seq), Time: time.Date(2025, 3, 14, 9, 26, 53, seq*int(time.Millisecond), time.UTC),
			Source: "orders (#)", Exchange: "orders", RoutingKey: rk,
			Properties: tap.Properties{ContentType: "application/json"},
			Body:       []byte(body),
		}
		if rk == "audit.text" {
			out[i].Properties.ContentType = "text/plain"
		}
	}
	return out
}

func running(seen int) tap.Status {
	return tap.Status{State: tap.StateRunning, Broker: "localhost:5672", Vhost: "/", Sources: []string{"orders (#)"}, Seen: uint64(seen), Rate: 12.5}
}

// waitPublished waits until the hub has taken in n items.
func waitPublished(t *testing.T, s *Server, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Published < n {
		if time.Now().After(deadline) {
			t.Fatalf("the hub took in %d items, want %d", s.Stats().Published, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRingKeepsTheNewestWithinCountAndBytes(t *testing.T) {
	s := newTestServer(t, Config{Retain: 10, MaxBytes: 1 << 20})
	s.Publish(tap.Batch{Messages: testMessages(1, 25), Status: running(25)})
	waitPublished(t, s, 25)
	st := s.Stats()
	if st.Retained != 10 || st.Evicted != 15 {
		t.Fatalf("retained %d, evicted %d; want 10 and 15", st.Retained, st.Evicted)
	}
	if _, ok := s.hub.message(15); ok {
		t.Error("message 15 is still retained")
	}
	m, ok := s.hub.message(16)
	if !ok || m.Seq != 16 {
		t.Errorf("message 16: %v %v", m.Seq, ok)
	}

	// Big bodies: the byte budget evicts first, but never the newest.
	b := newTestServer(t, Config{Retain: 100, MaxBytes: 1000})
	big := testMessages(1, 5)
	for i := range big {
		big[i].Body = []byte(strings.Repeat("x", 400))
	}
	b.Publish(tap.Batch{Messages: big})
	waitPublished(t, b, 5)
	if st := b.Stats(); st.Retained != 2 || st.RetainedBytes != 800 {
		t.Errorf("retained %d messages, %d bytes; want 2 and 800", st.Retained, st.RetainedBytes)
	}
	huge := testMessages(6, 1)
	huge[0].Body = make([]byte, 5000)
	b.Publish(tap.Batch{Messages: huge})
	waitPublished(t, b, 6)
	if st := b.Stats(); st.Retained != 1 {
		t.Errorf("after an oversized message: retained %d, want just it", st.Retained)
	}
}

func TestPublishNeverWaitsAndMarksWhatItDropped(t *testing.T) {
	// A hub whose goroutine does not run: its intake fills, and Publish
	// then drops, counting, instead of waiting.
	h := &hub{in: make(chan tap.Batch, intakeBatches), quit: make(chan struct{}), ring: make([]*item, 1000), nextID: 1, changed: make(chan struct{}), maxBytes: 1 << 20}
	for i := range intakeBatches {
		h.publish(tap.Batch{Messages: testMessages(i*2+1, 2)})
	}
	if h.intakeLost.Load() != 0 {
		t.Fatalf("lost %d before the intake was full", h.intakeLost.Load())
	}
	h.publish(tap.Batch{Messages: testMessages(1000, 7)})
	h.publish(tap.Batch{Messages: testMessages(2000, 3)})
	if got := h.intakeLost.Load(); got != 10 {
		t.Fatalf("lost %d, want 10", got)
	}
	// Once running, the hub marks the loss in the stream, where pages see it.
	h.done = make(chan struct{})
	go h.run()
	defer h.stop()
	deadline := time.Now().Add(5 * time.Second)
	for h.snapshot().nextID < uint64(intakeBatches*2+1) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h.publish(tap.Batch{Messages: testMessages(3000, 1)})
	for h.snapshot().nextID < uint64(intakeBatches*2+3) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	items, _, _ := h.since(nil, 1, 1000)
	var markers []uint64
	for _, it := range items {
		if it.lost > 0 {
			markers = append(markers, it.lost)
		}
	}
	if len(markers) != 1 || markers[0] != 10 {
		t.Errorf("markers %v, want one of 10", markers)
	}
}

func TestSinceSaysWhatAPageMissed(t *testing.T) {
	s := newTestServer(t, Config{Retain: 10})
	s.Publish(tap.Batch{Messages: testMessages(1, 30)})
	waitPublished(t, s, 30)
	items, missed, _ := s.hub.since(nil, 5, 4)
	if missed != 16 || len(items) != 4 || items[0].id != 21 {
		t.Errorf("since(5): missed %d, %d items from %d; want 16 missed, 4 items from 21", missed, len(items), items[0].id)
	}
	items, missed, _ = s.hub.since(nil, 31, 100)
	if missed != 0 || len(items) != 0 {
		t.Errorf("since(next): missed %d, %d items", missed, len(items))
	}
}

func TestHistoryStartFindsTheLastMatches(t *testing.T) {
	s := newTestServer(t, Config{Retain: 100})
	s.Publish(tap.Batch{Messages: testMessages(1, 60)})
	waitPublished(t, s, 60)
	// order.paid is every third message (seq 1, 4, 7, …): the last 5 of
	// them start at seq 46.
	if got := s.hub.historyStart(filter.Parse("rk:order.paid"), 5); got != 46 {
		t.Errorf("history of 5 order.paid starts at %d, want 46", got)
	}
	if got := s.hub.historyStart(filter.Parse(""), 500); got != 1 {
		t.Errorf("history of 500 starts at %d, want 1 (all)", got)
	}
	if got := s.hub.historyStart(filter.Parse("nothing-matches-this"), 5); got != 1 {
		t.Errorf("history without matches starts at %d, want 1", got)
	}
}
