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

// Limits bound what one tap can hold on the broker. They apply to each of the
// tap's queues, so the worst case of a stalled tap with one source is twice
// MaxBytes of bodies.
type Limits struct {
	MaxLength int           // messages per queue
	MaxBytes  int64         // body bytes per queue
	Expires   time.Duration // an unused source queue is removed after this
}

// DefaultLimits keep a stalled or paused tap under about 32 MiB of bodies on
// the broker with one source. Expires is short because a source queue is
// bound to production: after a crash it receives copies from the moment
// its shovel stops (within a heartbeat TTL) until it expires. While the tap
// lives the shovel consumes it, so it never expires under a live tap.
var DefaultLimits = Limits{MaxLength: 10000, MaxBytes: 16 << 20, Expires: 5 * time.Second}

func (l Limits) queueArgs() amqp.Table {
	return amqp.Table{
		"x-max-length":       int64(l.MaxLength),
		"x-max-length-bytes": l.MaxBytes,
		// drop-head, never reject-publish: a rejecting tap queue would nack
		// the shovel, which requeues at the source and loops.
		"x-overflow": "drop-head",
		"x-expires":  l.Expires.Milliseconds(),
	}
}

// link is a session's live AMQP connections and what hangs off them: conn
// to the broker where the tap queue lives, prod to the tapped broker. They
// are the same connection unless --tap-url puts the tap elsewhere.
type link struct {
	conn       *amqp.Connection
	ch         *amqp.Channel // tap queue, tap exchanges, consumer
	prod       *amqp.Connection
	prodCh     *amqp.Channel // source and heartbeat queues, heartbeats
	deliveries <-chan amqp.Delivery
	// gen is the generation of the source and heartbeat queue names.
	gen int
	// node and tapNode are the indexes (in Endpoint.Nodes) of the nodes
	// prod and conn are connected to.
	node, tapNode int
	// early holds deliveries that arrived while establish waited for the
	// first heartbeats; the pump takes them first.
	early []amqp.Delivery
}

func (l *link) close() {
	if l == nil {
		return
	}
	for _, c := range []*amqp.Connection{l.conn, l.prod} {
		if c != nil {
			_ = c.CloseDeadline(time.Now().Add(2 * time.Second))
		}
	}
}

// tapLink is a link being built: the tap broker's connection with the tap
// queue declared, and how to give up (removing what was made). The tap
// queue comes first: while it exists the session is alive, so nothing
// created after it can be mistaken for an orphan.
type tapLink struct {
	s     *Session
	ctx   context.Context
	l     *link
	tapEP broker.Endpoint
	node  int // the tapped broker's node to try first
}

// startLink dials the tap broker and declares the tap queue: the first
// steps of every route but the stream. Each call takes a new generation of
// source and heartbeat queue names, so a tap re-created while a node is
// down never waits for queues that live on that node.
func (s *Session) startLink(ctx context.Context) (*tapLink, error) {
	s.mu.Lock()
	gen, node, tapNode := s.nextGen, s.node, s.tapNode
	s.nextGen++
	s.mu.Unlock()

	tapEP := s.tapEndpoint()
	conn, tapNode, err := broker.DialNodes(ctx, tapEP, s.names.Base, tapNode)
	if err != nil {
		return nil, err
	}
	t := &tapLink{s: s, ctx: ctx, l: &link{conn: conn, gen: gen, node: tapNode, tapNode: tapNode}, tapEP: tapEP.OnNode(tapNode), node: node}
	l := t.l
	if l.ch, err = conn.Channel(); err != nil {
		_, err = t.fail(broker.ExplainAMQP(t.tapEP, "opening a channel", err))
		return nil, err
	}
	l.prod, l.prodCh = l.conn, l.ch
	tapQueue := s.names.TapQueue()
	_, err = l.ch.QueueDeclare(tapQueue, false, false, true, false, s.cfg.Limits.queueArgs())
	if err := t.step(fmt.Sprintf("declaring the tap queue %q", tapQueue), t.tapEP, err); err != nil {
		_, err = t.fail(err)
		return nil, err
	}
	return t, nil
}

