package jsonl

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

func TestStreamStopsAtCountAndReportsStateChanges(t *testing.T) {
	batches := make(chan tap.Batch, 3)
	msg := func(seq uint64) tap.Message { return tap.Message{Seq: seq, RoutingKey: "k", Body: []byte("hi")} }
	batches <- tap.Batch{Messages: []tap.Message{msg(1), msg(2)}, Status: tap.Status{State: tap.StateRunning}}
	batches <- tap.Batch{Status: tap.Status{State: tap.StateReconnecting, Detail: "connection lost"}}
	batches <- tap.Batch{Messages: []tap.Message{msg(3), msg(4)}, Status: tap.Status{State: tap.StateRunning}}
	var out bytes.Buffer
	var states []string
	err := Stream(context.Background(), batches, &out, 3, func(st tap.Status) { states = append(states, st.State.String()) })
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 3 {
		t.Errorf("%d lines written, want 3 (--count 3):\n%s", lines, out.String())
	}
	if strings.Join(states, ",") != "reconnecting,running" {
		t.Errorf("state changes heard: %v", states)
	}
}

func TestStreamEndsWhenTheTapStops(t *testing.T) {
	batches := make(chan tap.Batch, 1)
	batches <- tap.Batch{Messages: []tap.Message{{Seq: 1, Body: []byte("x")}}}
	close(batches)
	var out bytes.Buffer
	if err := Stream(context.Background(), batches, &out, 0, nil); err != nil || !strings.Contains(out.String(), `"seq":1`) {
		t.Fatalf("err %v, out %q", err, out.String())
	}
}
