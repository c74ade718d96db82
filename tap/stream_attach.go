package tap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// How a stream tap attaches to its stream, and attaches again after a
// reconnect without reading anything twice.

// establishStream attaches a stream consumer on a fresh connection, from
// where --from says or, after a reconnect, just after the last message
// handed over: nothing is seen twice, and nothing is skipped but what the
// stream's retention removed meanwhile. A stream is read on a node that
// holds a replica of it, so a node without one passes the turn to the
// next. Nothing is created on the broker, so a failure only closes the
// connection.
func (r streamRoute) establish(ctx context.Context) (*link, error) {
	s := r.s
	s.mu.Lock()
	start := s.node
	s.mu.Unlock()
	nodes := len(s.cfg.Endpoint.Nodes())
	var errs []error
	for tries := 0; tries < nodes; tries++ {
		l, err := r.attachStream(ctx, start)
		switch {
		case err == nil:
			return l, nil
		case !noLocalReplica(err):
			return nil, err
		}
		errs = append(errs, err)
		start = l.node + 1 // l is the failed link: its node has no replica
	}
	if nodes == 1 {
		return nil, fmt.Errorf("%w; a stream is read on a node that holds it: give one of its nodes with --url", errs[0])
	}
	return nil, fmt.Errorf("no node tried holds a replica of stream %q (a stream is read on a node that holds it; give one with --url): %w", s.stream.name, errors.Join(errs...))
}

// attachStream connects to the first node that answers from node start
// on and attaches the consumers there. On failure the link it returns,
// closed, still says which node was tried.
func (r streamRoute) attachStream(ctx context.Context, start int) (*link, error) {
	s := r.s
	st := s.stream
	conn, node, err := broker.DialNodes(ctx, s.cfg.Endpoint, s.names.Base, start)
	if err != nil {
		return nil, err
	}
	ep := s.cfg.Endpoint.OnNode(node)
	l := &link{conn: conn, prod: conn, node: node, tapNode: node}
	fail := func(err error) (*link, error) {
		l.close()
		return l, err
	}
	if l.ch, err = conn.Channel(); err != nil {
		return fail(broker.ExplainAMQP(ep, "opening a channel", err))
	}
	l.prodCh = l.ch
	// A per-consumer prefetch: a stream refuses a consumer without one,
	// and hardened RabbitMQ 4 denies a global one.
	if err := l.ch.Qos(s.cfg.Prefetch, 0, false); err != nil {
		return fail(broker.ExplainAMQP(ep, "setting the prefetch", err))
	}
	from := r.streamStart()
	if resume, ok := from.(int64); ok && st.sent >= 0 {
		if err := r.checkRetention(ctx, conn, ep, resume); err != nil {
			return fail(err)
		}
	}
	l.deliveries, err = l.ch.Consume(st.name, s.names.Base, false, false, false, false, amqp.Table{streamOffsetHeader: from})
	if err != nil {
		return fail(explainStream(ep, st.name, err))
	}
	s.mu.Lock()
	known := st.liveKnown
	if st.attachedAt.IsZero() {
		st.attachedAt = time.Now()
	}
	s.mu.Unlock()
	if !known {
		if err := r.watchLive(conn, ep); err != nil {
			return fail(err)
		}
	}
	return l, nil
}

// noLocalReplica says a stream cannot be read on the node connected to:
// it holds no replica of it.
func noLocalReplica(err error) bool {
	return err != nil && strings.Contains(err.Error(), "replica on the local node")
}

// streamStart is the x-stream-offset of the next attach, and resets what
// was taken but not handed over (it is read again).
func (r streamRoute) streamStart() any {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stream
	st.taken = st.sent
	switch {
	case st.sent >= 0:
		return st.sent + 1
	case st.attachedAt.IsZero():
		return st.from.arg()
	case st.from.Kind == FromNext || st.from.Kind == FromLast:
		// Nothing read yet, and the stream's end has moved on since:
		// start at the first attach (a few earlier messages of its
		// chunk may come too).
		return st.attachedAt.Truncate(time.Second)
	}
	return st.from.arg()
}

// watchLive finds where live messages start: a second consumer that reads
// from "next", attached now, receives first the first message published
// after this moment. It takes that one message (prefetch 1) and goes.
func (r streamRoute) watchLive(conn *amqp.Connection, ep broker.Endpoint) error {
	s := r.s
	ch, err := conn.Channel()
	if err != nil {
		return broker.ExplainAMQP(ep, "opening a channel", err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return broker.ExplainAMQP(ep, "setting the prefetch", err)
	}
	ds, err := ch.Consume(s.stream.name, s.names.Base+"-live", false, false, false, false, amqp.Table{streamOffsetHeader: "next"})
	if err != nil {
		return explainStream(ep, s.stream.name, err)
	}
	go func() {
		d, ok := <-ds
		if !ok {
			return // the connection went; the next attach watches again
		}
		if off, ok := offsetOf(d.Headers); ok {
			s.mu.Lock()
			if !s.stream.liveKnown {
				s.stream.liveFrom, s.stream.liveKnown = off, true
				s.syncStreamStatus()
			}
			s.mu.Unlock()
		}
		_ = ch.Close()
	}()
	return nil
}

// checkRetention, when reading resumes at offset resume, reads where the
// stream now starts: if its retention removed offsets at or after resume
// while the tap was away, they were lost to the tap, and the status says
// which and counts them (an upper bound: some offsets are the stream's own
// entries, which a reader cannot tell apart).
func (r streamRoute) checkRetention(ctx context.Context, conn *amqp.Connection, ep broker.Endpoint, resume int64) error {
	s := r.s
	first, err := readStream(ctx, conn, ep, s.stream.name, "first", 1, 2*time.Second)
	if err != nil || len(first) == 0 {
		return err // an empty stream lost nothing of what was read
	}
	start, ok := offsetOf(first[0].Headers)
	if !ok || start <= resume {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream.skipped += uint64(start - resume)
	s.stream.lossNote = fmt.Sprintf("the stream's retention removed offsets %d–%d before they were read", resume, start-1)
	s.status.Dropped = s.stream.skipped
	s.status.Detail = s.stream.lossNote
	return nil
}

// explainStream turns a failure to read a stream into an actionable error.
func explainStream(ep broker.Endpoint, name string, err error) error {
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotFound {
		return fmt.Errorf("reading stream %q: it does not exist in vhost %q (any more): %s", name, ep.Vhost, ae.Reason)
	}
	return broker.ExplainAMQP(ep, fmt.Sprintf("reading stream %q", name), err)
}
