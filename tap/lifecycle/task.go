package lifecycle

import "time"

// State is where a Celery task is in its life, as Celery names it.
type State uint8

const (
	StateUnknown State = iota
	StateSent
	StateReceived
	StateStarted
	StateRetried
	StateSucceeded
	StateFailed
	StateRevoked
	StateRejected
)

var stateNames = [...]string{"", "sent", "received", "started", "retried", "succeeded", "failed", "revoked", "rejected"}

// String is the state's name: "sent", "received", …, "" when unknown.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// Finished reports whether the state ends the task's life: nothing but a
// duplicate can follow it.
func (s State) Finished() bool {
	switch s {
	case StateSucceeded, StateFailed, StateRevoked, StateRejected:
		return true
	}
	return false
}

// precedence orders states that carry the same time, as Celery's own
// events.state does: later in a life wins.
func (s State) precedence() int {
	switch s {
	case StateSent:
		return 1
	case StateReceived:
		return 2
	case StateStarted:
		return 3
	case StateRetried:
		return 4
	case StateSucceeded, StateFailed, StateRevoked, StateRejected:
		return 5
	}
	return 0
}

// Origin is which piece of traffic told a step.
type Origin uint8

const (
	FromMessage Origin = iota + 1 // the task message itself
	FromEvent                     // a Celery event (celeryev)
	FromResult                    // an rpc:// result
)

// String is "message", "event" or "result".
func (o Origin) String() string {
	switch o {
	case FromMessage:
		return "message"
	case FromEvent:
		return "event"
	case FromResult:
		return "result"
	}
	return ""
}

// Step is one thing that happened to a task.
type Step struct {
	State State
	// At is when it happened by the sender's clock (an event's
	// timestamp), or when the tap saw it where the piece carries no time
	// (task messages, results).
	At     time.Time
	Seen   time.Time // when the tap saw it
	Origin Origin
	Worker string
	// Attempt is the retry count the step belongs to: from the piece
	// where it says (task messages, task-received), else the latest
	// attempt the task had when the step arrived.
	Attempt int64
}

// maxSteps bounds a task's timeline: a task retried without end keeps its
// first steps and its latest ones.
const maxSteps = 24

// Task is one Celery task's life as far as the tap saw it. Strings are
// untrusted and unsanitised (views sanitise them).
type Task struct {
	ID       string
	Name     string // "" until a piece that names it arrives
	RootID   string
	ParentID string
	State    State // StateUnknown until a step arrives (never guessed)
	// Steps is the timeline, ordered by attempt, then time; filled in the
	// copies Model.Task and Model.Tasks return.
	Steps []Step
	// StepsDropped counts steps left out of the middle of a long
	// timeline.
	StepsDropped int
	Worker       string
	// Runtime is the worker's own figure from task-succeeded; HasRuntime
	// says whether one came.
	Runtime    time.Duration
	HasRuntime bool
	Retries    int64 // the highest retry count seen
	Args       string
	Kwargs     string
	ETA        string
	Result     string
	Exception  string
	Traceback  string
	Reason     string // why revoked or rejected, when told
	// What arrived: the message, events, a result. Views say what is
	// missing instead of guessing it.
	HaveMessage bool
	HaveEvents  bool
	HaveResult  bool
	FirstSeen   time.Time
	LastSeen    time.Time

	// Bookkeeping for the aggregates: what this task already counted.
	counted        bool
	current        State // the unfinished state counted, or ""
	countedState   State // the finished state counted, or ""
	retriedSteps   int
	countedRetry   int // retried steps counted
	countedRuntime bool
	countedWorker  bool
	runningOn      string // the worker it is counted as running on
	firstByEvent   bool   // the first piece seen was an event
	steps          []step
}

