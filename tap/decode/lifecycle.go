package decode

import (
	"fmt"
	"strconv"
	"strings"
)

// FactKind says what a message tells about a task's or an RPC call's life.
type FactKind int

const (
	FactNone        FactKind = iota // nothing about a lifecycle
	FactTask                        // a Celery task message (the task was sent)
	FactTaskEvent                   // a Celery task-* event
	FactWorkerEvent                 // a Celery worker-* event
	FactResult                      // a Celery result (rpc:// backend)
	FactOsloCall                    // an oslo.messaging RPC call (or cast)
	FactOsloReply                   // an oslo.messaging RPC reply
)

// factKindNames name the kinds in JSON lines ("facts", tap/jsonl).
var factKindNames = [...]string{
	FactNone:        "none",
	FactTask:        "task",
	FactTaskEvent:   "task-event",
	FactWorkerEvent: "worker-event",
	FactResult:      "result",
	FactOsloCall:    "rpc-call",
	FactOsloReply:   "rpc-reply",
}

// String is the kind's name.
func (k FactKind) String() string {
	if k >= 0 && int(k) < len(factKindNames) {
		return factKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind's name; a kind without one is refused.
func (k FactKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(factKindNames) {
		return nil, fmt.Errorf("fact kind %d has no name", int(k))
	}
	return []byte(factKindNames[k]), nil
}

// UnmarshalText reads a kind's name; an unknown name (a later version's
// kind) is refused.
func (k *FactKind) UnmarshalText(b []byte) error {
	for i, n := range factKindNames {
		if n == string(b) {
			*k = FactKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown fact kind %q", b)
}

// Limits on what one fact carries, so that hostile events (a megabyte of
// traceback) cost a bounded amount of memory however long they are kept.
const (
	MaxFactText      = 400     // args, kwargs, result, exception, reason
	MaxFactTraceback = 8 << 10 // the traceback's last lines
)

// Fact is the lifecycle-relevant content of one message (or of one event
// of a batch): plain values, bounded, secrets redacted like the rest of the
// decoder's output. Strings are untrusted and unsanitised. A JSON line
// carries a message's facts under these names (tap/jsonl,
// docs/json-lines.md), so that a capture's lifecycles are rebuilt
// without decoding its messages again.
type Fact struct {
	Kind FactKind `json:"kind"`
	// Type is the Celery event type ("task-succeeded", "worker-heartbeat"),
	// or for results the status ("SUCCESS", "FAILURE", …).
	Type string `json:"type,omitempty"`

	// Celery.
	TaskID    string  `json:"task_id,omitempty"`
	Name      string  `json:"name,omitempty"` // task name; events other than task-received/-sent lack it
	RootID    string  `json:"root_id,omitempty"`
	ParentID  string  `json:"parent_id,omitempty"`
	Hostname  string  `json:"hostname,omitempty"`  // the worker (events) or the result's worker
	Timestamp float64 `json:"timestamp,omitempty"` // the event's own clock, Unix seconds; 0 when absent
	Retries   int64   `json:"retries,omitempty"`
	// HasRetries is set when Retries came from the message (task
	// messages, task-received and task-sent events).
	HasRetries bool    `json:"has_retries,omitempty"`
	Args       string  `json:"args,omitempty"`
	Kwargs     string  `json:"kwargs,omitempty"`
	ETA        string  `json:"eta,omitempty"`
	Runtime    float64 `json:"runtime,omitempty"` // task-succeeded: the worker's own figure, seconds
	HasRuntime bool    `json:"has_runtime,omitempty"`
	Result     string  `json:"result,omitempty"` // bounded repr
	Exception  string  `json:"exception,omitempty"`
	Traceback  string  `json:"traceback,omitempty"` // bounded: its last MaxFactTraceback bytes
	Reason     string  `json:"reason,omitempty"`    // task-rejected / task-revoked details
	Terminated bool    `json:"terminated,omitempty"`
	Expired    bool    `json:"expired,omitempty"`
	// Worker events.
	Freq      float64 `json:"freq,omitempty"` // heartbeat interval, seconds
	Active    int64   `json:"active,omitempty"`
	Processed int64   `json:"processed,omitempty"`
	HasLoad   bool    `json:"has_load,omitempty"` // Active and Processed are known

	// oslo.messaging.
	MsgID   string `json:"msg_id,omitempty"`
	Method  string `json:"method,omitempty"`
	ReplyQ  string `json:"reply_queue,omitempty"`
	Cast    bool   `json:"cast,omitempty"`    // an RPC without _msg_id: nobody waits for a reply
	Failure string `json:"failure,omitempty"` // "module.Class: message"
	Ending  bool   `json:"ending,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

// Facts reads what a message tells about task lifecycles: one fact for a
// task message, a result, an oslo call or reply; one per event for a
// Celery event batch; none for anything else. Like Decode it never panics
// on hostile input, keeps no state and bounds what it returns.
func Facts(in Input) []Fact {
	return factsOf(in, nil)
}

// factsOf is Facts reading m, the message Decode already prepared and
// parsed (the recognisers leave it as newMsg made it), or a new one when
// m is nil.
func factsOf(in Input, m *msg) (facts []Fact) {
	defer func() {
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			facts = nil
		}
	}()
	// Protocol 2 task messages say everything in their headers: no need
	// to parse the body.
	if name, ok := headerString(in.Headers, "task"); ok {
		return []Fact{celeryV2Fact(in, name)}
	}
	if m == nil {
		m = newMsg(in)
	}
	if f, ok := celeryEventFacts(m); ok {
		return f
	}
	o, _, serial, ok := m.decodedObject()
	if !ok {
		return nil
	}
	if f, ok := celeryResultFact(m, o); ok {
		return []Fact{f}
	}
	if f, ok := celeryV1Fact(o); ok {
		return []Fact{f}
	}
	if serial == serJSON {
		if f, ok := osloFact(o); ok {
			return []Fact{f}
		}
	}
	return nil
}

func celeryV2Fact(in Input, name string) Fact {
	h := in.Headers
	f := Fact{Kind: FactTask, Name: truncate(name, MaxFactText)}
	f.TaskID, _ = headerString(h, "id")
	if f.TaskID == "" && !unsetString(in.CorrelationID) {
		f.TaskID = in.CorrelationID
	}
	f.RootID, _ = headerString(h, "root_id")
	f.ParentID, _ = headerString(h, "parent_id")
	f.ETA, _ = headerString(h, "eta")
	// Protocol 2 always counts retries: an absent header means 0.
	f.Retries, _ = asInt(h["retries"])
	f.HasRetries = true
	f.Args = truncate(redactedHeaderText(h, "argsrepr"), MaxFactText)
	f.Kwargs = truncate(redactedHeaderText(h, "kwargsrepr"), MaxFactText)
	boundIDs(&f)
	return f
}

func celeryV1Fact(o object) (Fact, bool) {
	name, isName := mustGet(o, "task").(string)
	if !isName || unsetString(name) || o.str("id") == "" || !(o.has("args") || o.has("kwargs")) {
		return Fact{}, false
	}
	f := Fact{Kind: FactTask, Name: truncate(name, MaxFactText), TaskID: o.str("id"), HasRetries: true}
	f.ETA = o.str("eta")
	f.Retries, _ = asInt(mustGet(o, "retries"))
	args, _ := mustGet(o, "args").([]any)
	kwargs, _ := mustGet(o, "kwargs").(object)
	f.Args = truncate(pyTuple(args), MaxFactText)
	f.Kwargs = truncate(redactedRepr(kwargs), MaxFactText)
	boundIDs(&f)
	return f, true
}

// celeryResultFact reads an rpc:// result; the same test as
// recogniseCeleryResult.
func celeryResultFact(m *msg, o object) (Fact, bool) {
	status, isStr := mustGet(o, "status").(string)
	if !isStr || status == "" || len(status) > 64 || !o.has("result") ||
		!(o.has("task_id") || celeryStates[status] && o.has("traceback")) {
		return Fact{}, false
	}
	f := Fact{Kind: FactResult, Type: status, TaskID: o.str("task_id"), Name: truncate(o.str("name"), MaxFactText)}
	if f.TaskID == "" && !unsetString(m.in.CorrelationID) {
		f.TaskID = m.in.CorrelationID
	}
	f.ParentID = o.str("parent_id")
	f.Hostname = truncate(o.str("worker"), MaxFactText)
	res := mustGet(o, "result")
	if isException(res) {
		f.Exception = exceptionString(res.(object))
	} else {
		f.Result = redactedRepr(res)
	}
	f.Result = truncate(f.Result, MaxFactText)
	f.Traceback = lastBytes(o.str("traceback"), MaxFactTraceback)
	f.Exception = unwrapException(f.Exception, f.Traceback)
	boundIDs(&f)
	return f, true
}

// celeryEventFacts reads Celery events (celeryEvents), single or batched:
// a fact for every event of a batch.
func celeryEventFacts(m *msg) ([]Fact, bool) {
	events, _, _, ok := celeryEvents(m)
	if !ok {
		return nil, false
	}
	facts := make([]Fact, 0, len(events))
	for _, ev := range events {
		if f, ok := celeryEventFact(ev); ok {
			facts = append(facts, f)
		}
	}
	return facts, true
}

func celeryEventFact(ev object) (Fact, bool) {
	typ, _ := mustGet(ev, "type").(string)
	var f Fact
	switch {
	case strings.HasPrefix(typ, "task-"):
		f.Kind = FactTaskEvent
	case strings.HasPrefix(typ, "worker-"):
		f.Kind = FactWorkerEvent
	default:
		return Fact{}, false
	}
	f.Type = truncate(typ, 64)
	f.TaskID = ev.str("uuid")
	f.Name = truncate(ev.str("name"), MaxFactText)
	f.RootID = ev.str("root_id")
	f.ParentID = ev.str("parent_id")
	f.Hostname = truncate(ev.str("hostname"), MaxFactText)
	if ts, ok := asFloat(mustGet(ev, "timestamp")); ok && ts > 0 && ts < 1e11 {
		f.Timestamp = ts
	}
	if r, ok := asInt(mustGet(ev, "retries")); ok {
		f.Retries, f.HasRetries = r, true
	}
	// Events carry args, kwargs, result and exception as Python reprs
	// made by the worker (strings).
	f.Args = eventText(ev, "args")
	f.Kwargs = eventText(ev, "kwargs")
	f.Result = eventText(ev, "result")
	f.Exception = eventText(ev, "exception")
	f.ETA = ev.str("eta")
	if rt, ok := asFloat(mustGet(ev, "runtime")); ok && rt >= 0 && rt < 1e9 {
		f.Runtime, f.HasRuntime = rt, true
	}
	f.Traceback = lastBytes(ev.str("traceback"), MaxFactTraceback)
	f.Exception = unwrapException(f.Exception, f.Traceback)
	f.Reason = truncate(ev.str("reason"), MaxFactText)
	f.Terminated, _ = mustGet(ev, "terminated").(bool)
	f.Expired, _ = mustGet(ev, "expired").(bool)
	if typ == "task-rejected" && f.Reason == "" {
		if rq, ok := mustGet(ev, "requeue").(bool); ok && rq {
			f.Reason = "requeued"
		}
	}
	if fr, ok := asFloat(mustGet(ev, "freq")); ok && fr > 0 && fr < 1e6 {
		f.Freq = fr
	}
	a, okA := asInt(mustGet(ev, "active"))
	p, okP := asInt(mustGet(ev, "processed"))
	f.Active, f.Processed, f.HasLoad = a, p, okA && okP
	boundIDs(&f)
	return f, true
}

// eventText is a repr string from an event, redacted and bounded.
func eventText(ev object, key string) string {
	v, ok := ev.get(key)
	if !ok || v == nil {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		return truncate(redactedRepr(v), MaxFactText)
	}
	s, _ = redactReprText(s)
	return truncate(s, MaxFactText)
}

// osloFact reads an oslo.messaging RPC call or reply, enveloped or not;
// the same tests as recogniseOslo.
func osloFact(o object) (Fact, bool) {
	if s, isStr := mustGet(o, "oslo.message").(string); isStr {
		iv, err := parseOrderedJSON([]byte(s))
		if err != nil {
			return Fact{}, false
		}
		inner, ok := iv.(object)
		if !ok {
			return Fact{}, false
		}
		return osloInnerFact(inner, true)
	}
	return osloInnerFact(o, false)
}

func osloInnerFact(o object, enveloped bool) (Fact, bool) {
	var f Fact
	switch {
	case o.str("event_type") != "" && o.has("publisher_id"):
		return Fact{}, false // a notification: no lifecycle
	case o.str("method") != "" && (enveloped || isOsloRPC(o)):
		f.Kind = FactOsloCall
		f.Method = truncate(o.str("method"), MaxFactText)
		f.MsgID = o.str("_msg_id")
		f.Cast = f.MsgID == ""
		f.ReplyQ = truncate(o.str("_reply_q"), MaxFactText)
		f.Timeout = truncate(o.str("_timeout"), 64)
		args, _ := mustGet(o, "args").(object)
		f.Args = truncate(redactedCall(args, MaxFactText), MaxFactText)
	case o.has("_msg_id") && (o.has("result") || o.has("failure") || o.has("ending")):
		f.Kind = FactOsloReply
		f.MsgID = o.str("_msg_id")
		if s := o.str("failure"); s != "" {
			f.Failure = osloFailure(s)
		}
		if res, ok := o.get("result"); ok && res != nil {
			f.Result = truncate(redactedRepr(res), MaxFactText)
		}
		f.Ending, _ = mustGet(o, "ending").(bool)
	default:
		return Fact{}, false
	}
	f.MsgID = truncate(f.MsgID, 128)
	return f, true
}

// boundIDs cuts ids to a size no real id reaches: they are map keys.
func boundIDs(f *Fact) {
	f.TaskID = truncate(f.TaskID, 128)
	f.RootID = truncate(f.RootID, 128)
	f.ParentID = truncate(f.ParentID, 128)
	f.ETA = truncate(f.ETA, 64)
}

// lastBytes keeps the end of a traceback, where the exception is, cut on
// a line (or rune) boundary and marked with "…".
func lastBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := len(s) - max
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 && j < max/2 {
		return ellipsis + s[i+j+1:]
	}
	for i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return ellipsis + s[i:]
}

// unwrapException replaces billiard's wrapper, which Celery 5.2 on Python
// 3.11 sends in place of the exception ("ExceptionWithTraceback()"), with
// the exception line the same event's traceback ends with, e.g.
// "ValueError: boom". Any other exception is kept as it came.
func unwrapException(exc, tb string) string {
	if !strings.HasPrefix(exc, "ExceptionWithTraceback(") || tb == "" {
		return exc
	}
	if line := tracebackException(tb); line != "" {
		return line
	}
	return exc
}

// tracebackException is the last "Type: message" line of a Python
// traceback, skipping the quotes billiard puts around the inner one.
func tracebackException(tb string) string {
	lines := strings.Split(strings.TrimRight(tb, " \t\r\n"), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-8; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || l == `"""` {
			continue
		}
		name, _, _ := strings.Cut(l, ":")
		if !isDottedName(name) || strings.HasPrefix(l, "billiard.einfo.ExceptionWithTraceback") {
			return ""
		}
		return truncate(l, MaxFactText)
	}
	return ""
}

// isDottedName reports whether s is a Python name like ValueError or
// requests.exceptions.HTTPError.
func isDottedName(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for j, r := range part {
			ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || j > 0 && r >= '0' && r <= '9'
			if !ok {
				return false
			}
		}
	}
	return true
}
