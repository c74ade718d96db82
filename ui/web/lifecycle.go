package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// lifeState is the page's lifecycle model (issue 24): fed on the hub's
// goroutine with the facts the pipeline read (Reading.Facts), asked for
// snapshots by /api/lifecycle.
type lifeState struct {
	mu    sync.Mutex
	model *lifecycle.Model
	now   func() time.Time // time.Now; tests pin it
}

func newLifeState() *lifeState {
	return &lifeState{model: lifecycle.New(lifecycle.Config{}), now: time.Now}
}

// feed applies the facts of the items' messages (markers have none). A
// hub built without one (a test) has no lifecycles.
func (l *lifeState) feed(items []*item) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range items {
		if r := it.msg.Reading; r != nil {
			for _, f := range r.Facts {
				l.model.Apply(it.msg.Time, f)
			}
		}
	}
}

// lifecycleJSON is /api/lifecycle: the per-name (and per-method) table
// and the per-worker table of the page's lifecycles section. Every string
// is sanitised; durations are milliseconds.
type lifecycleJSON struct {
	Names   []nameJSON   `json:"names"`
	Workers []workerJSON `json:"workers"`
	Notes   []string     `json:"notes"`
	Tasks   int          `json:"tasks"`
	Calls   int          `json:"calls"`
	Facts   uint64       `json:"facts"` // 0: nothing lifecycle-shaped seen yet
}

type nameJSON struct {
	Kind    string       `json:"kind"` // task or rpc
	Name    string       `json:"name"`
	Seen    uint64       `json:"seen"`
	Rate    float64      `json:"rate"`
	Running int          `json:"running"` // tasks started; calls waiting for a reply
	OK      uint64       `json:"ok"`
	Failed  uint64       `json:"failed"`
	Retried uint64       `json:"retried"`
	P50     *float64     `json:"p50_ms"` // runtime (tasks) or latency (rpc); null when none measured
	P95     *float64     `json:"p95_ms"`
	P99     *float64     `json:"p99_ms"`
	Last    *failureJSON `json:"last_failure,omitempty"`
}

type failureJSON struct {
	ID        string `json:"id"`
	Exception string `json:"exception"`
	Worker    string `json:"worker,omitempty"`
}

type workerJSON struct {
	Host       string `json:"host"`
	Online     bool   `json:"online"`
	Active     *int64 `json:"active"` // the worker's own figures; null before a heartbeat
	Processed  *int64 `json:"processed"`
	Running    int    `json:"running"`
	Succeeded  uint64 `json:"succeeded"`
	Failed     uint64 `json:"failed"`
	WithoutE   bool   `json:"without_events"` // runs tasks, sends no task events: no -E
	Heartbeats uint64 `json:"heartbeats"`
}

func (l *lifeState) snapshot() lifecycleJSON {
	l.mu.Lock()
	s := l.model.Snapshot(l.now())
	l.mu.Unlock()
	out := lifecycleJSON{Names: []nameJSON{}, Workers: []workerJSON{}, Notes: nonNil(lines(s.Notes)),
		Tasks: s.Tasks, Calls: s.Calls, Facts: s.Counts.Facts}
	for _, r := range s.Names {
		out.Names = append(out.Names, nameJSON{Kind: "task", Name: sanitize.Line(r.Name), Seen: r.Seen, Rate: r.Rate,
			Running: r.Running, OK: r.Succeeded, Failed: r.Failed, Retried: r.Retried,
			P50: ms(r.Runtime.P50, r.Runtime.Count), P95: ms(r.Runtime.P95, r.Runtime.Count), P99: ms(r.Runtime.P99, r.Runtime.Count),
			Last: failure(r.LastFailure)})
	}
	for _, r := range s.Methods {
		out.Names = append(out.Names, nameJSON{Kind: "rpc", Name: sanitize.Line(r.Method), Seen: r.Calls + r.Casts, Rate: r.Rate,
			Running: r.Pending, OK: r.Replied, Failed: r.Failed,
			P50: ms(r.Latency.P50, r.Latency.Count), P95: ms(r.Latency.P95, r.Latency.Count), P99: ms(r.Latency.P99, r.Latency.Count),
			Last: failure(r.LastFailure)})
	}
	for _, w := range s.Workers {
		wj := workerJSON{Host: sanitize.Line(w.Hostname), Online: w.Online, Running: w.Running, Succeeded: w.Succeeded,
			Failed: w.Failed, WithoutE: w.WithoutTaskEvents(), Heartbeats: w.Heartbeats}
		if w.HasLoad {
			a, p := w.Active, w.Processed
			wj.Active, wj.Processed = &a, &p
		}
		out.Workers = append(out.Workers, wj)
	}
	return out
}

func ms(d time.Duration, n uint64) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(d) / float64(time.Millisecond)
	return &v
}

func failure(f *lifecycle.Failure) *failureJSON {
	if f == nil {
		return nil
	}
	return &failureJSON{ID: sanitize.Line(f.ID), Exception: sanitize.Line(f.Exception), Worker: sanitize.Line(f.Worker)}
}

func (s *Server) serveLifecycle(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.hub.life.snapshot())
}
