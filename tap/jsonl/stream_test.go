package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
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

func textMessage(seq uint64, rk string) tap.Message {
	return tap.Message{Seq: seq, RoutingKey: rk, Properties: tap.Properties{ContentType: "text/plain"}, Body: []byte("hi")}
}

// TestStreamKeepChoosesAndCount: Keep sees each message with its decoding;
// refused messages are not written and do not count for Count.
func TestStreamKeepChoosesAndCount(t *testing.T) {
	batches := make(chan tap.Batch, 2)
	batches <- tap.Batch{Messages: []tap.Message{textMessage(1, "a"), textMessage(2, "b"), textMessage(3, "a")}}
	batches <- tap.Batch{Messages: []tap.Message{textMessage(4, "b"), textMessage(5, "a"), textMessage(6, "a")}}
	close(batches)
	var out bytes.Buffer
	cfg := StreamConfig{Count: 3, Keep: func(m tap.Message, d decode.Result) bool {
		if d.Format != "text" {
			t.Errorf("message %d decoded as %q", m.Seq, d.Format)
		}
		return m.RoutingKey == "a"
	}}
	if err := cfg.Stream(context.Background(), batches, &out); err != nil {
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

// TestStreamKeepSeesRedacted: with Redact, Keep judges the message as it
// is written, so a filter never matches on a secret it would not print.
func TestStreamKeepSeesRedacted(t *testing.T) {
	batches := make(chan tap.Batch, 1)
	batches <- tap.Batch{Messages: []tap.Message{secretMessage(t)}}
	close(batches)
	var kept []tap.Message
	cfg := StreamConfig{Lines: Options{Redact: true}, Keep: func(m tap.Message, _ decode.Result) bool {
		kept = append(kept, m)
		return true
	}}
	if err := cfg.Stream(context.Background(), batches, io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || bytes.Contains(kept[0].Body, []byte("SECRETTOKENVALUE")) || kept[0].Headers["X-Auth-Token"] == "tok-SECRET" {
		t.Errorf("Keep saw secrets: %+v", kept)
	}
}

// TestStreamIdle: the stream ends with ErrIdle when nothing was written
// for Idle, not while lines keep coming, and messages Keep refuses do not
// keep it alive.
func TestStreamIdle(t *testing.T) {
	const idle = 400 * time.Millisecond
	batches := make(chan tap.Batch)
	done := make(chan error, 1)
	var out bytes.Buffer
	cfg := StreamConfig{Idle: idle, Keep: func(m tap.Message, _ decode.Result) bool { return m.RoutingKey == "a" }}
	start := time.Now()
	go func() { done <- cfg.Stream(context.Background(), batches, &out) }()
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
