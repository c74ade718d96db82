package lifecycle

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Snapshot is the model's state as plain values, for views: nothing in it
// points back into the model.
type Snapshot struct {
	At      time.Time
	Names   []NameRow   // per task name, sorted by name
	Methods []MethodRow // per oslo RPC method, sorted by method
	Workers []WorkerRow // sorted by hostname
	Tasks   int         // lifecycles kept now
	Calls   int         // oslo calls kept now
	// Unnamed counts kept tasks whose name no piece told yet.
	Unnamed int
	// WithoutEvents counts kept unfinished tasks whose message is older
	// than the events grace and for which no event came.
	WithoutEvents int
	Counts        Counts
	// Notes say what is missing in the traffic as a whole, e.g. that no
	// Celery event came at all.
	Notes []string
}

// NameRow is one task name's line of a per-name table.
type NameRow struct {
	Name string
	Seen uint64 // tasks of this name seen
	// Rate is tasks first seen a second, over the last 10 seconds.
	Rate      float64
	Waiting   int // sent, not yet received by a worker (as far as seen)
	Received  int // received by a worker, not started
	Running   int // started, not finished
	Retrying  int // retried, the next attempt not yet seen
	Succeeded uint64
	Failed    uint64
	Retried   uint64 // retries (task-retried events)
	Revoked   uint64
	Rejected  uint64
	// Runtime is the worker's own figure from task-succeeded.
	Runtime     Quantiles
	LastFailure *Failure
	LastSeen    time.Time
	// EventsFirst counts tasks whose first piece was an event: their task
	// message came later or never.
	EventsFirst uint64
}

// MethodRow is one oslo RPC method's line.
type MethodRow struct {
	Method  string
	Calls   uint64
	Casts   uint64
	Rate    float64 // calls and casts a second over the last 10 seconds
	Replied uint64
	Failed  uint64
	Pending int // calls waiting for a reply now
	// NoReply counts pending calls older than their timeout.
	NoReply     int
	Latency     Quantiles
	LastFailure *Failure
	LastSeen    time.Time
}

// WorkerRow is one Celery worker's line.
type WorkerRow struct {
	Hostname string
	// Online follows Celery's rule: a heartbeat (or any event) younger
	// than twice the heartbeat interval, and no worker-offline after it.
	Online        bool
	LastHeartbeat time.Time
	Heartbeats    uint64
	Freq          time.Duration // heartbeat interval the worker announced; 0 if none yet
	// Active and Processed are the worker's own figures from its last
	// heartbeat; HasLoad is false until one came.
	Active    int64
	Processed int64
	HasLoad   bool
	// TaskEvents counts the task events it sent. A worker without -E
	// sends heartbeats (worker events) and no task events: see
	// WithoutTaskEvents.
	TaskEvents uint64
	// Running, Succeeded and Failed are what the model saw of it.
	Running   int
	Succeeded uint64
	Failed    uint64
	Retried   uint64
	Revoked   uint64
	Rejected  uint64
	OnlineAt  time.Time // worker-online, if seen
	OfflineAt time.Time // worker-offline, if seen
	LastSeen  time.Time
}

// WithoutTaskEvents says the worker runs tasks (its heartbeat counts them)
// but sends no task events: it runs without -E.
func (w WorkerRow) WithoutTaskEvents() bool {
	return w.HasLoad && w.Processed > 0 && w.TaskEvents == 0
}

const rateWindowSeconds = 10

// Snapshot returns the aggregates as of now (the tap's clock).
func (m *Model) Snapshot(now time.Time) Snapshot {
	s := Snapshot{At: now, Tasks: m.tasks.len(), Calls: m.calls.len(), Counts: m.counts}
	for name, ns := range m.names {
		r := NameRow{Name: name, Seen: ns.seen, Rate: ns.rate.perSecond(now, rateWindowSeconds),
			Waiting: ns.current[StateSent], Received: ns.current[StateReceived],
			Running: ns.current[StateStarted], Retrying: ns.current[StateRetried],
			Succeeded: ns.finished[StateSucceeded], Failed: ns.finished[StateFailed],
			Revoked: ns.finished[StateRevoked], Rejected: ns.finished[StateRejected],
			Retried: ns.retried, Runtime: ns.runtime.Quantiles(), LastSeen: ns.lastSeen,
			EventsFirst: ns.unordered}
		if ns.lastFail != nil {
			f := *ns.lastFail
			r.LastFailure = &f
		}
		s.Names = append(s.Names, r)
	}
	sort.Slice(s.Names, func(i, j int) bool { return s.Names[i].Name < s.Names[j].Name })

	noReply := map[string]int{}
	m.calls.eachLive(func(c *Call) bool {
		if c.overdue(now, m.cfg.NoReplyAfter) {
			noReply[c.Method]++
		}
		return true
	})
	for name, ms := range m.methods {
		r := MethodRow{Method: name, Calls: ms.calls, Casts: ms.casts,
			Rate: ms.rate.perSecond(now, rateWindowSeconds), Replied: ms.replied, Failed: ms.failed,
			Pending: ms.pending, NoReply: noReply[name], Latency: ms.latency.Quantiles(), LastSeen: ms.lastSeen}
		if ms.lastFail != nil {
			f := *ms.lastFail
			r.LastFailure = &f
		}
		s.Methods = append(s.Methods, r)
	}
	sort.Slice(s.Methods, func(i, j int) bool { return s.Methods[i].Method < s.Methods[j].Method })

	for host, ws := range m.workers {
		s.Workers = append(s.Workers, WorkerRow{Hostname: host, Online: ws.isOnline(now),
			LastHeartbeat: ws.lastHeartbeat, Heartbeats: ws.heartbeats,
			Freq:   time.Duration(ws.freq * float64(time.Second)),
			Active: ws.active, Processed: ws.processed, HasLoad: ws.hasLoad,
			TaskEvents: ws.taskEvents, Running: ws.running, Succeeded: ws.finished[StateSucceeded], Failed: ws.finished[StateFailed],
			Retried: ws.finished[StateRetried], Revoked: ws.finished[StateRevoked],
			Rejected: ws.finished[StateRejected], OnlineAt: ws.online, OfflineAt: ws.offline, LastSeen: ws.lastSeen})
	}
	sort.Slice(s.Workers, func(i, j int) bool { return s.Workers[i].Hostname < s.Workers[j].Hostname })

	m.tasks.eachLive(func(t *Task) bool {
		if t.Name == "" {
			s.Unnamed++
		}
		if t.HaveMessage && !t.HaveEvents && now.Sub(t.FirstSeen) >= m.cfg.EventsGrace {
			s.WithoutEvents++
		}
		return true
	})
	s.Notes = m.notes(s)
	return s
}

