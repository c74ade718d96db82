package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui"
)

func TestStampRoundTrip(t *testing.T) {
	body := make([]byte, 100)
	at := time.Now().Add(-time.Second)
	stamp(body, 7, at)
	got, ok := sentAt(body)
	if !ok || !got.Equal(at) {
		t.Fatalf("sentAt = %v, %v; want %v", got, ok, at)
	}
	if body[3] != 7 {
		t.Fatalf("sequence not in bytes 0–3: % x", body[:4])
	}
	if _, ok := sentAt([]byte("shoveltap heartbeat")); ok {
		t.Fatal("a heartbeat body must not read as stamped")
	}
}

func TestSummarizeAndPercentile(t *testing.T) {
	s := summarize([]float64{3, 1, 2, 10})
	if s.Median != 2.5 || s.Min != 1 || s.Max != 10 || s.N != 4 {
		t.Fatalf("summarize = %+v", s)
	}
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(lat, 99); p != 99 {
		t.Fatalf("p99 = %v, want 99", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Fatalf("p50 of nothing = %v", p)
	}
}

func TestParseGoBench(t *testing.T) {
	out := "pkg: github.com/shoveltap/shoveltap/ui\nBenchmarkRenderScrolled100k-2   \t     500\t   2345678 ns/op\t  1024 B/op\t  12 allocs/op\nPASS\n"
	rows := parseGoBench(out)
	if len(rows) != 1 || rows[0].Name != "BenchmarkRenderScrolled100k" || rows[0].NsPerOp != 2345678 || rows[0].AllocsPerOp != 12 || !strings.HasSuffix(rows[0].Package, "/ui") {
		t.Fatalf("parseGoBench = %+v", rows)
	}
}

// batchMsg stands in for the UI's own message type: asBatch must recognise
// a named type over tap.Batch called batchMsg and nothing else.
type batchMsg tap.Batch

func TestAsBatch(t *testing.T) {
	b, ok := asBatch(batchMsg{Messages: []tap.Message{{Seq: 1}}})
	if !ok || len(b.Messages) != 1 {
		t.Fatalf("asBatch(batchMsg) = %v, %v", b, ok)
	}
	if _, ok := asBatch(tap.Batch{}); ok {
		t.Fatal("asBatch accepted a bare tap.Batch")
	}
	if _, ok := asBatch(nil); ok {
		t.Fatal("asBatch accepted nil")
	}
}

func TestNear(t *testing.T) {
	for _, c := range []struct {
		shown string
		want  int64
		ok    bool
	}{{"3,110", 3112, true}, {"0", 0, true}, {"2,864", 0, false}, {"1.2k", 1200, false}, {"100,000", 100900, true}} {
		if got := near(c.shown, c.want); got != c.ok {
			t.Errorf("near(%q, %d) = %v", c.shown, c.want, got)
		}
	}
}

// The headless UI counts what the model took in only if it recognises the
// UI's batch message, whatever its shape.
func TestHeadlessUICountsBatches(t *testing.T) {
	in := make(chan tap.Batch, 1)
	h := runHeadlessUI(in, ui.Options{}, false, nil)
	in <- tap.Batch{Messages: []tap.Message{{Seq: 1, RoutingKey: "a"}, {Seq: 2, RoutingKey: "b"}}}
	close(in)
	h.wait()
	if got := h.Received.Load(); got != 2 {
		t.Fatalf("headless UI counted %d messages, want 2", got)
	}
}

func TestStampedSeq(t *testing.T) {
	body := make([]byte, 100)
	stamp(body, 70000, time.Now())
	line := []byte(`{"seq":3,"size":100,"body_base64":"` + base64.StdEncoding.EncodeToString(body) + `","gap":{"missed_estimate":12}}`)
	if seq, ok := stampedSeq(line); !ok || seq != 70000 {
		t.Fatalf("stampedSeq = %d, %v", seq, ok)
	}
	if _, ok := stampedSeq([]byte(`{"body":"probe"}`)); ok {
		t.Fatal("a text body read as stamped")
	}
}

func TestParseGoBenchOwnMetrics(t *testing.T) {
	out := "pkg: github.com/shoveltap/shoveltap/tap/lifecycle\nBenchmarkMillionTasks-2   \t       1\t 727308892 ns/op\t       791.0 cpu-ns/fact\t       115.9 rss-MB\t         0.9988 worst-q-err-%\t 3.42 MB/s\n"
	rows := parseGoBench(out)
	if len(rows) != 1 || rows[0].Metrics["rss-MB"] != 115.9 || rows[0].Metrics["worst-q-err-%"] != 0.9988 || rows[0].NsPerOp != 727308892 {
		t.Fatalf("parseGoBench = %+v", rows)
	}
	if _, ok := rows[0].Metrics["MB/s"]; ok {
		t.Fatalf("throughput kept as a metric: %+v", rows[0].Metrics)
	}
	r := &results{GoBench: rows}
	var lines []string
	r.goBenchTargets(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }, func(ok bool) string { return fmt.Sprint(ok) })
	if len(lines) != 1 || !strings.Contains(lines[0], "116 MB") || !strings.HasSuffix(lines[0], "| true |") {
		t.Fatalf("targets: %q", lines)
	}
}

func TestTapCPURatioPairsByRepetition(t *testing.T) {
	r := &results{TapCPU: []tapCPURow{
		{Pair: "metrics", Config: "base", Rep: 1, CPUPerMsg: 10}, {Pair: "metrics", Config: "feature", Rep: 1, CPUPerMsg: 12},
		{Pair: "metrics", Config: "base", Rep: 2, CPUPerMsg: 20}, {Pair: "metrics", Config: "feature", Rep: 2, CPUPerMsg: 21},
		{Pair: "web", Config: "feature", Rep: 1, CPUPerMsg: 99},
	}}
	if s := r.tapCPURatio("metrics"); s.N != 2 || s.Min != 1.05 || s.Max != 1.2 {
		t.Fatalf("metrics ratio %+v", s)
	}
	if s := r.tapCPURatio("web"); s.N != 0 {
		t.Fatalf("a feature run without its base has a ratio: %+v", s)
	}
}
