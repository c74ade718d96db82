// Package tap is the tap: the temporary shovel and queues of a session, the
// consumer, streams, the budget, the firehose, and their cleanup, all
// through tap/broker. It hands the rest of the program plain values
// (Message, Batch, Status) and never imports anything of the UI.
package tap

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// Message is one delivery seen through a tap, as plain values. Header values
// keep the type they had on the wire, as plain Go types (string, bool, int8,
// int16, int32, int64, uint8, uint16, uint32, float32, float64, time.Time,
// []byte, Decimal, []any, map[string]any, nil), so that a recording replays
// exactly and no AMQP library type leaks out.
type Message struct {
	Seq         uint64    // increasing within one session, starting at 1
	Time        time.Time // when shoveltap received it
	Source      string    // what was tapped, e.g. "orders (order.#)"
	Exchange    string    // the exchange the message was published to
	RoutingKey  string
	Redelivered bool
	Properties  Properties
	Headers     map[string]any
	Body        []byte
	// Reading is what every view shows of the message (its decoding
	// included), set once by the decoding stage (tap/pipeline) before the
	// message reaches the recorder, the web monitor, the UI or JSON lines;
	// nil until then (see Read). Nothing downstream rebuilds or clears it.
	Reading *reading.Reading
	// Delivery is set when this is not a publish but the firehose's report
	// that the message went to a consumer (--deliveries).
	Delivery *Delivery
	// Gap, when set, says the tap did not copy what its source routed for
	// a while just before this message (the --max-rate budget sampling,
	// or a reconnect).
	Gap *Gap
	// Offset is the message's position in the stream it was read from,
	// when HasOffset is set (a stream tap; see StreamStatus).
	Offset    int64
	HasOffset bool
	// CountOnly says the views count the message and take its lifecycle
	// facts but never show it: a line of a capture before the last ones
	// `shoveltap open` keeps (capture.Reader.Keep), which the UI would
	// only have pushed out of its ring unseen. Its Reading, when the
	// capture reader made it, has Facts, DeadLetter and Decoded.Trace and
	// nothing else.
	CountOnly bool
}

// DecodeInput is what the decoders read of a message.
func (m Message) DecodeInput() decode.Input {
	p := m.Properties
	return decode.Input{
		Exchange:        m.Exchange,
		RoutingKey:      m.RoutingKey,
		ContentType:     p.ContentType,
		ContentEncoding: p.ContentEncoding,
		CorrelationID:   p.CorrelationID,
		ReplyTo:         p.ReplyTo,
		MessageID:       p.MessageID,
		Type:            p.Type,
		Headers:         m.Headers,
		Body:            m.Body,
	}
}

// ReadingInput is what a reading is made of.
func (m Message) ReadingInput() reading.Input {
	p := m.Properties
	in := reading.Input{
		Message: m.DecodeInput(),
		Time:    m.Time,
		Source:  m.Source,
		Properties: reading.Properties{
			ContentType: p.ContentType, ContentEncoding: p.ContentEncoding,
			DeliveryMode: p.DeliveryMode, Priority: p.Priority,
			CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo,
			Expiration: p.Expiration, MessageID: p.MessageID,
			Timestamp: p.Timestamp, Type: p.Type, UserID: p.UserID, AppID: p.AppID,
		},
	}
	if d := m.Delivery; d != nil {
		in.Delivery = &reading.Delivery{Connection: d.Connection, Channel: d.Channel, User: d.User, Redelivered: d.Redelivered}
	}
	return in
}

// Read is the message's reading: the one the decoding stage set, or, for
// a message that did not pass through it (a test, a message built by
// hand), a new one, not kept.
func (m Message) Read() *reading.Reading {
	if m.Reading != nil {
		return m.Reading
	}
	return reading.Build(m.ReadingInput())
}

// Result is the decoder's result (decode.Summarize: no hex dump, no
// rendered body) with its decoded fields, from the message's reading:
// what JSON lines write. A view that needs no fields reads
// m.Read().Decoded, which never asks the decoder again.
func (m Message) Result() decode.Result {
	if m.Reading == nil {
		// Read's reading is not kept: made with its fields at once.
		return reading.BuildForLines(nil, m.ReadingInput()).Decoded
	}
	return m.Reading.Result()
}

// Gap is a stretch of time in which a tap copied nothing of a source.
type Gap struct {
	Reason GapReason
	From   time.Time // when copying stopped
	To     time.Time // when it started again
	// Missed estimates the messages routed meanwhile and not copied; 0
	// when unknown (a reconnect).
	Missed uint64
}