// notes say what the traffic as a whole lacks, and what to do.
func (m *Model) notes(s Snapshot) []string {
	var notes []string
	c := m.counts
	var quiet []string
	for _, w := range s.Workers {
		if w.Online && w.WithoutTaskEvents() {
			quiet = append(quiet, w.Hostname)
		}
	}
	if len(quiet) > 0 {
		notes = append(notes, "workers that run tasks but send no task events (heartbeats only): "+
			strings.Join(quiet, ", ")+": they run without -E; start them with -E, or run `celery control enable_events`")
	}
	if c.TaskMessages > 0 && c.TaskEvents == 0 && s.WithoutEvents > 0 {
		notes = append(notes, strconv.Itoa(s.WithoutEvents)+" task messages and no Celery events: "+
			"the workers may run without -E (start them with -E, or run `celery control enable_events`), "+
			"or the celeryev exchange is not tapped")
	} else if s.WithoutEvents > 0 {
		notes = append(notes, strconv.Itoa(s.WithoutEvents)+" tasks sent with no events for them: "+
			"the workers that take them may run without -E")
	}
	if c.TaskEvents > 0 && c.TaskMessages == 0 {
		notes = append(notes, "Celery events and no task messages: the task queues or exchanges are not tapped")
	}
	if c.EvictedFinishedTasks+c.EvictedUnfinishedTasks > 0 {
		notes = append(notes, "store full: "+strconv.FormatUint(c.EvictedFinishedTasks, 10)+
			" finished and "+strconv.FormatUint(c.EvictedUnfinishedTasks, 10)+" unfinished tasks evicted (oldest first)")
	}
	if c.EvictedFinishedCalls+c.EvictedUnfinishedCalls > 0 {
		notes = append(notes, "store full: "+strconv.FormatUint(c.EvictedFinishedCalls+c.EvictedUnfinishedCalls, 10)+
			" RPC calls evicted (oldest finished first)")
	}
	if c.NamesOverflow > 0 {
		notes = append(notes, "too many task names and methods: some not aggregated")
	}
	return notes
}

// Task returns one task's lifecycle, for a per-task timeline.
func (m *Model) Task(id string) (Task, bool) {
	t, ok := m.tasks.get(id)
	if !ok {
		return Task{}, false
	}
	return t.clone(), true
}

// Call returns one oslo call by _msg_id.
func (m *Model) Call(msgID string) (Call, bool) {
	c, ok := m.calls.get(msgID)
	if !ok {
		return Call{}, false
	}
	return c.clone(), true
}

// Tasks returns up to limit kept tasks that keep accepts (nil accepts
// all), unfinished ones first, each group oldest first. keep must not
// modify the task.
func (m *Model) Tasks(limit int, keep func(*Task) bool) []Task {
	return collect(m.tasks.each, limit, keep, (*Task).clone)
}

// Recent is Tasks newest first: up to limit kept tasks that keep accepts,
// unfinished ones first (the latest sent first), then finished ones (the
// latest finished first) — what a view of a busy system shows on top.
func (m *Model) Recent(limit int, keep func(*Task) bool) []Task {
	return collect(m.tasks.eachNewest, limit, keep, (*Task).clone)
}

// Calls returns up to limit kept calls that keep accepts (nil accepts
// all), waiting ones first, each group oldest first.
func (m *Model) Calls(limit int, keep func(*Call) bool) []Call {
	return collect(m.calls.each, limit, keep, (*Call).clone)
}

// collect copies up to limit values (all when limit <= 0) that keep
// accepts (nil accepts all), in the order walk visits them: the copies
// are the caller's, the model keeps its own.
func collect[T any](walk func(func(*T) bool), limit int, keep func(*T) bool, clone func(*T) T) []T {
	var out []T
	walk(func(v *T) bool {
		if keep == nil || keep(v) {
			out = append(out, clone(v))
		}
		return limit <= 0 || len(out) < limit
	})
	return out
}

// NoReplyAfter is the configured timeout after which a call without a
// reply counts as overdue (for Call.Status).
func (m *Model) NoReplyAfter() time.Duration { return m.cfg.NoReplyAfter }

// EventsGrace is the configured wait for a task's first event (for
// Task.Notes).
func (m *Model) EventsGrace() time.Duration { return m.cfg.EventsGrace }
