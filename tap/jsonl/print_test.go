package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

func TestPrintStopsAtCountAndReportsStateChanges(t *testing.T) {
	batches := make(chan tap.Batch, 3)
	msg := func(seq uint64) tap.Message { return tap.Message{Seq: seq, RoutingKey: "k", Body: []byte("hi")} }
	batches <- tap.Batch{Messages: []tap.Message{msg(1), msg(2)}, Status: tap.Status{State: tap.StateRunning}}
	batches <- tap.Batch{Status: tap.Status{State: tap.StateReconnecting, Detail: "connection lost"}}
	batches <- tap.Batch{Messages: []tap.Message{msg(3), msg(4)}, Status: tap.Status{State: tap.StateRunning}}
	var out bytes.Buffer
	var states []string
	err := Printer{Count: 3, OnStatus: func(st tap.Status) { states = append(states, st.State.String()) }}.Print(context.Background(), batches, &out)
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

func TestPrintEndsWhenTheTapStops(t *testing.T) {
	batches := make(chan tap.Batch, 1)
	batches <- tap.Batch{Messages: []tap.Message{{Seq: 1, Body: []byte("x")}}}
	close(batches)
	var out bytes.Buffer
	if err := (Printer{}).Print(context.Background(), batches, &out); err != nil || !strings.Contains(out.String(), `"seq":1`) {
		t.Fatalf("err %v, out %q", err, out.String())
	}
}

func textMessage(seq uint64, rk string) tap.Message {
	return tap.Message{Seq: seq, RoutingKey: rk, Properties: tap.Properties{ContentType: "text/plain"}, Body: []byte("hi")}
}

// TestPrintFilterChoosesAndCount: the filter matches each message's
// reading; refused messages are not written and do not count for Count.
func TestPrintFilterChoosesAndCount(t *testing.T) {
	batches := make(chan tap.Batch, 2)
	batches <- tap.Batch{Messages: []tap.Message{textMessage(1, "a"), textMessage(2, "b"), textMessage(3, "a")}}
	batches <- tap.Batch{Messages: []tap.Message{textMessage(4, "b"), textMessage(5, "a"), textMessage(6, "a")}}
	close(batches)
	var out bytes.Buffer
	cfg := Printer{Count: 3, Filter: filter.Parse("rk:a format:text")}
	if err := cfg.Print(context.Background(), batches, &out); err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		m, err := Parse([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, fmt.Sprint(m.Seq))
	}
	if got := strings.Join(seqs, ","); got != "1,3,5" {
		t.Errorf("wrote %s, want 1,3,5 (routing key a, three of them)", got)
	}
}

// TestPrintIdle: the stream ends with ErrIdle when nothing was written
// for Idle, not while lines keep coming, and messages Keep refuses do not
// keep it alive.
func TestPrintIdle(t *testing.T) {
	const idle = 400 * time.Millisecond
	batches := make(chan tap.Batch)
	done := make(chan error, 1)
	var out bytes.Buffer
	cfg := Printer{Idle: idle, Filter: filter.Parse("rk:a")}
	start := time.Now()
	go func() { done <- cfg.Print(context.Background(), batches, &out) }()
	// Lines every 50 ms for three idle periods: no end.
	seq := uint64(0)
	var last time.Time // when the last line was handed over
	for time.Since(start) < 3*idle {
		seq++
		select {
		case batches <- tap.Batch{Messages: []tap.Message{textMessage(seq, "a")}}:
			last = time.Now()
		case err := <-done:
			t.Fatalf("ended after %v while lines kept coming: %v", time.Since(start), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Then only refused messages: they do not reset the clock.
	for {
		seq++
		select {
		case batches <- tap.Batch{Messages: []tap.Message{textMessage(seq, "b")}}:
			time.Sleep(50 * time.Millisecond)
			if time.Since(last) > 20*idle {
				t.Fatal("no end after refused messages only")
			}
			continue
		case err := <-done:
			if !errors.Is(err, ErrIdle) {
				t.Fatalf("ended with %v, want ErrIdle", err)
			}
			if waited := time.Since(last); waited < idle {
				t.Errorf("ended %v after the last line, before the idle timeout %v", waited, idle)
			}
		}
		break
	}
	if n := strings.Count(out.String(), "\n"); uint64(n) >= seq || n == 0 {
		t.Errorf("%d lines for %d messages", n, seq)
	}
}
