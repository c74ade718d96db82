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

// Decoded is what the decoders recognised.
type Decoded struct {
	Format  string            `json:"format"`
	Summary string            `json:"summary,omitempty"`
	Fields  []decode.Field    `json:"fields,omitempty"`
	Terms   map[string]string `json:"terms,omitempty"`
	Notes   []string          `json:"notes,omitempty"`
	Task    *decode.Task      `json:"task,omitempty"`
}

// DecodeInput is what the decoders need from a message.
func DecodeInput(m tap.Message) decode.Input {
	return decode.Input{
		Exchange:        m.Exchange,
		RoutingKey:      m.RoutingKey,
		ContentType:     m.Properties.ContentType,
		ContentEncoding: m.Properties.ContentEncoding,
		CorrelationID:   m.Properties.CorrelationID,
		ReplyTo:         m.Properties.ReplyTo,
		MessageID:       m.Properties.MessageID,
		Type:            m.Properties.Type,
		Headers:         m.Headers,
		Body:            m.Body,
	}
}

// NewRecord builds the record of a message and its decoding.
func NewRecord(m tap.Message, d decode.Result) Record {
	r := Record{
		Seq:         m.Seq,
		Time:        m.Time,
		Source:      m.Source,
		Exchange:    m.Exchange,
		RoutingKey:  m.RoutingKey,
		Redelivered: m.Redelivered,
		Size:        m.Size(),
		Headers:     jsonSafe(m.Headers),
		Decoded: &Decoded{
			Format: d.Format, Summary: d.Summary, Fields: d.Fields,
			Terms: d.Terms, Notes: d.Notes, Task: d.Task,
		},
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
	w    *bufio.Writer
	enc  *json.Encoder
	opts Options
}

// NewWriter writes JSON lines to w, every message as received. Call Flush
// after each batch.
func NewWriter(w io.Writer) *Writer {
	return NewWriterWith(w, Options{})
}

// NewWriterWith is NewWriter with options, such as redacting secrets.
func NewWriterWith(w io.Writer, o Options) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Writer{w: bw, enc: enc, opts: o}
}

// Write decodes m and writes its record. With Options.Redact the record
// is built from the redacted message, size included.
func (w *Writer) Write(m tap.Message) error {
	if w.opts.Redact {
		m = Redact(m)
	}
	if err := w.enc.Encode(NewRecord(m, decode.Decode(DecodeInput(m)))); err != nil {
		return fmt.Errorf("writing message %d: %w", m.Seq, err)
	}
	return nil
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }
