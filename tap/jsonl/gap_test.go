package jsonl

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// A gap rides on the record after it, round trips, and leaves records
// without one exactly as they were; a reader that knows nothing of gaps
// (the record of an older version) still reads every line.
func TestGapIsAFieldOfTheNextRecord(t *testing.T) {
	from := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	msgs := []tap.Message{
		{Seq: 1, Time: from, Exchange: "orders", RoutingKey: "a", Body: []byte("one")},
		{Seq: 2, Time: from.Add(time.Second), Exchange: "orders", RoutingKey: "b", Body: []byte("two"),
			Gap: &tap.Gap{Reason: tap.GapSampling, From: from.Add(100 * time.Millisecond), To: from.Add(time.Second), Missed: 11000}},
		{Seq: 3, Time: from.Add(20 * time.Second), Exchange: "orders", RoutingKey: "c", Body: []byte("three"),
			Gap: &tap.Gap{Reason: tap.GapReconnect, From: from.Add(2 * time.Second), To: from.Add(19 * time.Second)}},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("%d lines for %d messages: a gap is never a line of its own", len(lines), len(msgs))
	}
	if strings.Contains(lines[0], `"gap"`) {
		t.Errorf("a record with no gap before it mentions one: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"gap":{"reason":"sampling","from":"2026-11-24T12:00:00.1Z","to":"2026-11-24T12:00:01Z","missed_estimate":11000}`) {
		t.Errorf("sampling gap: %s", lines[1])
	}
	if !strings.Contains(lines[2], `"gap":{"reason":"reconnect"`) || strings.Contains(lines[2], "missed_estimate") {
		t.Errorf("reconnect gap (nothing known of what it missed): %s", lines[2])
	}
	for i, l := range lines {
		got, err := Parse([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		want := msgs[i]
		if got.Seq != want.Seq || !reflect.DeepEqual(got.Gap, want.Gap) {
			t.Errorf("line %d read back as seq %d gap %+v, want %+v", i+1, got.Seq, got.Gap, want.Gap)
		}
		// An older reader: the record as it was before gaps.
		var old struct {
			Seq  uint64 `json:"seq"`
			Body string `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &old); err != nil || old.Seq != want.Seq || old.Body != string(want.Body) {
			t.Errorf("line %d: an older reader gets %+v, %v", i+1, old, err)
		}
	}
}
