package jsonl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shoveltap/shoveltap/tap"
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
