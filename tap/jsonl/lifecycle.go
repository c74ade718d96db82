package jsonl

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
)

// Outcome is one line of --json --lifecycle: a Celery task that finished
// (succeeded, failed, revoked, rejected) or an oslo.messaging RPC call
// that got its reply, as far as the tap saw it (docs/json-lines.md,
// docs/lifecycle-lines.schema.json). Strings are as found (unsanitised),
// after --redact.
type Outcome struct {
	Kind string    `json:"kind"` // "task" or "rpc"
	Time time.Time `json:"time"` // when the tap saw the piece that finished it

	// Celery.
	ID        string   `json:"id,omitempty"`
	Name      string   `json:"name,omitempty"`
	State     string   `json:"state,omitempty"`
	Worker    string   `json:"worker,omitempty"`
	Runtime   *float64 `json:"runtime,omitempty"` // seconds, the worker's own figure
	Retries   int64    `json:"retries,omitempty"`
	Args      string   `json:"args,omitempty"`
	Kwargs    string   `json:"kwargs,omitempty"`
	Result    string   `json:"result,omitempty"`
	Exception string   `json:"exception,omitempty"`
	Traceback string   `json:"traceback,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	RootID    string   `json:"root_id,omitempty"`
	ParentID  string   `json:"parent_id,omitempty"`
	// Steps is the timeline: state, when (the sender's clock, or the
	// tap's for messages and results) and which piece told it.
	Steps []OutcomeStep `json:"steps,omitempty"`
	Notes []string      `json:"notes,omitempty"`

	// oslo.messaging.
	MsgID   string   `json:"msg_id,omitempty"`
	Method  string   `json:"method,omitempty"`
	Status  string   `json:"status,omitempty"`
	Latency *float64 `json:"latency,omitempty"` // seconds, call to reply by the tap's clock
	Failure string   `json:"failure,omitempty"`
}

// OutcomeStep is one step of a task's timeline.
type OutcomeStep struct {
	State  string    `json:"state"`
	At     time.Time `json:"at"`
	Origin string    `json:"origin"`
	Worker string    `json:"worker,omitempty"`
}

// LifecyclePrinter prints one Outcome a line for each task or RPC call
// that finishes in the tapped traffic (--json --lifecycle). It feeds a
// lifecycle.Model with the facts the pipeline read (Reading.Facts).
type LifecyclePrinter struct {
	// Count stops after this many lines (0: no limit).
	Count int
	// Idle stops when no line was written for this long (0: never).
	Idle time.Duration
	// Filter keeps the lines whose task (name, id, state, worker,
	// arguments, exception) or RPC method matches; the zero Matcher keeps
	// all.
	Filter filter.Matcher
	// Config bounds the model.
	Config lifecycle.Config
	// OnStatus, when set, hears each change of the tap's state.
	OnStatus func(tap.Status)
}

// Print reads batches until ctx ends, batches is closed, Count lines were
// written or none for Idle (ErrIdle).
func (p LifecyclePrinter) Print(ctx context.Context, batches <-chan tap.Batch, out io.Writer) error {
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	model := lifecycle.New(p.Config)
	written := 0
	lastState := tap.StateRunning
	var idle <-chan time.Time
	var timer *time.Timer
	if p.Idle > 0 {
		timer = time.NewTimer(p.Idle)
		defer timer.Stop()
		idle = timer.C
	}
	flush := func() error {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return flush()
		case <-idle:
			if err := flush(); err != nil {
				return err
			}
			return ErrIdle
		case b, ok := <-batches:
			if !ok {
				return flush()
			}
			if b.Status.State != lastState {
				lastState = b.Status.State
				if p.OnStatus != nil {
					p.OnStatus(b.Status)
				}
			}
			before := written
			for i := range b.Messages {
				m := &b.Messages[i]
				for _, f := range m.Read().Facts {
					o, done := apply(model, m.Time, f)
					if !done || !p.Filter.Empty() && !p.Filter.Match(o.subject()) {
						continue
					}
					if err := enc.Encode(o); err != nil {
						return fmt.Errorf("writing output: %w", err)
					}
					written++
					if p.Count > 0 && written >= p.Count {
						return flush()
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			if timer != nil && written > before {
				timer.Reset(p.Idle)
			}
		}
	}
}

// apply feeds one fact and says whether it finished a task or answered
// an RPC call, with the line that says so. A task finishes once: a later
// duplicate or straggler prints nothing.
func apply(m *lifecycle.Model, seen time.Time, f decode.Fact) (Outcome, bool) {
	switch f.Kind {
	case decode.FactTaskEvent, decode.FactResult:
		before, had := m.Task(f.TaskID)
		m.Apply(seen, f)
		after, ok := m.Task(f.TaskID)
		if !ok || !after.State.Finished() || had && before.State.Finished() {
			return Outcome{}, false
		}
		return taskOutcome(seen, after, m.EventsGrace()), true
	case decode.FactOsloReply:
		before, had := m.Call(f.MsgID)
		m.Apply(seen, f)
		after, ok := m.Call(f.MsgID)
		if !ok || !after.HaveReply || had && before.HaveReply {
			return Outcome{}, false
		}
		return callOutcome(seen, after, m.NoReplyAfter()), true
	}
	m.Apply(seen, f)
	return Outcome{}, false
}

func taskOutcome(seen time.Time, t lifecycle.Task, grace time.Duration) Outcome {
	o := Outcome{Kind: "task", Time: seen, ID: t.ID, Name: t.Name, State: t.State.String(), Worker: t.Worker,
		Retries: t.Retries, Args: t.Args, Kwargs: t.Kwargs, Result: t.Result, Exception: t.Exception,
		Traceback: t.Traceback, Reason: t.Reason, RootID: t.RootID, ParentID: t.ParentID,
		Notes: t.Notes(seen, grace)}
	if t.HasRuntime {
		r := t.Runtime.Seconds()
		o.Runtime = &r
	}
	for _, s := range t.Steps {
		o.Steps = append(o.Steps, OutcomeStep{State: s.State.String(), At: s.At, Origin: s.Origin.String(), Worker: s.Worker})
	}
	return o
}

func callOutcome(seen time.Time, c lifecycle.Call, noReplyAfter time.Duration) Outcome {
	o := Outcome{Kind: "rpc", Time: seen, MsgID: c.MsgID, Method: c.Method,
		Status: c.Status(seen, noReplyAfter), Failure: c.Failure, Result: c.Result}
	if l, ok := c.Latency(); ok {
		s := l.Seconds()
		o.Latency = &s
	}
	return o
}

// subject is what --filter matches of a line.
func (o Outcome) subject() *filter.Subject {
	if o.Kind == "rpc" {
		return &filter.Subject{Text: strings.ToLower(o.Method + " " + o.MsgID + " " + o.Status + " " + o.Failure),
			Format: "oslo/rpc", Terms: map[string]string{"method": o.Method, "status": o.Status}}
	}
	return &filter.Subject{Text: strings.ToLower(o.Name + " " + o.ID + " " + o.State + " " + o.Worker + " " + o.Args + " " + o.Kwargs + " " + o.Exception),
		Format: "celery", Terms: map[string]string{"task": o.Name, "id": o.ID, "root": o.RootID, "parent": o.ParentID, "status": o.State}}
}
