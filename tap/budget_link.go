package tap

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// markerHeader marks a window's marker (see budget.go); its value is the
// session's base and the window's number, "<base>/<window>".
const markerHeader = "x-shoveltap-window"

// newBudget is the session's budget, nil without Config.MaxRate.
func (s *Session) newBudget() *budget {
	if s.cfg.MaxRate <= 0 {
		return nil
	}
	b := newBudget(s.cfg.MaxRate, len(s.points), time.Now())
	s.setBudget(b.status(time.Now()))
	return b
}

func (s *Session) setBudget(st BudgetStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Budget = st
}

// sampling reports whether the budget keeps the tap from copying all the
// time, so that the tap sees only part of what its sources route.
func (s *Session) sampling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status.Budget.Sampling
}

// prepareBudget gives a directly bound tap (--no-shovel, --firehose) a way
// for window markers into its tap queue: the dead-letter exchange, which
// only a shovel tap otherwise has, bound to it. The binding dies with the
// tap queue and the auto-delete exchange with it.
func (s *Session) prepareBudget(ctx context.Context, l *link) error {
	if s.cfg.MaxRate <= 0 {
		return nil
	}
	dlx, q := s.names.DeadLetterExchange(), s.names.TapQueue()
	if err := l.ch.ExchangeDeclare(dlx, amqp.ExchangeDirect, false, true, false, false, nil); err != nil {
		return broker.ExplainAMQP(s.cfg.Endpoint, fmt.Sprintf("declaring the marker exchange %q (for --max-rate)", dlx), err)
	}
	if err := l.ch.QueueBind(q, q, dlx, false, nil); err != nil {
		// Never bound, so it would not auto-delete: remove it here.
		if s.admin != nil {
			_ = s.admin.DeleteExchange(ctx, s.cfg.Endpoint.Vhost, dlx)
		}
		return broker.ExplainAMQP(s.cfg.Endpoint, fmt.Sprintf("binding the tap queue to the marker exchange %q (for --max-rate)", dlx), err)
	}
	return nil
}

// copyQueue is the queue that source i's production bindings lead to, and
// the channel that binds it: the source queue of a shovel tap, the tap
// queue of a directly bound one.
func (s *Session) copyQueue(l *link, i int) (string, *amqp.Channel) {
	if s.bound() {
		return s.names.TapQueue(), l.ch
	}
	return s.names.SourceQueueOf(l.gen, i), l.prodCh
}

// pauseCopying takes the production bindings away, so the broker copies
// nothing for the tap until resumeCopying.
func (s *Session) pauseCopying(l *link) error {
	for i, p := range s.points {
		q, ch := s.copyQueue(l, i)
		for _, b := range p.Bindings {
			if err := ch.QueueUnbind(q, b.Key, p.Exchange, b.Args); err != nil {
				return broker.ExplainAMQP(s.cfg.Endpoint, "pausing the copy for --max-rate: unbinding from "+describeBinding(p.Exchange, b), err)
			}
		}
	}
	return nil
}

// resumeCopying puts window w's marker in the tap's path, then the
// production bindings back: every copy behind the marker came after the
// gap. The marker goes through the dead-letter exchange, whose binding of
// each copy queue (keyed by the queue's own name) never goes away.
func (s *Session) resumeCopying(l *link, w int64) error {
	msg := amqp.Publishing{Headers: amqp.Table{markerHeader: s.names.Base + "/" + strconv.FormatInt(w, 10)}, Body: []byte("shoveltap sampling window")}
	for i := range s.points {
		q, ch := s.copyQueue(l, i)
		if err := ch.Publish(s.names.DeadLetterExchange(), q, false, false, msg); err != nil {
			return broker.ExplainAMQP(s.cfg.Endpoint, "resuming the copy for --max-rate: marking the window", err)
		}
		if s.bound() {
			break // one tap queue holds every source
		}
	}
	for i, p := range s.points {
		q, ch := s.copyQueue(l, i)
		for _, b := range p.Bindings {
			if err := ch.QueueBind(q, b.Key, p.Exchange, false, b.Args); err != nil {
				return broker.ExplainAMQP(s.cfg.Endpoint, "resuming the copy for --max-rate: binding to "+describeBinding(p.Exchange, b), err)
			}
		}
	}
	return nil
}

// markerWindow reads a window marker of this session: its window, and
// whether d is one.
func (s *Session) markerWindow(d amqp.Delivery) (int64, bool) {
	v, ok := d.Headers[markerHeader].(string)
	if !ok {
		return 0, false
	}
	base, n, ok := strings.Cut(v, "/")
	if !ok || base != s.names.Base {
		return 0, false
	}
	w, err := strconv.ParseInt(n, 10, 64)
	return w, err == nil
}

// budgetWake is the pump's budget timer, nil (never ready) without one.
func (p *pump) budgetWake() <-chan time.Time {
	if p.budget == nil {
		return nil
	}
	if p.wake == nil {
		p.wake = time.NewTimer(0)
	}
	return p.wake.C
}

// steer does what the budget asks now and sets the timer for the next
// time it wants asking.
func (p *pump) steer(l *link) error {
	b := p.budget
	act, wait := b.next(time.Now())
	switch act {
	case budgetPause:
		start := time.Now()
		if err := p.s.pauseCopying(l); err != nil {
			return fmt.Errorf("%w: %v", errConnectionLost, err)
		}
		b.closed(start, time.Now())
		_, wait = b.next(time.Now())
	case budgetResume:
		w := b.opening(time.Now())
		if err := p.s.resumeCopying(l, w); err != nil {
			return fmt.Errorf("%w: %v", errConnectionLost, err)
		}
		b.opened(time.Now())
		_, wait = b.next(time.Now())
	}
	p.wake.Reset(wait)
	p.s.setBudget(b.status(time.Now()))
	return nil
}

// charge pays the budget for one copy from source i; when that empties
// the bucket the timer fires at once, to close the window.
func (p *pump) charge(i int) {
	if p.budget != nil && p.budget.charge(i, time.Now()) && p.wake != nil {
		p.wake.Reset(0)
	}
}

// marked takes a window marker: from now on source i's copies (every
// source's, for a directly bound tap) come after that window's gap, which
// their next messages carry.
func (p *pump) marked(i int, w int64) {
	if p.budget == nil {
		return
	}
	if p.s.bound() {
		i = -1
	}
	g, ok := p.budget.marked(i, w)
	if !ok {
		return
	}
	if i < 0 {
		p.gaps.addAll(len(p.s.points), g)
		return
	}
	p.gaps.add(i, g)
}