// GapReason says why a tap stopped copying.
type GapReason string

const (
	// GapSampling: the tapped rate exceeded Config.MaxRate, so the tap
	// copied only part of the time (see budget.go).
	GapSampling GapReason = "sampling"
	// GapReconnect: the tap was being re-created.
	GapReconnect GapReason = "reconnect"
)

// Decimal is an AMQP decimal header value: Value × 10^-Scale.
type Decimal struct {
	Scale uint8 `json:"scale"`
	Value int32 `json:"value"`
}

// String shows the decimal as a number, e.g. 123.45.
func (d Decimal) String() string {
	s := strconv.FormatInt(int64(d.Value), 10)
	if d.Scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// Size is the body length in bytes.
func (m Message) Size() int { return len(m.Body) }

// Properties are the AMQP 0-9-1 basic properties of a message. Zero values
// mean "not set".
type Properties struct {
	ContentType     string
	ContentEncoding string
	DeliveryMode    uint8
	Priority        uint8
	CorrelationID   string
	ReplyTo         string
	Expiration      string
	MessageID       string
	Timestamp       time.Time
	Type            string
	UserID          string
	AppID           string
}

// Batch is what a running session hands over on every tick: the messages
// received since the previous batch (possibly none) and the tap's status at
// the time of sending. Readers of a session's batches see nothing else.
type Batch struct {
	Messages []Message
	Status   Status
}

// State is where a tap is in its life.
type State int

const (
	StateStarting     State = iota // creating queues, exchange and shovel
	StateRunning                   // shovel running, consumer attached
	StateReconnecting              // connection or shovel lost, re-creating
	StateStopping                  // removing what was created
	StateStopped                   // everything removed
	StateFailed                    // gave up; Status.Detail says why
)

func (s State) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateRunning:
		return "running"
	case StateReconnecting:
		return "reconnecting"
	case StateStopping:
		return "removing tap"
	case StateStopped:
		return "stopped"
	case StateFailed:
		return "failed"
	}
	return "unknown"
}

// Status is a snapshot of a tap for display.
type Status struct {
	State   State
	Detail  string // human-readable reason for Reconnecting/Failed; a passing note while running
	Broker  string // host:port of the broker, never with credentials
	Vhost   string
	Sources []string // what is tapped, e.g. "orders (order.#)"
	// Seen counts messages received by shoveltap in this session.
	Seen uint64
	// Rate is messages per second received, averaged over the last seconds.
	Rate float64
	// Notes warn about what the tap cannot see, e.g. a queue receiving
	// messages through the default exchange that its bindings miss.
	Notes []string
	// Dropped counts messages the tap's bounded queues discarded at the
	// broker (drop-head) because shoveltap did not keep up. It comes from the
	// management API's sampled statistics, so it lags by a few seconds.
	Dropped uint64
	// DroppedUnknown says the broker gives no message statistics (RabbitMQ
	// 4 with management metrics collection denied), so Dropped means
	// nothing.
	DroppedUnknown bool
	// Reconnects counts how often the tap was re-created; LastGap is how
	// long the last re-creation left the sources without a tap.
	Reconnects int
	LastGap    time.Duration
	// Budget is the production budget's state; zero without --max-rate.
	Budget BudgetStatus
	// Stream describes a stream tap; its Name is "" for every other tap.
	Stream StreamStatus
}

// BudgetStatus is what the production budget (Config.MaxRate) is doing.
type BudgetStatus struct {
	// MaxRate is the budget: copied messages per second, summed over
	// the sources; 0 for none.
	MaxRate int
	// Sampling: the sources route more than MaxRate, so the tap copies
	// only part of the time.
	Sampling bool
	// Share estimates the part of the routed messages that is copied
	// (0–1) while sampling; TappedRate estimates what the sources route
	// per second, copied or not.
	Share      float64
	TappedRate float64
	// SampledAway estimates the messages not copied because of the
	// budget, in this session. They are not in Dropped, which counts
	// only copies lost at the tap's bounded queues.
	SampledAway uint64
}

// StreamStatus is where a stream tap reads. Messages with an offset below
// LiveFrom were in the stream before the tap started (history); from
// LiveFrom on they were published while it runs (live).
type StreamStatus struct {
	Name string // the stream
	From string // where reading started, as asked (From.String)
	// LiveFrom is the offset of the first message published after the tap
	// started, known (LiveKnown) once such a message exists.
	LiveFrom  int64
	LiveKnown bool
	// Last is the offset of the last message handed over, -1 before any.
	Last int64
}