// Notes says, in plain words, which pieces of this task's life the tap did
// not see and what that may mean. It never guesses a state.
func (t *Task) Notes(now time.Time, grace time.Duration) []string {
	var notes []string
	if t.HaveEvents && !t.HaveMessage {
		notes = append(notes, "events without the task message: it was sent before the tap started, or through an exchange or queue not tapped")
	}
	if t.HaveMessage && !t.HaveEvents && !t.State.Finished() && now.Sub(t.FirstSeen) >= grace {
		notes = append(notes, "message seen, no events: the worker may run without -E (celery control enable_events), or celeryev is not tapped")
	}
	if t.HaveResult && !t.HaveEvents {
		notes = append(notes, "result without events: the worker runs without -E, or celeryev is not tapped")
	}
	if t.Name == "" {
		notes = append(notes, "name unknown: neither the task message nor its task-received event was seen")
	}
	if t.StepsDropped > 0 {
		notes = append(notes, "timeline cut: middle steps left out")
	}
	return notes
}

// clone copies the task for a view, without the bookkeeping.
func (t *Task) clone() Task {
	c := *t
	c.steps = nil
	c.Steps = make([]Step, len(t.steps))
	for i, s := range t.steps {
		c.Steps[i] = s.export()
	}
	return c
}

// step is a Step as kept: a third of its size, since a store holds
// hundreds of thousands of tasks.
type step struct {
	at      int64 // Unix nanoseconds
	seen    int64
	worker  string
	attempt int32
	state   State
	origin  Origin
}

func compact(s Step) step {
	a := s.Attempt
	if a > 1<<30 {
		a = 1 << 30
	}
	return step{at: s.At.UnixNano(), seen: s.Seen.UnixNano(), worker: s.Worker, attempt: int32(a),
		state: s.State, origin: s.Origin}
}

func (s step) export() Step {
	return Step{State: s.state, At: time.Unix(0, s.at).UTC(), Seen: time.Unix(0, s.seen).UTC(),
		Origin: s.origin, Worker: s.worker, Attempt: int64(s.attempt)}
}

// addStep records a step unless it is a duplicate; it reports whether it
// was new.
func (t *Task) addStep(x Step) bool {
	s := compact(x)
	// A duplicate (the same event tapped twice) has the same state,
	// origin and time. A task message is known by its attempt: seen again
	// (redelivered, or through two sources) it is the same message.
	for _, o := range t.steps {
		if o.state == s.state && o.origin == s.origin &&
			(o.at == s.at || s.origin == FromMessage && o.attempt == s.attempt) {
			return false
		}
	}
	if t.steps == nil {
		t.steps = make([]step, 0, 4)
	}
	// Keep the timeline ordered; pieces arrive out of order.
	i := len(t.steps)
	for i > 0 && stepBefore(s, t.steps[i-1]) {
		i--
	}
	t.steps = append(t.steps, step{})
	copy(t.steps[i+1:], t.steps[i:])
	t.steps[i] = s
	if len(t.steps) > maxSteps {
		// Drop from the middle: the start and the latest steps matter.
		mid := maxSteps / 2
		t.steps = append(t.steps[:mid], t.steps[mid+1:]...)
		t.StepsDropped++
	}
	return true
}

// stepBefore orders the timeline: by attempt (the retry count), then by
// how far in a life the state is, then by time. Time comes last because
// the steps of one attempt carry different clocks (the tap's for task
// messages and results, the worker's for events) and arrive through
// different sources: a task message tapped through the firehose can reach
// the tap after the worker's task-started event.
func stepBefore(a, b step) bool {
	if a.attempt != b.attempt {
		return a.attempt < b.attempt
	}
	if pa, pb := a.state.precedence(), b.state.precedence(); pa != pb {
		return pa < pb
	}
	return a.at < b.at
}

// settle recomputes the state from the steps: a finished step wins (a
// task finishes once), else the furthest step of the latest attempt.
// Clocks are not compared: the tap's clock (messages) and the workers'
// (events) differ.
func (t *Task) settle() {
	t.State = StateUnknown
	var best step
	for _, s := range t.steps {
		if s.state.Finished() {
			t.State = s.state
			return
		}
		if t.State == StateUnknown || s.attempt > best.attempt ||
			s.attempt == best.attempt && s.state.precedence() > best.state.precedence() {
			best, t.State = s, s.state
		}
	}
}

// workerAttempt is the latest attempt a worker received or started.
func (t *Task) workerAttempt() (int64, bool) {
	var a int32
	found := false
	for _, s := range t.steps {
		if (s.state == StateReceived || s.state == StateStarted) && (!found || s.attempt > a) {
			a, found = s.attempt, true
		}
	}
	return int64(a), found
}
