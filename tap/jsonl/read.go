package jsonl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/tracectx"
)

// line is what a reader needs of a record: everything but the decoded
// part, which is derived and decoded again on reading.
type line struct {
	Seq         uint64          `json:"seq"`
	Time        time.Time       `json:"time"`
	Source      string          `json:"source"`
	Exchange    *string         `json:"exchange"`
	RoutingKey  string          `json:"routing_key"`
	Redelivered bool            `json:"redelivered"`
	Offset      *int64          `json:"offset"`
	Size        *int            `json:"size"`
	Properties  Properties      `json:"properties"`
	Headers     json.RawMessage `json:"headers"`
	Body        *string         `json:"body"`
	BodyBase64  *string         `json:"body_base64"`
	Delivery    *Delivery       `json:"delivery"`
	Gap         *Gap            `json:"gap"`
}

// Parse reads one line of --json output or of a recording back into the
// message it was written from. Header values come back with the types
// values.go describes.
func Parse(data []byte) (tap.Message, error) {
	var l line
	if err := unmarshalLine(data, &l); err != nil {
		return tap.Message{}, fmt.Errorf("not a JSON record: %w", err)
	}
	if l.Exchange == nil || l.Size == nil {
		return tap.Message{}, errors.New("not a shoveltap record: no exchange or size")
	}
	m := tap.Message{
		Seq: l.Seq, Time: l.Time, Source: l.Source, Exchange: *l.Exchange,
		RoutingKey: l.RoutingKey, Redelivered: l.Redelivered, Delivery: l.Delivery.tap(),
	}
	if g := l.Gap; g != nil {
		m.Gap = &tap.Gap{Reason: tap.GapReason(g.Reason), From: g.From, To: g.To, Missed: g.MissedEstimate}
	}
	if l.Offset != nil {
		m.Offset, m.HasOffset = *l.Offset, true
	}
	p := l.Properties
	m.Properties = tap.Properties{
		ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
		Priority: p.Priority, CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo, Expiration: p.Expiration,
		MessageID: p.MessageID, Type: p.Type, UserID: p.UserID, AppID: p.AppID,
	}
	if p.Timestamp != nil {
		m.Properties.Timestamp = *p.Timestamp
	}
	switch {
	case l.Body != nil:
		m.Body = []byte(*l.Body)
	case l.BodyBase64 != nil:
		b, err := base64.StdEncoding.DecodeString(*l.BodyBase64)
		if err != nil {
			return tap.Message{}, fmt.Errorf("body_base64: %w", err)
		}
		m.Body = b
	}
	if len(m.Body) != *l.Size {
		return tap.Message{}, fmt.Errorf("body is %d bytes, the record says %d", len(m.Body), *l.Size)
	}
	if len(l.Headers) > 0 && !bytes.Equal(l.Headers, []byte("null")) {
		raw, err := unmarshalHeaders(l.Headers)
		if err != nil {
			return tap.Message{}, fmt.Errorf("headers: %w", err)
		}
		h, err := decodeTable(raw)
		if err != nil {
			return tap.Message{}, fmt.Errorf("headers: %w", err)
		}
		m.Headers = h
	}
	return m, nil
}

// decodeHeaders is how the headers were always read: numbers as
// json.Number, so that an int64 keeps every digit.
func decodeHeaders(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// countedLine is what ParseCounted reads of a line: what the views count
// of a message they do not show, and what Parse checks a line by.
type countedLine struct {
	Seq        uint64             `json:"seq"`
	Time       time.Time          `json:"time"`
	Exchange   *string            `json:"exchange"`
	Size       *int               `json:"size"`
	Body       *string            `json:"body"`
	BodyBase64 *string            `json:"body_base64"`
	Decoded    decodedFormat      `json:"decoded"`
	Delivery   *Delivery          `json:"delivery"`
	DeadLetter *decode.DeadLetter `json:"dead_letter"`
	TraceID    string             `json:"trace_id"`
	SpanID     string             `json:"span_id"`
	Facts      *[]decode.Fact     `json:"facts"`
}

// ParseCounted reads a line as `shoveltap open` reads one it only counts
// (tap.Message.CountOnly, a line before those it keeps): the line is
// checked as Parse checks it, and the message comes back with a counted
// reading (reading.Counted) made of what the line says the tap read of
// it — its lifecycle facts, its dead letter, its trace context — without
// its properties, headers and body decoded, nor the message decoded
// again. A line that does not say all of it (a Celery or oslo.messaging
// message written without its facts, as before lines had them; a kind of
// fact this version does not know) comes back as Parse reads it, to be
// decoded again. Unlike Parse, it checks a counted line's headers only
// as JSON.
func ParseCounted(data []byte) (tap.Message, error) {
	var l countedLine
	if err := unmarshalLine(data, &l); err != nil || !l.sound() || l.needsDecoding() {
		// Parse says why a line is refused, or reads it in full.
		m, err := Parse(data)
		m.CountOnly = true
		return m, err
	}
	m := tap.Message{Seq: l.Seq, Time: l.Time, Exchange: *l.Exchange, Delivery: l.Delivery.tap(), CountOnly: true}
	var facts []decode.Fact
	if l.Facts != nil && len(*l.Facts) > 0 {
		facts = *l.Facts
	}
	var trace *tracectx.Context
	if l.TraceID != "" {
		trace = &tracectx.Context{TraceID: l.TraceID, SpanID: l.SpanID}
	}
	m.Reading = reading.Counted(facts, l.DeadLetter, trace)
	return m, nil
}

// sound says whether the line passes Parse's checks besides its headers:
// an exchange, and a body of the size it says.
func (l *countedLine) sound() bool {
	if l.Exchange == nil || l.Size == nil {
		return false
	}
	switch {
	case l.Body != nil:
		return len(*l.Body) == *l.Size
	case l.BodyBase64 != nil:
		b, err := base64.StdEncoding.DecodeString(*l.BodyBase64)
		return err == nil && len(b) == *l.Size
	}
	return *l.Size == 0
}

// needsDecoding says whether the message's facts are to be read from it
// again: a publish the decoder took for Celery or oslo.messaging whose
// line carries no facts, or one whose line does not say what the decoder
// took it for.
func (l *countedLine) needsDecoding() bool {
	if l.Facts != nil || l.Delivery != nil {
		return false
	}
	return !l.Decoded.seen || reading.LifecycleShaped(l.Decoded.format)
}

// decodedFormat is the format of a line's decoded section, the rest of
// the section skipped: the writer puts "format" first, and any other
// order is read in full.
type decodedFormat struct {
	format string
	seen   bool // the line has a decoded section
}

// UnmarshalJSON reads the format.
func (f *decodedFormat) UnmarshalJSON(data []byte) error {
	const prefix = `{"format":"`
	if rest, ok := bytes.CutPrefix(data, []byte(prefix)); ok {
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			*f = decodedFormat{format: string(rest[:end]), seen: true}
			return nil
		}
	}
	var d *struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	if d != nil {
		*f = decodedFormat{format: d.Format, seen: true}
	}
	return nil
}
