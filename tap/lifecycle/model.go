// Package lifecycle joins the pieces of traffic that tell a Celery task's
// life (its task message, its events on celeryev, its rpc:// result) by
// task id, and an oslo.messaging RPC call with its reply by _msg_id, into
// lifecycles and aggregates per task name, per RPC method and per worker.
//
// It is pure: fed with messages in order of arrival and the time they were
// seen, it keeps no goroutines, reads no clock and does no I/O, so the
// same messages give the same snapshot. Memory is bounded: lifecycles live
// in a bounded store (the oldest finished evicted first, and counted),
// aggregates in fixed-size histograms, names and workers up to a limit.
// A Model is not safe for concurrent use: one goroutine feeds it and takes
// its snapshots.
package lifecycle

import (
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Config bounds the model; zero values take the defaults.
type Config struct {
	MaxTasks   int // Celery lifecycles kept; 50 000 by default (about 45 MB)
	MaxCalls   int // oslo calls kept; 20 000 by default
	MaxNames   int // task names and RPC methods aggregated; 2 000 by default
	MaxWorkers int // workers followed; 1 000 by default
	// NoReplyAfter is when an oslo call without a reply counts as
	// overdue, unless it carries its own _timeout; 60 s by default
	// (oslo's rpc_response_timeout).
	NoReplyAfter time.Duration
	// EventsGrace is how long a task message may wait for its first event
	// before the model says none came; 10 s by default.
	EventsGrace time.Duration
}

func (c *Config) applyDefaults() {
	if c.MaxTasks <= 0 {
		c.MaxTasks = 50_000
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = 20_000
	}
	if c.MaxNames <= 0 {
		c.MaxNames = 2_000
	}
	if c.MaxWorkers <= 0 {
		c.MaxWorkers = 1_000
	}
	if c.NoReplyAfter <= 0 {
		c.NoReplyAfter = 60 * time.Second
	}
	if c.EventsGrace <= 0 {
		c.EventsGrace = 10 * time.Second
	}
}

// Model is the lifecycle store and its aggregates.
type Model struct {
	cfg     Config
	tasks   *store[Task]
	calls   *store[Call]
	names   map[string]*nameStats
	methods map[string]*methodStats
	workers map[string]*workerStats

	counts Counts
}

// Counts are totals over everything the model was fed.
type Counts struct {
	Messages     uint64 // messages observed
	Facts        uint64 // lifecycle facts they held
	TaskMessages uint64
	TaskEvents   uint64
	WorkerEvents uint64
	Results      uint64
	OsloCalls    uint64
	OsloCasts    uint64
	OsloReplies  uint64
	Duplicates   uint64 // steps seen twice (the same event tapped twice)
	// Evictions from the bounded store.
	EvictedFinishedTasks   uint64
	EvictedUnfinishedTasks uint64
	EvictedFinishedCalls   uint64
	EvictedUnfinishedCalls uint64
	// Names, methods and workers not aggregated because their table was
	// full (their lifecycles are still kept).
	NamesOverflow   uint64
	WorkersOverflow uint64
	// EventsWithoutMessage counts tasks first seen by an event, the task
	// message never seen before it.
	EventsWithoutMessage uint64
}

// New returns an empty model.
func New(cfg Config) *Model {
	cfg.applyDefaults()
	return &Model{
		cfg:     cfg,
		tasks:   newStore[Task](cfg.MaxTasks),
		calls:   newStore[Call](cfg.MaxCalls),
		names:   make(map[string]*nameStats),
		methods: make(map[string]*methodStats),
		workers: make(map[string]*workerStats),
	}
}

// Observe feeds one message, seen by the tap at the given time.
func (m *Model) Observe(seen time.Time, in decode.Input) {
	m.counts.Messages++
	for _, f := range decode.Facts(in) {
		m.Apply(seen, f)
	}
}

// Apply feeds one fact, seen at the given time; Observe calls it for each
// fact of a message. A view that already has the facts calls it directly.
func (m *Model) Apply(seen time.Time, f decode.Fact) {
	m.counts.Facts++
	switch f.Kind {
	case decode.FactTask:
		m.counts.TaskMessages++
		m.applyTask(seen, f)
	case decode.FactTaskEvent:
		m.counts.TaskEvents++
		m.applyTask(seen, f)
	case decode.FactResult:
		m.counts.Results++
		m.applyTask(seen, f)
	case decode.FactWorkerEvent:
		m.counts.WorkerEvents++
		m.applyWorker(seen, f)
	case decode.FactOsloCall:
		if f.Cast {
			m.counts.OsloCasts++
		} else {
			m.counts.OsloCalls++
		}
		m.applyCall(seen, f)
	case decode.FactOsloReply:
		m.counts.OsloReplies++
		m.applyReply(seen, f)
	}
}

// eventStates maps Celery's task event types to states.
var eventStates = map[string]State{
	"task-sent":      StateSent,
	"task-received":  StateReceived,
	"task-started":   StateStarted,
	"task-succeeded": StateSucceeded,
	"task-failed":    StateFailed,
	"task-retried":   StateRetried,
	"task-revoked":   StateRevoked,
	"task-rejected":  StateRejected,
}

// resultStates maps rpc:// result statuses to states; other statuses
// (PENDING, PROGRESS, custom ones) say nothing about the end.
var resultStates = map[string]State{
	"STARTED": StateStarted, "SUCCESS": StateSucceeded, "FAILURE": StateFailed,
	"RETRY": StateRetried, "REVOKED": StateRevoked, "REJECTED": StateRejected,
}

func (m *Model) applyTask(seen time.Time, f decode.Fact) {
	if f.TaskID == "" {
		return // nothing to join on
	}
	t, ok := m.tasks.get(f.TaskID)
	if !ok {
		t = &Task{ID: f.TaskID, FirstSeen: seen}
		if ev, wasDone := m.tasks.add(f.TaskID, t); ev != nil {
			m.forget(ev)
			if wasDone {
				m.counts.EvictedFinishedTasks++
			} else {
				m.counts.EvictedUnfinishedTasks++
			}
		}
		if f.Kind == decode.FactTaskEvent {
			t.firstByEvent = true
			m.counts.EventsWithoutMessage++
		}
	}
	if seen.After(t.LastSeen) {
		t.LastSeen = seen
	}
	fill(&t.Name, m.internName(f.Name))
	fill(&t.RootID, f.RootID)
	fill(&t.ParentID, f.ParentID)
	if f.Args != "" || f.Kwargs != "" {
		fill(&t.Args, f.Args)
		fill(&t.Kwargs, f.Kwargs)
	}
	fill(&t.ETA, f.ETA)
	if f.HasRetries && f.Retries > t.Retries {
		t.Retries = f.Retries
	}

	step := Step{Seen: seen, At: seen, Attempt: t.Retries}
	if f.HasRetries {
		step.Attempt = f.Retries
	} else if a, ok := t.workerAttempt(); ok {
		// Events after task-received do not say their attempt: they
		// belong to the one the worker received last.
		step.Attempt = a
	}
	switch f.Kind {
	case decode.FactTask:
		t.HaveMessage = true
		step.State, step.Origin = StateSent, FromMessage
	case decode.FactTaskEvent:
		t.HaveEvents = true
		step.State, step.Origin, step.Worker = eventStates[f.Type], FromEvent, m.internWorker(f.Hostname)
		if f.Timestamp > 0 {
			step.At = unixSeconds(f.Timestamp)
		}
	case decode.FactResult:
		t.HaveResult = true
		step.State, step.Origin, step.Worker = resultStates[f.Type], FromResult, m.internWorker(f.Hostname)
	}
	if step.State == StateUnknown {
		m.account(t)
		return
	}
	if !t.addStep(step) {
		m.counts.Duplicates++
		return
	}
	if step.State == StateRetried {
		t.retriedSteps++
	}
	if step.Origin == FromEvent && step.Worker != "" {
		// Any event from a worker shows it alive, as in Celery's state.
		if ws := m.worker(step.Worker); ws != nil {
			ws.taskEvents++
			ws.lastSeen = later(ws.lastSeen, seen)
			ws.lastHeartbeat = later(ws.lastHeartbeat, seen)
			if ws.firstSeen.IsZero() {
				ws.firstSeen = seen
			}
		}
	}
	switch step.State {
	case StateReceived, StateStarted:
		fill(&t.Worker, step.Worker)
	case StateSucceeded:
		fill(&t.Worker, step.Worker)
		if f.HasRuntime && !t.HasRuntime {
			t.Runtime, t.HasRuntime = time.Duration(f.Runtime*float64(time.Second)), true
		}
		fill(&t.Result, f.Result)
	case StateFailed, StateRetried:
		fill(&t.Worker, step.Worker)
		// The latest exception is the one that tells: a retried task that
		// then failed shows why it failed.
		if f.Exception != "" {
			t.Exception = f.Exception
		}
		if f.Traceback != "" {
			t.Traceback = f.Traceback
		}
	case StateRevoked, StateRejected:
		fill(&t.Reason, revokeReason(f))
	}
	t.settle()
	m.account(t)
	if t.State.Finished() {
		m.tasks.finish(t.ID)
	}
}

// revokeReason says why a task was revoked or rejected, as the event did.
func revokeReason(f decode.Fact) string {
	switch {
	case f.Reason != "":
		return f.Reason
	case f.Expired:
		return "expired"
	case f.Terminated:
		return "terminated"
	}
	return ""
}

// fill sets an empty field: the first piece that tells a value wins, so a
// later piece cannot overwrite what the task message said.
func fill(dst *string, v string) {
	if *dst == "" && v != "" {
		*dst = v
	}
}

// unixSeconds turns an event's float timestamp into a time, to the
// microsecond (what Python's time.time() gives).
func unixSeconds(ts float64) time.Time {
	sec := int64(ts)
	us := int64((ts-float64(sec))*1e6 + 0.5)
	return time.Unix(sec, us*1000).UTC()
}

// internName returns the aggregates' copy of a task name, so that the
// kept tasks share one string per name instead of one each.
func (m *Model) internName(n string) string {
	if ns, ok := m.names[n]; ok {
		return ns.name
	}
	return n
}

// internWorker does the same for worker host names.
func (m *Model) internWorker(h string) string {
	if ws, ok := m.workers[h]; ok {
		return ws.hostname
	}
	return h
}
