// Package jsonl writes tapped messages as JSON lines: one self-contained
// object per message, with every property and header, the body losslessly,
// and what the decoders made of it. The same schema serves --json output
// and recordings.
package jsonl

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// Record is one line.
type Record struct {
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	Source      string    `json:"source,omitempty"`
	Exchange    string    `json:"exchange"`
	RoutingKey  string    `json:"routing_key"`
	Redelivered bool      `json:"redelivered,omitempty"`
	// Offset is the message's offset in the stream it was read from; it
	// is absent for every other tap.
	Offset     *int64         `json:"offset,omitempty"`
	Size       int            `json:"size"`
	Properties Properties     `json:"properties"`
	Headers    map[string]any `json:"headers,omitempty"`
	// Body holds a UTF-8 body as is; any other body is in BodyBase64.
	Body       *string  `json:"body,omitempty"`
	BodyBase64 *string  `json:"body_base64,omitempty"`
	Decoded    *Decoded `json:"decoded,omitempty"`
	// Delivery is set on a delivery event (--deliveries): the message
	// above went to a consumer.
	Delivery *Delivery `json:"delivery,omitempty"`
	// Gap is on the first record of a source after the tap copied
	// nothing of it for a while (--max-rate sampling, a reconnect); a
	// record without it follows the one before with nothing missed.
	// Readers that do not know it skip it.
	Gap *Gap `json:"gap,omitempty"`
	// RoutedTo are the production queues the broker routed the message
	// to, by the routing model of a live tap (docs/routing.md); absent
	// without a model (no management API, a capture file) and when
	// Unroutable.
	RoutedTo []RoutedQueue `json:"routed_to,omitempty"`
	// Unroutable: the model says no production queue got the message.
	Unroutable bool `json:"unroutable,omitempty"`
	// UsedAlternate: an exchange on the way used its alternate exchange.
	UsedAlternate bool `json:"used_alternate,omitempty"`
	// RoutingUnknown says what the model could not evaluate (an exchange
	// type it does not know, an exchange it may not see).
	RoutingUnknown []string `json:"routing_unknown,omitempty"`
	// DeadLetter is the decoded x-death headers of a dead letter.
	DeadLetter *decode.DeadLetter `json:"dead_letter,omitempty"`
	// TraceID and SpanID are the W3C trace context (traceparent) the
	// message carries (docs/traces.md).
	TraceID string `json:"trace_id,omitempty"`
	SpanID  string `json:"span_id,omitempty"`
	// Facts are what the tap read of a Celery or oslo.messaging message
	// for the task and RPC lifecycles (docs/lifecycles.md), empty when it
	// read none; absent for every other message, and for one whose facts
	// JSON cannot hold exactly (a reader decodes that one again).
	Facts *[]decode.Fact `json:"facts,omitempty"`
}

// Delivery is a tap.Delivery: who got the message, and the seq of the
// record that published it (absent when the tap did not see the publish).
type Delivery struct {
	Queue        string `json:"queue"`
	Connection   string `json:"connection,omitempty"`
	Channel      int    `json:"channel,omitempty"`
	User         string `json:"user,omitempty"`
	Node         string `json:"node,omitempty"`
	Redelivered  bool   `json:"redelivered,omitempty"`
	PublishedSeq uint64 `json:"published_seq,omitempty"`
}

func newDelivery(d *tap.Delivery) *Delivery {
	if d == nil {
		return nil
	}
	return &Delivery{Queue: d.Queue, Connection: d.Connection, Channel: d.Channel, User: d.User,
		Node: d.Node, Redelivered: d.Redelivered, PublishedSeq: d.Of}
}

func (d *Delivery) tap() *tap.Delivery {
	if d == nil {
		return nil
	}
	return &tap.Delivery{Queue: d.Queue, Connection: d.Connection, Channel: d.Channel, User: d.User,
		Node: d.Node, Redelivered: d.Redelivered, Of: d.PublishedSeq}
}

// Gap says what is missing before a record, and why.
type Gap struct {
	Reason string    `json:"reason"` // "sampling" or "reconnect"
	From   time.Time `json:"from"`   // when copying stopped
	To     time.Time `json:"to"`     // when it started again
	// MissedEstimate estimates the messages not copied meanwhile
	// (sampling); absent when unknown (a reconnect).
	MissedEstimate uint64 `json:"missed_estimate,omitempty"`
}

