// Package decode turns a message body and its properties into something a
// person can read: Celery task messages, results and events, OpenStack
// oslo.messaging, a few other well-known senders, and generic JSON, text or
// binary. It is pure code: no I/O, no UI, and it never executes anything the
// message contains. Every decoder bounds the time and memory it spends on
// hostile input.
package decode

import "github.com/shoveltap/shoveltap/tap/tracectx"

// Input is the part of a message that decoders look at.
type Input struct {
	Exchange        string
	RoutingKey      string
	ContentType     string
	ContentEncoding string
	CorrelationID   string
	ReplyTo         string
	MessageID       string
	Type            string
	Headers         map[string]any // values as in tap.Message.Headers
	Body            []byte

	// noHexDump leaves a binary body's hex dump out (Summarize).
	noHexDump bool
	// noBodyText leaves the body's text out altogether, Kind only
	// (SummarizeFacts: the decoding stage's reading asks for the text
	// only when a free-text filter searches it).
	noBodyText bool
	// noFields leaves the built-in decoders' fields out as well
	// (SummarizeFactsWithoutFields: only a detail view and the free-text
	// filter read them, and they ask the reading for them).
	noFields bool
}

// Result is what a decoder made of a message. Strings in it come from the
// message and are untrusted: the UI sanitises them before display.
type Result struct {
	// Format is a short label for the table's format column, e.g. "celery",
	// "celery/result", "celery/event", "oslo/rpc", "oslo/notify", "spring",
	// "masstransit", "nservicebus", "json", "text", "binary", "empty".
	Format string
	// Summary is the most useful single line for the table, e.g.
	// "tasks.add(2, 3)" or `{"order_id": 1842, …}`. Never contains newlines.
	Summary string
	// Fields is the decoded section of the detail pane, in display order.
	Fields []Field
	// Body is the body as best rendered for the detail pane.
	Body Body
	// Notes explain what was not shown and why, e.g. that a pickle body was
	// not executed.
	Notes []string
	// Task is set for Celery task messages, results and task events.
	Task *Task
	// Terms are the decoded fields that filter terms match on, keyed by the
	// term name: "task", "id", "root", "parent", "group", "event", "method",
	// "type", "status", "trace".
	Terms map[string]string
	// Trace is the W3C trace context the message carries (traceparent),
	// nil for none (see tap/tracectx).
	Trace *tracectx.Context
	// FieldsLeftOut says that the result has fields that were not made
	// (SummarizeFactsWithoutFields); Summarize gives them.
	FieldsLeftOut bool
}

// Field is one labelled line of the decoded section.
type Field struct {
	Name  string
	Value string
}

// BodyKind says how Body.Text is to be shown.
type BodyKind int

const (
	BodyEmpty BodyKind = iota // no body
	BodyJSON                  // Text is indented JSON, ready for colouring
	BodyText                  // Text is plain text
	BodyHex                   // Text is a hex dump (offset, hex, ASCII columns)
)

// Body is the rendered body. Rendering stops at a size limit; Omitted counts
// the body bytes that were not rendered.
type Body struct {
	Kind    BodyKind
	Text    string
	Omitted int
}

// Task identifies a Celery task message, result or task event, for the
// trace tree and the filter.
type Task struct {
	Kind     string // "task", "result" or "event"
	Name     string
	ID       string
	RootID   string
	ParentID string
	GroupID  string
	Status   string // results and events: SUCCESS, FAILURE, task-started, …
}
