package capture

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func delivery(seq, of uint64) tap.Message {
	m := sample(int(seq), 4)
	m.Seq = seq
	m.Delivery = &tap.Delivery{Queue: "celery", Connection: "a -> b", Channel: 1, Of: of}
	return m
}

// TestDeliveriesRelinkToLines: a delivery's link to its publish names the
// publish's line once the reader renumbers messages by line, across a
// skipped line and a second session appended to the file whose seqs
// start again; a link to a message not in the file is unknown.
func TestDeliveriesRelinkToLines(t *testing.T) {
	pub := func(seq int) tap.Message { m := sample(seq, 4); m.Seq = uint64(seq); return m }
	path, lines := writeCapture(t, []tap.Message{pub(1), pub(2), delivery(3, 2), pub(1), delivery(2, 1), delivery(3, 99)})
	// A corrupt line between the sessions.
	corrupt := strings.Join(lines[:3], "") + "{not json\n" + strings.Join(lines[3:], "")
	if err := os.WriteFile(path, []byte(corrupt), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, _ := readAll(t, path)
	want := map[uint64]uint64{3: 2, 6: 5, 7: 0} // line of a delivery: line of its publish
	for _, m := range msgs {
		of, isDelivery := want[m.Seq]
		switch {
		case isDelivery && m.Delivery == nil:
			t.Errorf("line %d lost its delivery", m.Seq)
		case isDelivery && m.Delivery.Of != of:
			t.Errorf("line %d delivers line %d, want %d", m.Seq, m.Delivery.Of, of)
		case !isDelivery && m.Delivery != nil:
			t.Errorf("line %d became a delivery", m.Seq)
		}
	}
	if len(msgs) != 6 {
		t.Errorf("read %d messages, want 6", len(msgs))
	}
}

// TestReplayLeavesOutDeliveries: a delivery event records a message
// reaching a consumer, so replaying it would publish the message twice.
func TestReplayLeavesOutDeliveries(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "fanout")
	q := taptest.Queue(t, ep, x, "")
	pub := func(seq int) tap.Message { m := sample(seq, 4); m.Seq = uint64(seq); return m }
	path, _ := writeCapture(t, []tap.Message{pub(1), delivery(2, 1), pub(3), delivery(4, 3)})
	res, err := replayFile(t, path, ReplayConfig{Endpoint: ep, Exchange: x})
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 2 || res.Confirmed != 2 || res.Deliveries != 2 {
		t.Errorf("replay: %s, %d deliveries left out", res, res.Deliveries)
	}
	ch := taptest.Channel(t, ep)
	taptest.Eventually(t, 5*time.Second, "two messages in the queue", func() bool { return taptest.QueueDepth(t, ch, q) == 2 })
}

// TestRelinkReachesTheLastMaxRelinkMessages: a delivery's publish is
// found among the last maxRelink messages, the latest line of a seq
// counting, and not beyond.
func TestRelinkReachesTheLastMaxRelinkMessages(t *testing.T) {
	r := &Reader{}
	next := func(seq, of uint64) uint64 {
		r.line++
		m := tap.Message{Seq: seq}
		if of != 0 {
			m.Delivery = &tap.Delivery{Of: of}
		}
		r.relink(&m, r.line)
		if m.Delivery == nil {
			return 0
		}
		return m.Delivery.Of
	}
	// Lines 1..n carry seqs 1..n; seq 7 comes again on line n+1.
	n := maxRelink + 100
	for seq := 1; seq <= n; seq++ {
		next(uint64(seq), 0)
	}
	next(7, 0)
	cases := []struct{ of, want uint64 }{
		{5, 0}, // too far back
		{uint64(n - maxRelink + 3), uint64(n - maxRelink + 3)}, // the oldest still reachable
		{uint64(n), uint64(n)},
		{7, uint64(n + 1)}, // its latest line
	}
	for _, c := range cases {
		if got := next(uint64(n+10), c.of); got != c.want {
			t.Errorf("a delivery of seq %d links line %d, want %d", c.of, got, c.want)
		}
	}
}
