package lifecycle

import (
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// nameStats aggregates the tasks of one name.
type nameStats struct {
	name      string
	seen      uint64
	rate      rateWindow
	current   map[State]int // unfinished tasks by state
	finished  map[State]uint64
	retried   uint64
	runtime   Histogram
	lastFail  *Failure
	lastSeen  time.Time
	unordered uint64 // tasks whose first piece was an event
}

// Failure is the latest failure of a task name or an RPC method.
type Failure struct {
	ID        string // task id or _msg_id
	Exception string // Celery: the exception repr; oslo: module.Class: message
	Worker    string
	At        time.Time // when the tap saw it
}

// rateWindow counts arrivals in one-second buckets over the last minute.
type rateWindow struct {
	sec    [rateSeconds]int64 // the Unix second each bucket counts
	counts [rateSeconds]uint32
}

const rateSeconds = 60

func (r *rateWindow) add(at time.Time) {
	s := at.Unix()
	i := int(uint64(s) % rateSeconds)
	if r.sec[i] != s {
		r.sec[i], r.counts[i] = s, 0
	}
	r.counts[i]++
}

// perSecond is the mean arrivals a second over the window seconds that
// ended with now's second.
func (r *rateWindow) perSecond(now time.Time, window int) float64 {
	if window <= 0 || window > rateSeconds {
		window = rateSeconds
	}
	end := now.Unix()
	var n uint64
	for i := range r.sec {
		if s := r.sec[i]; s > end-int64(window) && s <= end {
			n += uint64(r.counts[i])
		}
	}
	return float64(n) / float64(window)
}

// name returns the stats of a task name, or nil when the table is full.
func (m *Model) name(n string) *nameStats {
	ns, ok := m.names[n]
	if ok {
		return ns
	}
	if len(m.names)+len(m.methods) >= m.cfg.MaxNames {
		m.counts.NamesOverflow++
		return nil
	}
	ns = &nameStats{name: n, current: make(map[State]int), finished: make(map[State]uint64)}
	m.names[n] = ns
	return ns
}

// account brings the aggregates up to date with what a task now tells:
// each contribution is made once, when the piece that allows it arrives,
// whatever the order the pieces came in.
func (m *Model) account(t *Task) {
	if t.Worker != "" && t.runningOn == "" && t.State == StateStarted {
		if ws := m.worker(t.Worker); ws != nil {
			ws.running++
			t.runningOn = t.Worker
		}
	}
	if t.runningOn != "" && t.State != StateStarted {
		if ws := m.workers[t.runningOn]; ws != nil {
			ws.running--
		}
		t.runningOn = ""
	}
	if t.State.Finished() && !t.countedWorker && t.Worker != "" {
		if ws := m.worker(t.Worker); ws != nil {
			t.countedWorker = true
			ws.finished[t.State]++
		}
	}
	if t.Name == "" {
		return
	}
	ns := m.name(t.Name)
	if ns == nil {
		return
	}
	if !t.counted {
		t.counted = true
		ns.seen++
		ns.rate.add(t.FirstSeen)
		if t.firstByEvent {
			ns.unordered++
		}
	}
	if t.LastSeen.After(ns.lastSeen) {
		ns.lastSeen = t.LastSeen
	}
	cur := t.State
	if cur.Finished() {
		cur = StateUnknown
	}
	if t.current != cur {
		if t.current != StateUnknown {
			ns.current[t.current]--
		}
		if cur != StateUnknown {
			ns.current[cur]++
		}
		t.current = cur
	}
	if n := t.retriedSteps - t.countedRetry; n > 0 {
		ns.retried += uint64(n)
		t.countedRetry = t.retriedSteps
	}
	if t.State.Finished() && t.countedState == StateUnknown {
		t.countedState = t.State
		ns.finished[t.State]++
		if t.State == StateFailed {
			ns.lastFail = &Failure{ID: t.ID, Exception: t.Exception, Worker: t.Worker, At: t.LastSeen}
		}
	}
	if t.HasRuntime && !t.countedRuntime {
		t.countedRuntime = true
		ns.runtime.Add(t.Runtime)
	}
}

// forget takes an evicted task's current state out of the aggregates;
// what it contributed to the totals stays.
func (m *Model) forget(t *Task) {
	if t.runningOn != "" {
		if ws := m.workers[t.runningOn]; ws != nil {
			ws.running--
		}
	}
	if t.current != StateUnknown {
		if ns := m.names[t.Name]; ns != nil {
			ns.current[t.current]--
		}
	}
}

// workerStats follows one Celery worker.
type workerStats struct {
	hostname      string
	firstSeen     time.Time
	lastSeen      time.Time // any event from it, by the tap's clock
	lastHeartbeat time.Time // by the tap's clock, as Celery's own state does
	heartbeats    uint64
	freq          float64
	online        time.Time // worker-online, tap's clock
	offline       time.Time // worker-offline, tap's clock
	active        int64     // the worker's own figures, from its last heartbeat
	processed     int64
	hasLoad       bool
	taskEvents    uint64 // task-* events it sent
	running       int    // tasks started on it, not finished, as the model sees them
	finished      map[State]uint64
}

// defaultFreq is the heartbeat interval assumed before a heartbeat says
// it: Celery's events.state assumes 60 s too.
const defaultFreq = 60.0

// expireWindow is Celery's HEARTBEAT_EXPIRE_WINDOW: a worker is offline
// when no heartbeat came for twice its interval.
const expireWindow = 2.0

func (m *Model) worker(host string) *workerStats {
	ws, ok := m.workers[host]
	if ok {
		return ws
	}
	if len(m.workers) >= m.cfg.MaxWorkers {
		m.counts.WorkersOverflow++
		return nil
	}
	ws = &workerStats{hostname: host, finished: make(map[State]uint64)}
	m.workers[host] = ws
	return ws
}

func (m *Model) applyWorker(seen time.Time, f decode.Fact) {
	if f.Hostname == "" {
		return
	}
	ws := m.worker(f.Hostname)
	if ws == nil {
		return
	}
	if ws.firstSeen.IsZero() {
		ws.firstSeen = seen
	}
	if seen.After(ws.lastSeen) {
		ws.lastSeen = seen
	}
	if f.Freq > 0 {
		ws.freq = f.Freq
	}
	switch f.Type {
	case "worker-online":
		ws.online = seen
		ws.lastHeartbeat = later(ws.lastHeartbeat, seen)
	case "worker-heartbeat":
		ws.heartbeats++
		ws.lastHeartbeat = later(ws.lastHeartbeat, seen)
	case "worker-offline":
		ws.offline = seen
	}
	if f.HasLoad {
		ws.active, ws.processed, ws.hasLoad = f.Active, f.Processed, true
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// isOnline applies Celery's rule: a worker is online while its last
// heartbeat is younger than twice its heartbeat interval and no
// worker-offline came after it.
func (ws *workerStats) isOnline(now time.Time) bool {
	if ws.lastHeartbeat.IsZero() {
		return false
	}
	if !ws.offline.IsZero() && !ws.offline.Before(ws.lastHeartbeat) {
		return false
	}
	freq := ws.freq
	if freq <= 0 {
		freq = defaultFreq
	}
	expires := ws.lastHeartbeat.Add(time.Duration(freq * expireWindow * float64(time.Second)))
	return now.Before(expires)
}
