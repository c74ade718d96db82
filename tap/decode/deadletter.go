package decode

import (
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// Death is one entry of a dead letter's x-death header: the broker adds or
// updates one per (queue, reason) each time the message is dead-lettered.
type Death struct {
	Queue  string `json:"queue"`
	Reason string `json:"reason"` // rejected, expired, maxlen, delivery_limit
	// Count is how many times the message was dead-lettered from Queue
	// for Reason.
	Count    int64     `json:"count"`
	Exchange string    `json:"exchange"`
	Keys     []string  `json:"routing_keys,omitempty"`
	Time     time.Time `json:"time,omitzero"`
	// OriginalExpiration is the per-message TTL the broker removed when it
	// dead-lettered the message.
	OriginalExpiration string `json:"original_expiration,omitempty"`
}

// DeathEnd is the x-first-death-* or x-last-death-* headers.
type DeathEnd struct {
	Queue    string `json:"queue"`
	Reason   string `json:"reason"`
	Exchange string `json:"exchange"`
}

// DeadLetter is what a message's headers say of its dead-lettering.
type DeadLetter struct {
	// Deaths are the x-death entries, most recent first, as the broker
	// keeps them.
	Deaths []Death   `json:"deaths,omitempty"`
	First  *DeathEnd `json:"first,omitempty"`
	Last   *DeathEnd `json:"last,omitempty"`
	// Problems say what in the headers was not as the broker writes it.
	Problems []string `json:"problems,omitempty"`
}

// Dead-letter reasons, as the broker writes them.
const (
	ReasonRejected      = "rejected"
	ReasonExpired       = "expired"
	ReasonMaxLen        = "maxlen"
	ReasonDeliveryLimit = "delivery_limit"
)

// DeadLettered decodes the dead-letter headers (x-death,
// x-first-death-*, x-last-death-*) of a message; ok is false when it has
// none. It takes headers as amqp091 gives them (amqp.Table, []any,
// time.Time, int64) or as they come back from JSON (maps, float64 or
// json.Number, RFC 3339 or Unix-second times).
func DeadLettered(headers map[string]any) (DeadLetter, bool) {
	var d DeadLetter
	if len(headers) == 0 {
		return d, false // most messages: not a key to look up
	}
	raw, has := headers["x-death"]
	if has {
		list, ok := asList(raw)
		if !ok {
			d.Problems = append(d.Problems, fmt.Sprintf("x-death is a %T, not an array", raw))
		}
		for i, e := range list {
			t, ok := asTable(e)
			if !ok {
				d.Problems = append(d.Problems, fmt.Sprintf("x-death entry %d is a %T, not a table", i+1, e))
				continue
			}
			d.Deaths = append(d.Deaths, deathOf(t, i+1, &d.Problems))
		}
	}
	d.First = deathEnd(headers, "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange")
	d.Last = deathEnd(headers, "x-last-death-queue", "x-last-death-reason", "x-last-death-exchange")
	return d, has || d.First != nil || d.Last != nil
}

func deathOf(t map[string]any, n int, problems *[]string) Death {
	var x Death
	x.Queue, _ = asText(t["queue"])
	x.Reason, _ = asText(t["reason"])
	x.Exchange, _ = asText(t["exchange"])
	x.OriginalExpiration, _ = asText(t["original-expiration"])
	if c, ok := asInt(t["count"]); ok {
		x.Count = c
	} else if _, has := t["count"]; has {
		*problems = append(*problems, fmt.Sprintf("x-death entry %d: count %v is not a number", n, t["count"]))
	}
	if keys, ok := asList(t["routing-keys"]); ok {
		for _, k := range keys {
			if s, ok := asText(k); ok {
				x.Keys = append(x.Keys, s)
			}
		}
	}
	if tm, ok := asTime(t["time"]); ok {
		x.Time = tm
	}
	switch x.Reason {
	case ReasonRejected, ReasonExpired, ReasonMaxLen, ReasonDeliveryLimit:
	default:
		*problems = append(*problems, fmt.Sprintf("x-death entry %d: unknown reason %q", n, x.Reason))
	}
	return x
}

// deathEnd reads the x-first-death-* or x-last-death-* headers, named in
// full (not built from a prefix for every message).
func deathEnd(h map[string]any, queueKey, reasonKey, exchangeKey string) *DeathEnd {
	q, okQ := asText(h[queueKey])
	r, okR := asText(h[reasonKey])
	x, okX := asText(h[exchangeKey])
	if !okQ && !okR && !okX {
		return nil
	}
	return &DeathEnd{Queue: q, Reason: r, Exchange: x}
}

// Summary is one line: "rejected from orders (3 times, via exchange
// shop at 12:00:01)", the most recent death first.
func (d DeadLetter) Summary() string {
	if len(d.Deaths) == 0 {
		if d.Last != nil {
			return fmt.Sprintf("%s from %s", d.Last.Reason, d.Last.Queue)
		}
		if d.First != nil {
			return fmt.Sprintf("%s from %s", d.First.Reason, d.First.Queue)
		}
		return ""
	}
	x := d.Deaths[0]
	s := fmt.Sprintf("%s from %s", x.Reason, x.Queue)
	if x.Count > 1 {
		s += fmt.Sprintf(" (%d times)", x.Count)
	}
	if len(d.Deaths) > 1 {
		s += fmt.Sprintf(", and %d earlier dead-lettering(s)", len(d.Deaths)-1)
	}
	return s
}

// asTable accepts any map with string keys (amqp.Table is one).
func asTable(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func asText(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// asTime accepts an AMQP timestamp (time.Time), Unix seconds, or RFC 3339
// text (how a JSON line writes a time).
func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return tm, true
		}
		if s, err := strconv.ParseInt(t, 10, 64); err == nil {
			return time.Unix(s, 0), true
		}
		return time.Time{}, false
	}
	if s, ok := asInt(v); ok {
		return time.Unix(s, 0), true
	}
	return time.Time{}, false
}
