package setup

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// readHistory reads n messages of a history stream from its start with a
// shoveltap session, as `shoveltap --url MIRROR --queue STREAM --from
// first` does.
func readHistory(t *testing.T, mirror broker.Endpoint, x string, n int) []tap.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: mirror, Sources: []tap.Source{{Queue: HistoryStream(x)}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-history"})
	if err != nil {
		t.Fatalf("reading the history: %v", err)
	}
	defer s.Close(context.Background())
	var got []tap.Message
	for len(got) < n {
		select {
		case b := <-s.Batches():
			got = append(got, b.Messages...)
		case <-ctx.Done():
			t.Fatalf("read %d of %d messages of the history", len(got), n)
		}
	}
	return got
}

// A mirror with a history: apply creates the stream on the mirror bound to
// the mirror's exchange, production's traffic lands in it in order and
// stamped, status tells its span, and teardown leaves both brokers as
// they were.
func TestMirrorHistoryLifecycle(t *testing.T) {
	prod := taptest.Endpoint(t)
	mirror := mirrorEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	mine := []string{x}
	prodBefore, mirrorBefore := snapshot(t, prod, mine...), snapshot(t, mirror, mine...)
	cfg := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x, Limits: Limits{History: "1h", HistoryBytes: "8MiB"}}}}
	testSetup(t, prod, mirror, cfg) // tears down if the test stops half-way

	out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: cfg})
	if err != nil || !strings.Contains(out, "+ mirror     create  stream   "+HistoryStream(x)+"  (stream, keeps 1h / 8MiB)") ||
		!strings.Contains(out, "+ mirror     bind    binding  "+x+" → "+HistoryStream(x)) {
		t.Fatalf("apply (%v):\n%s", err, out)
	}
	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: cfg})
	if err != nil || !strings.Contains(out, "Nothing to change") {
		t.Fatalf("second apply should change nothing (%v):\n%s", err, out)
	}
	waitShovelRunning(t, prod, x)
	p := newPublisher(t, prod)
	before := time.Now().Add(-time.Second)
	p.publish(t, x, "h", 0, 300, []string{"order.created", "order.paid"})

	got := readHistory(t, mirror, x, 300)
	for i, m := range got {
		if want := seqRange("h", i, i+1)[0]; string(m.Body) != want {
			t.Fatalf("history message %d is %q, want %q", i, m.Body, want)
		}
		if _, ok := m.Headers["x-shovelled-timestamp"]; !ok {
			t.Fatalf("history message %d has no carry time: %v", i, m.Headers)
		}
	}

	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdStatus, Config: cfg, JSON: true})
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	var status struct{ Pieces []StatusRow }
	if err := json.Unmarshal([]byte(out), &status); err != nil {
		t.Fatal(err)
	}
	var h *HistorySpan
	for _, r := range status.Pieces {
		if r.Kind == "stream" && r.Name == HistoryStream(x) && r.State == "ok" {
			h = r.History
		}
	}
	if h == nil || h.Empty || h.FirstOffset != 0 || h.Messages < 300 || h.First == nil || h.Last == nil ||
		h.First.Before(before.Truncate(time.Second)) || h.Last.Before(*h.First) || h.ApproxBytes < 300*3 {
		t.Fatalf("status of the history: %+v\n%s", h, out)
	}
	out, _ = runCmd(t, prod, mirror, RunConfig{Command: CmdStatus, Config: cfg})
	t.Logf("status:\n%s", out)
	if !strings.Contains(out, "holds offsets 0–") {
		t.Errorf("status table does not tell the span:\n%s", out)
	}

	// Another retention cannot be applied over the history.
	other := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x, Limits: Limits{History: "2h", HistoryBytes: "8MiB"}}}}
	if out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdPlan, Config: other}); err == nil || !strings.Contains(err.Error(), "another retention") {
		t.Errorf("plan with another retention (%v):\n%s", err, out)
	}

	out, err = runCmd(t, prod, mirror, RunConfig{Command: CmdTeardown, Config: cfg})
	if err != nil || !strings.Contains(out, "- mirror     delete  stream   "+HistoryStream(x)) {
		t.Fatalf("teardown (%v):\n%s", err, out)
	}
	sameLines(t, "production", prodBefore, snapshot(t, prod, mine...))
	sameLines(t, "mirror", mirrorBefore, snapshot(t, mirror, mine...))
}

// The history keeps what its byte bound allows: the oldest segments go,
// and status says so.
func TestMirrorHistoryRetention(t *testing.T) {
	prod := taptest.Endpoint(t)
	mirror := mirrorEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	const bound = 1 << 20
	s := testSetup(t, prod, mirror, Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x, Limits: Limits{HistoryBytes: "1MiB"}}}})
	mustApply(t, s)
	waitShovelRunning(t, prod, x)

	ch := taptest.Channel(t, prod)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	// 4 MiB of 1 KiB bodies, four times the bound.
	body := strings.Repeat("r", 1024)
	var bodies []string
	for range 4096 {
		bodies = append(bodies, body)
	}
	taptest.PublishConfirmed(t, prod, x, "k", bodies)
	var span tap.StreamSpan
	taptest.Eventually(t, 60*time.Second, "the history to hold the last message", func() bool {
		var err error
		span, err = tap.ReadSpan(context.Background(), mirror, HistoryStream(x))
		return err == nil && !span.Empty && span.LastOffset >= 4095
	})
	// At most the bound and the segment being written (a tenth of it at
	// least 256 KiB), with room for the stream's per-message overhead.
	// Retention runs when a segment rolls; RabbitMQ 4.3 may finish it a
	// moment after the last message lands.
	limit := int64(bound + segmentBytes(bound) + bound/4)
	within := func() bool {
		var err error
		span, err = tap.ReadSpan(context.Background(), mirror, HistoryStream(x))
		return err == nil && span.FirstOffset > 0 && int64(span.Messages())*1024 <= limit
	}
	deadline := time.Now().Add(20 * time.Second)
	for !within() && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	if span.FirstOffset == 0 {
		t.Fatalf("retention removed nothing: %+v", span)
	}
	if held := int64(span.Messages()) * 1024; held > limit {
		t.Errorf("the history holds %d messages (%d KiB of bodies), over its bound of %d KiB", span.Messages(), held>>10, bound>>10)
	}
	t.Logf("history after 4 MiB published into a 1 MiB bound: %+v", span)
}