// fail removes what was made and returns err. What was made must go even
// when ctx ended (the user gave up waiting): the removal gets its own
// deadline.
func (t *tapLink) fail(err error) (*link, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), removeTimeout)
	defer cancel()
	t.s.route.remove(rctx, t.l)
	return nil, err
}

// step explains a failed step of establish (and lets a test fail it).
func (t *tapLink) step(what string, ep broker.Endpoint, err error) error {
	if err == nil {
		err = t.s.injected(what)
	}
	if err != nil {
		return broker.ExplainAMQP(ep, what, err)
	}
	return nil
}

// establishBound creates a tap of the binding route (--no-shovel) or,
// with the firehose acquired first, of the firehose route: the exclusive
// tap queue bound straight to the sources. Everything dies with the
// connection.
func (s *Session) establishBound(ctx context.Context, before func(*link) error) (*link, error) {
	t, err := s.startLink(ctx)
	if err != nil {
		return nil, err
	}
	l, fail := t.l, t.fail
	tapQueue := s.names.TapQueue()
	if before != nil {
		if err := before(l); err != nil {
			return fail(err)
		}
	}
	if err := s.prepareBudget(ctx, l); err != nil {
		return fail(err)
	}
	for _, src := range s.points {
		for _, b := range src.Bindings {
			if err := l.ch.QueueBind(tapQueue, b.Key, src.Exchange, false, b.Args); err != nil {
				if gone := sourceGone(src.Exchange, err); gone != nil {
					return fail(gone)
				}
				return fail(broker.ExplainAMQP(s.cfg.Endpoint, "binding to "+describeBinding(src.Exchange, b), err))
			}
		}
	}
	if err = l.ch.Qos(s.cfg.Prefetch, 0, false); err != nil {
		return fail(broker.ExplainAMQP(s.cfg.Endpoint, "setting the prefetch", err))
	}
	if l.deliveries, err = l.ch.Consume(tapQueue, s.names.Base, false, true, false, false, nil); err != nil {
		return fail(broker.ExplainAMQP(s.cfg.Endpoint, fmt.Sprintf("consuming from %q", tapQueue), err))
	}
	return l, nil
}

// injected returns the error a test asked for at this step, so every step
// of establish can be made to fail (see TestEveryFailedStepLeavesNothing).
func (s *Session) injected(step string) error {
	if s.cfg.failAt != "" && strings.HasPrefix(step, s.cfg.failAt) {
		return fmt.Errorf("injected failure at %q", step)
	}
	return nil
}

// cleanReason makes an Erlang error term readable on one line.
func cleanReason(r string) string {
	r = strings.Join(strings.Fields(r), " ")
	if r == "" {
		return "no reason given"
	}
	if len(r) > 300 {
		r = r[:300] + "…"
	}
	return r
}

// removeTimeout bounds the removal of a tap's objects when the caller's
// context cannot: after a failed start, and for an earlier generation.
const removeTimeout = 15 * time.Second

// ExchangeGone is a tapped exchange that no longer exists, most often
// because a broker restart dropped it (exchanges that are not durable do
// not survive one). A tap that reconnects says so instead of only
// retrying; it comes back once something declares the exchange again.
type ExchangeGone struct {
	Exchange string
	Err      error // the broker's refusal
}

func (e *ExchangeGone) Error() string {
	return fmt.Sprintf("exchange %q no longer exists on the broker (a restart drops exchanges that are not durable); the tap comes back once it is declared again", e.Exchange)
}

func (e *ExchangeGone) Unwrap() error { return e.Err }

// sourceGone is an ExchangeGone when err is the broker's NOT_FOUND for a
// binding to exchange x, and nil otherwise.
func sourceGone(x string, err error) error {
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotFound && strings.Contains(ae.Reason, fmt.Sprintf("no exchange '%s'", x)) {
		return &ExchangeGone{Exchange: x, Err: err}
	}
	return nil
}

// tapEndpoint is the broker where the tap queue lives.
func (s *Session) tapEndpoint() broker.Endpoint {
	if s.cfg.TapEndpoint != nil {
		return *s.cfg.TapEndpoint
	}
	return s.cfg.Endpoint
}
