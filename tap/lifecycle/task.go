package lifecycle

import "time"

// State is where a Celery task is in its life, as Celery names it.
type State string

const (
	StateUnknown   State = ""
	StateSent      State = "sent"
	StateReceived  State = "received"
	StateStarted   State = "started"
	StateRetried   State = "retried"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	StateRevoked   State = "revoked"
	StateRejected  State = "rejected"
)

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
type Origin string

const (
	FromMessage Origin = "message" // the task message itself
	FromEvent   Origin = "event"   // a Celery event (celeryev)
	FromResult  Origin = "result"  // an rpc:// result
)

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
	Steps    []Step
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
	seenSteps      map[stepKey]bool
	firstByEvent   bool // the first piece seen was an event
}

// stepKey tells a duplicate step (the same event tapped twice) from a new
// one.
type stepKey struct {
	state  State
	at     int64
	origin Origin
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
	c.Steps = append([]Step(nil), t.Steps...)
	c.seenSteps = nil
	return c
}

// addStep records a step unless it is a duplicate; it reports whether it
// was new.
func (t *Task) addStep(s Step) bool {
	k := stepKey{state: s.State, at: s.At.UnixNano(), origin: s.Origin}
	if t.seenSteps[k] {
		return false
	}
	if t.seenSteps == nil {
		t.seenSteps = make(map[stepKey]bool, 4)
	}
	t.seenSteps[k] = true
	// Keep the timeline ordered; pieces arrive out of order.
	i := len(t.Steps)
	for i > 0 && stepBefore(s, t.Steps[i-1]) {
		i--
	}
	t.Steps = append(t.Steps, Step{})
	copy(t.Steps[i+1:], t.Steps[i:])
	t.Steps[i] = s
	if len(t.Steps) > maxSteps {
		// Drop from the middle: the start and the latest steps matter.
		mid := maxSteps / 2
		t.Steps = append(t.Steps[:mid], t.Steps[mid+1:]...)
		t.StepsDropped++
	}
	return true
}

// stepBefore orders the timeline: by attempt (the retry count), then by
// time, then by how far in a life the state is.
func stepBefore(a, b Step) bool {
	if a.Attempt != b.Attempt {
		return a.Attempt < b.Attempt
	}
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return a.State.precedence() < b.State.precedence()
}

// settle recomputes the state from the steps: a finished step wins (a
// task finishes once), else the furthest step of the latest attempt.
// Clocks are not compared: the tap's clock (messages) and the workers'
// (events) differ.
func (t *Task) settle() {
	t.State = StateUnknown
	var best Step
	for _, s := range t.Steps {
		if s.State.Finished() {
			t.State = s.State
			return
		}
		if t.State == StateUnknown || s.Attempt > best.Attempt ||
			s.Attempt == best.Attempt && s.State.precedence() > best.State.precedence() {
			best, t.State = s, s.State
		}
	}
}

// workerAttempt is the latest attempt a worker received or started.
func (t *Task) workerAttempt() (int64, bool) {
	var a int64
	found := false
	for _, s := range t.Steps {
		if (s.State == StateReceived || s.State == StateStarted) && (!found || s.Attempt > a) {
			a, found = s.Attempt, true
		}
	}
	return a, found
}
