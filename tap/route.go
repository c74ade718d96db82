package tap

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A route is how one tap mode carries copies from the tapped broker to
// this process. open checks the broker, picks the route (pickRoute) and
// establishes it; the run loop re-establishes it after a drop, and Close
// removes it. Each mode's flags are read once, here, to pick it.
//
//   - shovelRoute: a dynamic shovel per source, from a bounded source
//     queue bound to production into the tap queue; local or amqp091, on
//     the tapped broker or (--tap-url) on another one. Heartbeats prove
//     it runs and stop it once shoveltap is gone.
//   - bindingRoute (--no-shovel): the exclusive tap queue bound straight
//     to the sources; everything dies with the connection.
//   - firehoseRoute (--firehose, --deliveries): the tap queue bound to
//     amq.rabbitmq.trace; its messages are unwrapped trace events.
//   - streamRoute: a stream read as a consumer; nothing is created.
type route interface {
	// establish creates the tap on a fresh connection and returns its
	// live link; on failure it removes what it made.
	establish(ctx context.Context) (*link, error)
	// message completes m, built from delivery d, with what this route
	// knows of its source; false drops it (not a copy asked for).
	message(m Message, d amqp.Delivery) (Message, bool)
	// remove deletes what establish made; l may be nil or half built.
	remove(ctx context.Context, l *link) []error
	// shovelled says copies come through shovels: heartbeats, queue
	// generations and the source queues' counters apply.
	shovelled() bool
	// awayNote and backNote say what a gap of the tap means, while it
	// lasts and once the tap is back.
	awayNote(away time.Duration, cause error) string
	backNote(gap time.Duration, cause error) string
}

// pickRoute is the route of the session's configuration.
func pickRoute(s *Session) route {
	switch {
	case s.stream != nil:
		return streamRoute{s}
	case s.cfg.Firehose:
		return firehoseRoute{s: s}
	case s.cfg.NoShovel:
		return bindingRoute{s: s}
	}
	return shovelRoute{s: s}
}

type shovelRoute struct {
	s *Session
	copies
}

func (r shovelRoute) message(m Message, d amqp.Delivery) (Message, bool) {
	return r.s.sourceMessage(m, d, false)
}
func (shovelRoute) shovelled() bool { return true }

type bindingRoute struct {
	s *Session
	copies
}

func (r bindingRoute) establish(ctx context.Context) (*link, error) {
	return r.s.establishBound(ctx, nil)
}
func (r bindingRoute) message(m Message, d amqp.Delivery) (Message, bool) {
	return r.s.sourceMessage(m, d, true)
}

// remove closes the connection: the tap queue and its bindings go with it.
func (bindingRoute) remove(_ context.Context, l *link) []error { l.close(); return nil }
func (bindingRoute) shovelled() bool                           { return false }

type firehoseRoute struct {
	s *Session
	copies
}

func (r firehoseRoute) establish(ctx context.Context) (*link, error) {
	return r.s.establishBound(ctx, func(l *link) error { return r.acquireFirehose(ctx, l.ch, r.s.cfg.Warn) })
}

// remove closes the connection and turns the vhost's tracing off again
// when this session turned it on and no other tap uses it.
func (r firehoseRoute) remove(ctx context.Context, l *link) []error {
	l.close()
	if r.s.admin != nil {
		if _, err := ReleaseFirehose(ctx, r.s.admin, r.s.cfg.Endpoint.Vhost, r.s.names.Base, true); err != nil {
			return []error{err}
		}
	}
	return nil
}
func (firehoseRoute) shovelled() bool { return false }

type streamRoute struct{ s *Session }

// remove closes the connection: a stream reader creates nothing.
func (streamRoute) remove(_ context.Context, l *link) []error { l.close(); return nil }
func (streamRoute) shovelled() bool                           { return false }
