package metrics

import (
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/shoveltap/shoveltap/tap"
)

// scrape serves c's handler once and parses the text format.
func scrape(t *testing.T, c *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parsing the text format: %v\n%s", err, rec.Body)
	}
	return fams
}

// value finds the sample of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func must(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := value(t, fams, name, labels)
	if !ok || got != want {
		t.Errorf("%s%v = %v (found %v), want %v", name, labels, got, ok, want)
	}
}

func TestCounts(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := now
	c := New(Config{TopN: 2, Now: func() time.Time { return clock }})
	json := tap.Properties{ContentType: "application/json"}
	celery := func(task string) tap.Message {
		return tap.Message{Source: "celery", RoutingKey: "celery", Time: now,
			Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"},
			Headers:    map[string]any{"task": task, "id": "6c3f2d5e-1111-4b5b-9c44-2b1f4c8c0a01", "lang": "py"},
			Body:       []byte(`[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)}
	}
	batch := tap.Batch{Status: tap.Status{State: tap.StateRunning, Dropped: 3, Reconnects: 1}, Messages: []tap.Message{
		{Source: "orders (#)", RoutingKey: "order.paid", Time: now, Properties: json, Body: []byte(`{"id":1}`),
			Headers: map[string]any{"timestamp_in_ms": now.Add(-20 * time.Millisecond).UnixMilli()}},
		{Source: "orders (#)", RoutingKey: "order.paid", Time: now, Properties: json, Body: []byte(`{"id":2}`)},
		{Source: "orders (#)", RoutingKey: "order.failed", Time: now, Properties: json, Body: []byte(`not json`),
			Gap: &tap.Gap{Reason: tap.GapReconnect, From: now.Add(-1500 * time.Millisecond), To: now}},
		{Source: "orders (#)", RoutingKey: "order.new", Time: now, Body: []byte(`x`)},
		celery("tasks.add"), celery("tasks.add"), celery("tasks.mul"),
	}}
	c.Observe(batch)
	clock = now.Add(90 * time.Second)
	c.Observe(tap.Batch{Status: tap.Status{State: tap.StateRunning, Dropped: 5, Reconnects: 1, Budget: tap.BudgetStatus{SampledAway: 7}}})

	f := scrape(t, c)
	must(t, f, "shoveltap_messages_total", map[string]string{"source": "orders (#)", "format": "json"}, 2)
	must(t, f, "shoveltap_messages_total", map[string]string{"source": "orders (#)", "format": "text"}, 2)
	must(t, f, "shoveltap_messages_total", map[string]string{"source": "celery", "format": "celery"}, 3)
	must(t, f, "shoveltap_message_bytes_total", map[string]string{"source": "orders (#)", "format": "json"}, 16)
	must(t, f, "shoveltap_decode_errors_total", map[string]string{"format": "text"}, 1)
	// Top 2 routing keys: order.paid and order.failed take the free
	// places; celery, surely heavier at its second message, takes
	// order.failed's, whose count moves to other with order.new's and
	// celery's first.
	must(t, f, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "order.paid"}, 2)
	must(t, f, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "celery"}, 2)
	must(t, f, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "other"}, 3)
	if _, ok := value(t, f, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "order.failed"}); ok {
		t.Error("order.failed still has a series after it was demoted")
	}
	must(t, f, "shoveltap_task_messages_total", map[string]string{"kind": "celery", "name": "tasks.add"}, 2)
	must(t, f, "shoveltap_task_messages_total", map[string]string{"kind": "celery", "name": "tasks.mul"}, 1)
	must(t, f, "shoveltap_dropped_total", nil, 5)
	must(t, f, "shoveltap_sampled_away_total", nil, 7)
	must(t, f, "shoveltap_reconnects_total", nil, 1)
	must(t, f, "shoveltap_gap_seconds_total", map[string]string{"reason": "reconnect"}, 1.5)
	must(t, f, "shoveltap_tap_up", nil, 1)
	must(t, f, "shoveltap_tap_uptime_seconds", nil, 90)
	must(t, f, "shoveltap_publish_latency_seconds", nil, 1)
	h := f["shoveltap_publish_latency_seconds"].Metric[0].Histogram
	if got := h.GetSampleSum(); got < 0.019 || got > 0.021 {
		t.Errorf("latency sum %v, want 0.02", got)
	}

	// A new session's totals start again from zero: counted on top.
	c.Observe(tap.Batch{Status: tap.Status{State: tap.StateStarting, Dropped: 2}})
	f = scrape(t, c)
	must(t, f, "shoveltap_dropped_total", nil, 7)
	must(t, f, "shoveltap_tap_up", nil, 0)
	must(t, f, "shoveltap_tap_uptime_seconds", nil, 0)
}

func TestTopNPromotesHeavyKeys(t *testing.T) {
	top := newTopN(3)
	// Light keys first take the free places…
	for _, k := range []string{"a", "b", "c"} {
		top.add(k, 1)
	}
	// …then heavy keys arrive among many distinct light ones.
	for i := range 20000 {
		top.add(fmt.Sprintf("noise-%d", i), 1)
		top.add("heavy-1", 1)
		if i%2 == 0 {
			top.add("heavy-2", 1)
		}
	}
	got := map[string]float64{}
	top.each(func(k string, c counter) { got[k] = c.messages })
	if len(got) != 4 {
		t.Fatalf("%d series, want 3 keys and other: %v", len(got), got)
	}
	if got["heavy-1"] < 19000 || got["heavy-2"] < 9000 {
		t.Fatalf("heavy keys not promoted, or promoted late: %v", got)
	}
	var sum float64
	for _, v := range got {
		sum += v
	}
	if sum != 3+20000+20000+10000 {
		t.Fatalf("counted %v messages, want every one once: %v", sum, got)
	}
}

// TestTopNMemoryBounded: 100 000 distinct routing keys keep the series at
// N+1 and the sketch at its fixed size, and the heap does not grow with them.
func TestTopNMemoryBounded(t *testing.T) {
	const distinct = 100000
	c := New(Config{TopN: 20})
	msg := tap.Message{Source: "s", Body: []byte("x")}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	feed := func(from int) {
		batch := tap.Batch{Messages: make([]tap.Message, 0, 1000)}
		for i := from; i < from+distinct; i++ {
			m := msg
			m.RoutingKey = fmt.Sprintf("key.%d", i)
			batch.Messages = append(batch.Messages, m)
			if len(batch.Messages) == cap(batch.Messages) {
				c.Observe(batch)
				batch.Messages = batch.Messages[:0]
			}
		}
	}
	feed(0)
	before := heap()
	feed(distinct)
	after := heap()
	if len(c.keys.slots) > cap(c.keys.slots) || len(c.keys.index) != len(c.keys.slots) || len(c.keys.promoted) > 20 {
		t.Fatalf("sketch %d slots (cap %d), index %d, promoted %d", len(c.keys.slots), cap(c.keys.slots), len(c.keys.index), len(c.keys.promoted))
	}
	f := scrape(t, c)
	if n := len(f["shoveltap_routing_key_messages_total"].Metric); n != 21 {
		t.Fatalf("%d routing key series, want 21", n)
	}
	must(t, f, "shoveltap_messages_total", map[string]string{"source": "s"}, 2*distinct)
	// 100 000 more keys must not cost memory per key (tens of bytes each
	// would be megabytes).
	if after > before+512<<10 {
		t.Fatalf("heap grew from %d to %d bytes for 100 000 more distinct keys", before, after)
	}
}

func TestTimestamp(t *testing.T) {
	at := time.UnixMilli(1767322800123)
	for _, tc := range []struct {
		m    tap.Message
		want time.Time
		ok   bool
	}{
		{tap.Message{Headers: map[string]any{"timestamp_in_ms": at.UnixMilli()}}, at, true},
		{tap.Message{Properties: tap.Properties{Timestamp: at.Truncate(time.Second)}}, at.Truncate(time.Second), true},
		{tap.Message{Headers: map[string]any{"timestamp_in_ms": "soon"}}, time.Time{}, false},
		{tap.Message{}, time.Time{}, false},
	} {
		got, ok := Timestamp(tc.m)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%+v: %v %v, want %v %v", tc.m, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNoTopN(t *testing.T) {
	c := New(Config{TopN: -1})
	c.Observe(tap.Batch{Messages: []tap.Message{{RoutingKey: "a"}, {RoutingKey: "b"}}})
	f := scrape(t, c)
	must(t, f, "shoveltap_routing_key_messages_total", map[string]string{"routing_key": "other"}, 2)
	if n := len(f["shoveltap_routing_key_messages_total"].Metric); n != 1 {
		t.Fatalf("%d series", n)
	}
}
