package capture

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// What was read from a stream records with its offsets, reads back with
// them, and replays like any capture: into another stream here, which then
// holds the same bodies at its own offsets, without the first stream's
// offset header.
func TestStreamRecordReadReplay(t *testing.T) {
	ep := taptest.Endpoint(t)
	src := taptest.Stream(t, ep, nil)
	bodies := taptest.Bodies("s", 0, 40)
	taptest.PublishConfirmed(t, ep, "", src, bodies[:10]) // not recorded
	taptest.PublishConfirmed(t, ep, "", src, bodies[10:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: src}}, From: tap.From{Kind: tap.FromOffset, Offset: 10, Text: "offset:10"}, Host: "it-capture-stream"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stream.jsonl")
	rec, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < 30 {
		select {
		case b := <-s.Batches():
			if err := rec.WriteBatch(b.Messages); err != nil {
				t.Fatal(err)
			}
			n += len(b.Messages)
		case <-ctx.Done():
			t.Fatalf("read %d of 30", n)
		}
	}
	if err := rec.Close(); err != nil || rec.Written() != 30 {
		t.Fatalf("recorded %d (%v)", rec.Written(), err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	msgs, _ := readAll(t, path)
	if len(msgs) != 30 {
		t.Fatalf("read back %d messages", len(msgs))
	}
	for i, m := range msgs {
		if !m.HasOffset || m.Offset != int64(10+i) || string(m.Body) != bodies[10+i] {
			t.Fatalf("line %d: %q at offset %d (has %v)", i+1, m.Body, m.Offset, m.HasOffset)
		}
		if _, ok := m.Headers["x-stream-offset"]; ok {
			t.Fatalf("line %d keeps the broker's offset header", i+1)
		}
	}

	dst := taptest.Stream(t, ep, nil)
	key := dst
	res, err := replayFile(t, path, ReplayConfig{Endpoint: ep, Exchange: "", RoutingKey: &key})
	if err != nil || res.Confirmed != 30 || res.Returned != 0 {
		t.Fatalf("replay: %v (%s)", err, res)
	}
	got := taptest.ReadStream(t, ep, dst, "first", time.Second)
	if len(got) != 30 {
		t.Fatalf("the replayed stream holds %d messages", len(got))
	}
	for i, e := range got {
		if e.Body != bodies[10+i] || e.Offset != int64(i) {
			t.Fatalf("replayed message %d: %q at %d", i, e.Body, e.Offset)
		}
	}
}
