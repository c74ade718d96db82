// Package tracectx reads the W3C trace context (traceparent, tracestate)
// that OpenTelemetry instrumentations put on messages, as plain values,
// for the trace column, the trace: filter term, the grouping of one
// trace's messages, JSON lines and links to a tracing backend.
//
// It looks where the instrumentations write it: the AMQP headers (the Go,
// Java, .NET and JavaScript AMQP instrumentations, and Celery's protocol 2,
// whose before_task_publish hook injects into the message headers); a
// "headers" map inside them (Celery clients that nest custom headers);
// and oslo.messaging's request context, flattened into _context_* keys of
// the body. tap/decode reads it once per message (decode.Result.Trace and
// the "trace" filter term); this package imports nothing of shoveltap, so
// that the decoders can use it.
package tracectx

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Where a message's trace context was found.
const (
	InHeaders       = "headers"
	InNestedHeaders = "headers.headers" // a "headers" table inside the headers (Celery)
	InOsloContext   = "oslo context"    // _context_traceparent in an oslo.messaging body
)

// Context is a message's trace context.
type Context struct {
	TraceID    string `json:"trace_id"` // 32 lower-case hex digits
	SpanID     string `json:"span_id"`  // 16 lower-case hex digits: the span that sent the message
	Sampled    bool   `json:"sampled"`
	TraceState string `json:"tracestate,omitempty"` // as received, "" for none
	Where      string `json:"where"`                // InHeaders, InNestedHeaders or InOsloContext
}

// Valid reports whether c holds a trace context.
func (c Context) Valid() bool { return c.TraceID != "" }

// Parse reads a traceparent and tracestate as W3C Trace Context defines
// them, through OpenTelemetry's own propagator; ok is false for a
// malformed traceparent (all-zero IDs, wrong lengths, version ff).
func Parse(traceparent, tracestate string) (Context, bool) {
	carrier := propagation.MapCarrier{"traceparent": strings.TrimSpace(traceparent)}
	if tracestate != "" {
		carrier["tracestate"] = tracestate
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
	if !sc.IsValid() {
		return Context{}, false
	}
	return Context{
		TraceID:    sc.TraceID().String(),
		SpanID:     sc.SpanID().String(),
		Sampled:    sc.IsSampled(),
		TraceState: sc.TraceState().String(),
	}, true
}

// FromHeaders finds the trace context in a message's AMQP headers: at
// the top, or in a nested "headers" table (Celery). ok is false when they
// carry none, or only a malformed one.
func FromHeaders(h map[string]any) (Context, bool) {
	if c, ok := fromTable(h); ok {
		c.Where = InHeaders
		return c, true
	}
	if nested, ok := lookup(h, "headers").(map[string]any); ok {
		if c, ok := fromTable(nested); ok {
			c.Where = InNestedHeaders
			return c, true
		}
	}
	return Context{}, false
}

// FromOsloContext reads the traceparent and tracestate of an
// oslo.messaging request context (its _context_traceparent and
// _context_tracestate keys).
func FromOsloContext(traceparent, tracestate string) (Context, bool) {
	c, ok := Parse(traceparent, tracestate)
	if ok {
		c.Where = InOsloContext
	}
	return c, ok
}

func fromTable(h map[string]any) (Context, bool) {
	parent, ok := text(lookup(h, "traceparent"))
	if !ok {
		return Context{}, false
	}
	state, _ := text(lookup(h, "tracestate"))
	return Parse(parent, state)
}

// lookup finds key in h whatever its case: header names are
// case-insensitive in HTTP, where traceparent comes from, and some
// clients capitalise them.
func lookup(h map[string]any, key string) any {
	if v, ok := h[key]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// text is a header value as a string: AMQP carries it as a long string,
// or as bytes from some clients.
func text(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// MatchID reports whether c belongs to the trace a trace:ID filter term
// names: id is a trace ID or its beginning (at least 4 hex digits, as
// people copy a short one), case-insensitive.
func (c Context) MatchID(id string) bool {
	id = strings.ToLower(strings.TrimSpace(id))
	return c.Valid() && len(id) >= 4 && strings.HasPrefix(c.TraceID, id)
}
