package tap

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// StreamSpan is what a stream holds, as its first message and its last
// chunk tell: the management API gives neither offsets nor sizes of a
// stream on every version.
type StreamSpan struct {
	Empty                   bool
	FirstOffset, LastOffset int64
	// First and Last are when the first and last messages were carried
	// (the x-shovelled-timestamp header a shovel adds, else the
	// timestamp property); zero when they say nothing.
	First, Last time.Time
	// Sampled messages had SampledBytes of bodies: the average times the
	// count estimates the stream's size.
	Sampled, SampledBytes int64
}

// Messages is how many offsets the span covers: the messages, and a few
// entries the stream keeps for itself.
func (s StreamSpan) Messages() int64 {
	if s.Empty {
		return 0
	}
	return s.LastOffset - s.FirstOffset + 1
}

// ApproxBytes estimates the bodies' size from the sampled messages.
func (s StreamSpan) ApproxBytes() int64 {
	if s.Sampled == 0 {
		return 0
	}
	return s.SampledBytes / s.Sampled * s.Messages()
}

// spanIdle is how long the last chunk may stay silent before it is taken
// as read whole.
const spanIdle = 300 * time.Millisecond

// ReadSpan reads a stream's first message and its last chunk with
// consumers of its own, which remove nothing, and says what it holds. It
// reads on the first of ep's nodes that holds a replica.
func ReadSpan(ctx context.Context, ep broker.Endpoint, stream string) (StreamSpan, error) {
	var errs []error
	start := 0
	for range ep.Nodes() {
		conn, node, err := broker.DialNodes(ctx, ep, broker.Prefix+"span", start)
		if err != nil {
			return StreamSpan{}, err
		}
		span, err := readSpan(ctx, conn, ep.OnNode(node), stream)
		conn.Close()
		if !noLocalReplica(err) {
			return span, err
		}
		errs = append(errs, err)
		start = node + 1
	}
	return StreamSpan{}, fmt.Errorf("no node tried holds a replica of stream %q: %w", stream, errors.Join(errs...))
}

func readSpan(ctx context.Context, conn *amqp.Connection, ep broker.Endpoint, stream string) (StreamSpan, error) {
	var span StreamSpan
	first, err := readStream(ctx, conn, ep, stream, "first", 1, time.Second)
	if err != nil {
		return StreamSpan{}, err
	}
	if len(first) == 0 {
		return StreamSpan{Empty: true}, nil
	}
	last, err := readStream(ctx, conn, ep, stream, "last", 1000, 3*time.Second)
	if err != nil {
		return StreamSpan{}, err
	}
	span.FirstOffset, _ = offsetOf(first[0].Headers)
	span.First = carriedAt(first[0])
	span.LastOffset, span.Last = span.FirstOffset, span.First
	for _, d := range append(first, last...) {
		span.Sampled++
		span.SampledBytes += int64(len(d.Body))
		if off, ok := offsetOf(d.Headers); ok && off >= span.LastOffset {
			span.LastOffset, span.Last = off, carriedAt(d)
		}
	}
	return span, nil
}

// readStream takes up to max messages from spec on, until the stream is
// idle for spanIdle (or, before the first message, for wait).
func readStream(ctx context.Context, conn *amqp.Connection, ep broker.Endpoint, stream, spec string, max int, wait time.Duration) ([]amqp.Delivery, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, broker.ExplainAMQP(ep, "opening a channel", err)
	}
	defer ch.Close()
	if err := ch.Qos(max, 0, false); err != nil {
		return nil, broker.ExplainAMQP(ep, "setting the prefetch", err)
	}
	ds, err := ch.Consume(stream, "", false, false, false, false, amqp.Table{streamOffsetHeader: spec})
	if err != nil {
		return nil, explainStream(ep, stream, err)
	}
	var out []amqp.Delivery
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	deadline := time.After(10 * time.Second)
	for len(out) < max {
		select {
		case d, ok := <-ds:
			if !ok {
				return nil, fmt.Errorf("reading stream %q: the broker closed the channel", stream)
			}
			d.Headers = amqp.Table(normaliseTable(d.Headers))
			out = append(out, d)
			timeout.Reset(spanIdle)
		case <-timeout.C:
			return out, nil
		case <-deadline:
			return out, nil // a busy stream: the last chunk read so far
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// carriedAt is when a message was carried by a shovel, or else stamped by
// its publisher.
func carriedAt(d amqp.Delivery) time.Time {
	if v, ok := intOf(d.Headers["x-shovelled-timestamp"]); ok {
		return time.Unix(v, 0)
	}
	return d.Timestamp
}
