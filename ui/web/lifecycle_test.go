package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

var lcT0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// celeryMessages are a task that succeeded on a worker with -E, one that
// failed, and heartbeats of a worker without -E.
func celeryMessages(t *testing.T) []tap.Message {
	seq := uint64(0)
	msg := func(exchange, key string, headers map[string]any, body any) tap.Message {
		seq++
		var b []byte
		switch v := body.(type) {
		case string:
			b = []byte(v)
		default:
			var err error
			if b, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		return tap.Message{Seq: seq, Time: lcT0.Add(time.Duration(seq) * time.Second), Exchange: exchange, RoutingKey: key,
			Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"}, Headers: headers, Body: b}
	}
	task := func(name, id string) tap.Message {
		return msg("", "celery", map[string]any{"task": name, "id": id, "retries": int64(0), "argsrepr": "(1,)"}, `[[1], {}, {}]`)
	}
	ev := func(typ, id, host string, extra map[string]any) tap.Message {
		e := map[string]any{"type": typ, "hostname": host, "timestamp": float64(lcT0.Unix()) + float64(seq+1)}
		if id != "" {
			e["uuid"] = id
		}
		for k, v := range extra {
			e[k] = v
		}
		return msg("celeryev", strings.Replace(typ, "-", ".", 1), nil, e)
	}
	return []tap.Message{
		task("billing.charge", "t-1"),
		ev("task-received", "t-1", "celery@w1", map[string]any{"name": "billing.charge"}),
		ev("task-started", "t-1", "celery@w1", nil),
		ev("task-succeeded", "t-1", "celery@w1", map[string]any{"runtime": 0.5}),
		task("billing.charge", "t-2"),
		ev("task-received", "t-2", "celery@w1", map[string]any{"name": "billing.charge"}),
		ev("task-failed", "t-2", "celery@w1", map[string]any{"exception": "ValueError('<b>declined</b>')"}),
		ev("worker-heartbeat", "", "celery@w1", map[string]any{"freq": 2.0, "active": 0, "processed": 2}),
		ev("worker-heartbeat", "", "celery@w2", map[string]any{"freq": 2.0, "active": 0, "processed": 9}),
	}
}

func getLifecycle(t *testing.T, s *Server) lifecycleJSON {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr() + "/api/lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out lifecycleJSON
	if resp.StatusCode != 200 {
		t.Fatalf("/api/lifecycle: %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAPILifecycle(t *testing.T) {
	s := startTestServer(t, Config{})
	s.hub.life.now = func() time.Time { return lcT0.Add(10 * time.Second) }
	if got := getLifecycle(t, s); got.Facts != 0 || len(got.Names) != 0 {
		t.Fatalf("before any message: %+v", got)
	}
	s.Publish(tap.Batch{Messages: celeryMessages(t), Status: running(9)})
	waitPublished(t, s, 9)
	var got lifecycleJSON
	deadline := time.Now().Add(5 * time.Second)
	for got = getLifecycle(t, s); len(got.Workers) < 2 && time.Now().Before(deadline); got = getLifecycle(t, s) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(got.Names) != 1 {
		t.Fatalf("names %+v", got.Names)
	}
	n := got.Names[0]
	if n.Kind != "task" || n.Name != "billing.charge" || n.Seen != 2 || n.OK != 1 || n.Failed != 1 ||
		n.P50 == nil || *n.P50 < 495 || *n.P50 > 505 || n.Last == nil || n.Last.ID != "t-2" ||
		n.Last.Exception != "ValueError('<b>declined</b>')" {
		t.Errorf("name row %+v (last %+v)", n, n.Last)
	}
	if len(got.Workers) != 2 || got.Workers[0].Host != "celery@w1" || got.Workers[0].WithoutE ||
		got.Workers[1].Host != "celery@w2" || !got.Workers[1].WithoutE || *got.Workers[1].Processed != 9 {
		t.Errorf("workers %+v", got.Workers)
	}
	if len(got.Notes) == 0 || !strings.Contains(got.Notes[0], "without -E") {
		t.Errorf("notes %v", got.Notes)
	}
}