// Properties are the AMQP basic properties that are set.
type Properties struct {
	ContentType     string     `json:"content_type,omitempty"`
	ContentEncoding string     `json:"content_encoding,omitempty"`
	DeliveryMode    uint8      `json:"delivery_mode,omitempty"`
	Priority        uint8      `json:"priority,omitempty"`
	CorrelationID   string     `json:"correlation_id,omitempty"`
	ReplyTo         string     `json:"reply_to,omitempty"`
	Expiration      string     `json:"expiration,omitempty"`
	MessageID       string     `json:"message_id,omitempty"`
	Timestamp       *time.Time `json:"timestamp,omitempty"`
	Type            string     `json:"type,omitempty"`
	UserID          string     `json:"user_id,omitempty"`
	AppID           string     `json:"app_id,omitempty"`
}

// Decoded is what the decoders recognised (docs/json-lines.md). It is
// derived: a reader decodes the message again.
type Decoded struct {
	Format  string            `json:"format"`
	Summary string            `json:"summary,omitempty"`
	Fields  []Field           `json:"fields,omitempty"`
	Terms   map[string]string `json:"terms,omitempty"`
	Notes   []string          `json:"notes,omitempty"`
	Task    *Task             `json:"task,omitempty"`
}

// Field is one labelled line of the decoded section (decode.Field).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Task is a Celery task, result or event (decode.Task).
type Task struct {
	Kind     string `json:"kind"` // task, result or event
	Name     string `json:"name,omitempty"`
	ID       string `json:"id,omitempty"`
	RootID   string `json:"root_id,omitempty"`
	ParentID string `json:"parent_id,omitempty"`
	GroupID  string `json:"group_id,omitempty"`
	Status   string `json:"status,omitempty"`
}

func newDecoded(d decode.Result) *Decoded {
	out := &Decoded{Format: d.Format, Summary: d.Summary, Terms: d.Terms, Notes: d.Notes}
	if len(d.Fields) > 0 {
		out.Fields = make([]Field, len(d.Fields))
		for i, f := range d.Fields {
			out.Fields[i] = Field{Name: f.Name, Value: f.Value}
		}
	}
	if t := d.Task; t != nil {
		out.Task = &Task{Kind: t.Kind, Name: t.Name, ID: t.ID, RootID: t.RootID, ParentID: t.ParentID, GroupID: t.GroupID, Status: t.Status}
	}
	return out
}

// NewRecord builds the record of a message from its reading (its
// decoding and lifecycle facts); a message that has none yet (a test) is
// read here.
func NewRecord(m tap.Message) Record {
	rd := m.Reading
	if rd == nil {
		rd = reading.BuildForLines(nil, m.ReadingInput())
	}
	d := rd.Result()
	r := Record{
		Seq:         m.Seq,
		Time:        m.Time,
		Source:      m.Source,
		Exchange:    m.Exchange,
		RoutingKey:  m.RoutingKey,
		Redelivered: m.Redelivered,
		Size:        m.Size(),
		Headers:     jsonSafe(m.Headers),
		Delivery:    newDelivery(m.Delivery),
		Decoded:     newDecoded(d),
	}
	r.setRoute(m, d)
	if rd.FactsRead() {
		if facts := newFacts(rd.Facts); facts != nil {
			r.Facts = &facts
		}
	}
	if g := m.Gap; g != nil {
		r.Gap = &Gap{Reason: string(g.Reason), From: g.From, To: g.To, MissedEstimate: g.Missed}
	}
	if m.HasOffset {
		off := m.Offset
		r.Offset = &off
	}
	p := m.Properties
	r.Properties = Properties{
		ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
		Priority: p.Priority, CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo, Expiration: p.Expiration,
		MessageID: p.MessageID, Type: p.Type, UserID: p.UserID, AppID: p.AppID,
	}
	if !p.Timestamp.IsZero() {
		ts := p.Timestamp.UTC()
		r.Properties.Timestamp = &ts
	}
	if utf8.Valid(m.Body) {
		s := string(m.Body)
		r.Body = &s
	} else {
		s := base64.StdEncoding.EncodeToString(m.Body)
		r.BodyBase64 = &s
	}
	return r
}

// jsonSafe makes header values encodable without loss; see values.go.
func jsonSafe(h map[string]any) map[string]any {
	if h == nil {
		return nil
	}
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[k] = encodeValue(v)
	}
	return out
}

// Writer writes records, one per line, buffered.
type Writer struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewWriter writes JSON lines to w, every message as given (redaction is
// the pipeline's, before). Call Flush after each batch.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Writer{w: bw, enc: enc}
}

// Write writes m's record, with the decoding of its reading.
func (w *Writer) Write(m tap.Message) error {
	if err := w.enc.Encode(NewRecord(m)); err != nil {
		return fmt.Errorf("writing message %d: %w", m.Seq, err)
	}
	return nil
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }
