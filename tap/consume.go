package tap

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

var (
	errConnectionLost = errors.New("connection to the broker lost")
	errTapStopped     = errors.New("the tap stopped carrying messages")
)

// run feeds the output stream until ctx ends, re-creating the tap when the
// connection drops or its shovel stops carrying heartbeats (if configured
// to).
func (s *Session) run(ctx context.Context, l *link) {
	defer close(s.done)
	defer close(s.out)
	p := &pump{s: s, rate: newRateMeter(), budget: s.newBudget(), gaps: gapMarks{}}
	for {
		err := p.drain(ctx, l)
		if ctx.Err() != nil {
			return
		}
		l.close()
		if !s.cfg.Reconnect {
			s.setState(StateFailed, fmt.Sprintf("%v; exiting as asked (--no-reconnect)", err))
			p.sendStatus(ctx)
			return
		}
		lost := time.Now()
		s.setState(StateReconnecting, s.awayDetail(0, err))
		s.mu.Lock()
		s.drops.bank(s.names.TapQueue())
		s.mu.Unlock()
		oldGen := l.gen
		if l = s.reconnect(ctx, p, lost, err); l == nil {
			return
		}
		gap := time.Since(lost)
		p.relinked(lost)
		s.mu.Lock()
		s.link = l
		s.node, s.tapNode = l.node, l.tapNode
		s.status.Reconnects++
		s.status.LastGap = gap
		s.mu.Unlock()
		if shovel, ok := s.route.(shovelRoute); ok {
			go shovel.removeGeneration(oldGen)
		}
		note := s.route.backNote(gap, err)
		s.setState(StateRunning, note)
		// The note stays a minute, then the status line shows the broker
		// again; Status.LastGap keeps the figure.
		time.AfterFunc(time.Minute, func() { s.clearDetail(note) })
	}
}

// copies are the gap notes of the routes that copy what is published
// while they run: what is published while one is away is not seen.
type copies struct{}

func (copies) awayNote(away time.Duration, cause error) string {
	return fmt.Sprintf("%.1f s, messages published meanwhile may be missing (%v)", away.Seconds(), cause)
}

func (copies) backNote(gap time.Duration, cause error) string {
	return fmt.Sprintf("%.1f s gap until %s, messages may be missing (%v)", gap.Seconds(), time.Now().Format("15:04:05"), cause)
}

// reconnect retries establish with backoff, keeping the UI informed. It
// returns nil when ctx ends. Each try starts with the node that worked
// last and moves on to the cluster's other nodes.
func (s *Session) reconnect(ctx context.Context, p *pump, lost time.Time, cause error) *link {
	s.mu.Lock()
	s.link = nil
	s.mu.Unlock()
	backoff := 500 * time.Millisecond
	for {
		if !p.idle(ctx, backoff, func() { s.setState(StateReconnecting, s.awayDetail(time.Since(lost), cause)) }) {
			return nil
		}
		l, err := s.route.establish(ctx)
		if err == nil {
			return l
		}
		if ctx.Err() != nil {
			return nil
		}
		cause = err
		backoff = min(backoff*2, 5*time.Second)
		s.setState(StateReconnecting, s.awayDetail(time.Since(lost), cause))
	}
}

// pump moves deliveries into batches. It acknowledges a batch only once the
// reader has taken it (the output channel is unbuffered), so this process
// holds at most Prefetch unacknowledged messages plus the one batch the
// reader is working on: when the reader falls behind, the broker stops
// delivering and the tap queue's bound drops the oldest messages there,
// never here.
type pump struct {
	s       *Session
	pending []Message
	lastTag uint64
	seq     uint64
	lastLen int // messages in the last batch handed over
	rate    *rateMeter
	lastOut time.Time
	// blockedSince is when the reader last refused a batch, zero while
	// it keeps up.
	blockedSince time.Time
	// budget is the --max-rate duty cycle (budget.go), nil without one;
	// wake is its timer. gaps are the gaps the next messages carry.
	budget *budget
	wake   *time.Timer
	gaps   gapMarks
}

func (p *pump) drain(ctx context.Context, l *link) error {
	tick := time.NewTicker(p.s.cfg.Tick)
	defer tick.Stop()
	closed := l.conn.NotifyClose(make(chan *amqp.Error, 1))
	prodClosed := closed
	if l.prod != l.conn {
		prodClosed = l.prod.NotifyClose(make(chan *amqp.Error, 1))
	}
	heartbeat := time.NewTicker(HeartbeatEvery)
	defer heartbeat.Stop()
	beats := 0
	// heard is when something last came through each source's shovel.
	heard := make([]time.Time, len(p.s.points))
	for i := range heard {
		heard[i] = time.Now()
	}
	for _, d := range l.early {
		p.take(d, heard)
	}
	l.early = nil
	for {
		ready, batch := p.handover()
		select {
		case ready <- batch:
			if err := p.handedOver(l, batch); err != nil {
				return err
			}
		case <-ctx.Done():
			p.flush(ctx, l, true)
			return ctx.Err()
		case e := <-closed:
			p.flush(ctx, nil, true)
			if e != nil {
				return fmt.Errorf("%w: %s", errConnectionLost, e.Reason)
			}
			return errConnectionLost
		case e := <-prodClosed:
			p.flush(ctx, nil, true)
			if e != nil {
				return fmt.Errorf("%w: %s", errConnectionLost, e.Reason)
			}
			return errConnectionLost
		case d, ok := <-l.deliveries:
			if !ok {
				p.flush(ctx, nil, true)
				return errConnectionLost
			}
			p.take(d, heard)
			p.takeWaiting(l, heard)
		case <-tick.C:
			blockedFor := p.blockedFor()
			if err := p.flush(ctx, l, false); err != nil {
				return err
			}
			if blockedFor > 0 && p.blockedFor() == 0 {
				// The reader was stalled, so deliveries (heartbeats
				// included) stood still: start the liveness clock anew.
				for i := range heard {
					heard[i] = time.Now()
				}
			}
		case <-p.budgetWake():
			if err := p.steer(l); err != nil {
				return err
			}
		case <-heartbeat.C:
			shovel, ok := p.s.route.(shovelRoute)
			if !ok {
				continue
			}
			if i, ok := p.silentSource(heard); ok {
				return fmt.Errorf("%w: nothing came through the shovel of %s for %s (its node may have restarted)", errTapStopped, p.s.points[i].Label, heartbeatLost)
			}
			beats++
			redeclare := time.Duration(beats)*HeartbeatEvery >= heartbeatExpires/4
			if redeclare {
				beats = 0
			}
			if err := shovel.beat(l, redeclare, ""); err != nil {
				return fmt.Errorf("%w: %v", errConnectionLost, err)
			}
		}
	}
}

// take adds one delivery to the pending batch; a heartbeat only proves
// that its source's shovel runs.
func (p *pump) take(d amqp.Delivery, heard []time.Time) {
	p.lastTag = d.DeliveryTag
	src, viaShovel := p.s.names.exchangeIndex(d.Exchange, len(p.s.points)) // 0 when bound: one queue for all
	if viaShovel && !p.s.bound() {
		heard[src] = time.Now()
	}
	if _, ok := d.Headers[heartbeatHeader]; ok {
		if viaShovel {
			p.s.mu.Lock()
			p.s.drops.heartbeats[src]++ // for the source queue's counters
			p.s.mu.Unlock()
		}
		return // our own heartbeat, acknowledged with the next batch
	}
	if w, ok := p.s.markerWindow(d); ok {
		p.marked(src, w)
		return // a --max-rate window starts here
	}
	p.charge(src) // whatever reached the tap cost the broker a copy
	m, ok := p.s.toMessage(p.seq+1, d)
	if !ok {
		return // traced, but not routed to a queue asked for
	}
	if len(p.gaps) > 0 {
		m.Gap = p.gaps.take(p.s.pointOf(m))
	}
	p.seq++
	if p.pending == nil {
		// Each batch goes to the reader whole, so each starts afresh,
		// sized like the last one: a busy tap appends without growing
		// the slice again and again, an idle one allocates little.
		p.pending = make([]Message, 0, min(max(16, p.lastLen), max(16, p.s.cfg.Prefetch)))
	}
	p.pending = append(p.pending, m)
	p.rate.add(1)
	p.s.mu.Lock()
	p.s.status.Seen++
	p.s.drops.lastMessage = time.Now()
	p.s.mu.Unlock()
}

// takeWaiting takes deliveries that have already arrived, up to a handful
// and never past the handover point, before the pump goes round its whole
// select again: a busy tap then pays for a two-way select per delivery
// instead of a nine-way one. A tap with a budget copies little by design
// and must hear its timer at once when the bucket empties, so it skips this.
func (p *pump) takeWaiting(l *link, heard []time.Time) {
	if p.budget != nil {
		return
	}
	for range 64 {
		if len(p.pending) >= max(1, p.s.cfg.Prefetch/2) {
			return
		}
		select {
		case d, ok := <-l.deliveries:
			if !ok {
				return // the main select sees the closed channel too
			}
			p.take(d, heard)
		default:
			return
		}
	}
}

// silentSource finds a source whose shovel has carried nothing, not even a
// heartbeat, for heartbeatLost while the reader kept up: its shovel or its
// source queue is gone (a node restarted), so the tap must be re-created.
func (p *pump) silentSource(heard []time.Time) (int, bool) {
	if p.blockedFor() > 0 {
		return 0, false
	}
	for i, t := range heard {
		if time.Since(t) > heartbeatLost {
			return i, true
		}
	}
	return 0, false
}

// blockedFor is how long pending messages have waited for the reader.
func (p *pump) blockedFor() time.Duration {
	if len(p.pending) == 0 || p.blockedSince.IsZero() {
		return 0
	}
	return time.Since(p.blockedSince)
}

// flush hands pending messages (or, every half second, just the status) to
// the reader without blocking, then acknowledges what was handed over. With
// final set it waits for the reader instead, and acknowledges nothing
// (unacknowledged messages go back to the tap queue or away with it).
func (p *pump) flush(ctx context.Context, l *link, final bool) error {
	if len(p.pending) == 0 && !final && time.Since(p.lastOut) < 500*time.Millisecond {
		return nil
	}
	b := Batch{Messages: p.pending, Status: p.s.statusWithRate(p.rate.perSecond())}
	if final {
		select {
		case p.s.out <- b:
			p.s.handedOver(b.Messages)
		case <-time.After(time.Second):
		}
		p.pending = nil
		return nil
	}
	select {
	case p.s.out <- b:
	default:
		if p.blockedSince.IsZero() {
			p.blockedSince = time.Now()
		}
		return nil // the reader is busy; keep the batch and try next tick
	}
	return p.handedOver(l, b)
}

// sendStatus hands over a status-only batch, waiting up to a second.
func (p *pump) sendStatus(ctx context.Context) {
	select {
	case p.s.out <- Batch{Status: p.s.statusWithRate(0)}:
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

// idle waits d while keeping the reader's status fresh; false when ctx ends.
func (p *pump) idle(ctx context.Context, d time.Duration, refresh func()) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(min(500*time.Millisecond, time.Until(deadline))):
		}
		refresh()
		select {
		case p.s.out <- Batch{Status: p.s.statusWithRate(0)}:
		default:
		}
	}
	return true
}

func (s *Session) statusWithRate(rate float64) Status {
	st := s.Status()
	st.Rate = rate
	return st
}

// toMessage turns a delivery into a plain Message. Through a shovel it
// arrives from the tap's exchange i, which stands for source i; bound
// directly it keeps its own exchange; from the firehose it is unwrapped, and
// dropped (false) unless it was routed to a queue asked for.
func (s *Session) toMessage(seq uint64, d amqp.Delivery) (Message, bool) {
	m := Message{
		Seq:         seq,
		Time:        time.Now(),
		Exchange:    d.Exchange,
		RoutingKey:  d.RoutingKey,
		Redelivered: d.Redelivered,
		Headers:     normaliseTable(d.Headers),
		Body:        d.Body,
		Properties: Properties{
			ContentType:     d.ContentType,
			ContentEncoding: d.ContentEncoding,
			DeliveryMode:    d.DeliveryMode,
			Priority:        d.Priority,
			CorrelationID:   d.CorrelationId,
			ReplyTo:         d.ReplyTo,
			Expiration:      d.Expiration,
			MessageID:       d.MessageId,
			Timestamp:       d.Timestamp,
			Type:            d.Type,
			UserID:          d.UserId,
			AppID:           d.AppId,
		},
	}
	return s.route.message(m, d)
}

// sourceMessage names the source a copy came from. Through a shovel it
// arrives from the tap's exchange i, which stands for source i; bound
// directly (byExchange) it keeps its own exchange.
func (s *Session) sourceMessage(m Message, d amqp.Delivery, byExchange bool) (Message, bool) {
	i, ok := s.names.exchangeIndex(d.Exchange, len(s.points))
	if !ok && byExchange {
		i, ok = s.pointByExchange(d.Exchange)
	}
	if ok {
		p := s.points[i]
		m.Exchange = p.Exchange
		m.Source = p.Label
		if p.Queue != "" {
			s.mu.Lock()
			s.seenByQueue[p.Queue]++
			s.mu.Unlock()
		}
	}
	return m, true
}

// pointByExchange is the first source on exchange: a binding tap's
// deliveries keep the exchange they were published to.
func (s *Session) pointByExchange(exchange string) (int, bool) {
	for i, p := range s.points {
		if p.Exchange == exchange {
			return i, true
		}
	}
	return 0, false
}

// normaliseTable converts AMQP table values to plain Go values.
func normaliseTable(t amqp.Table) map[string]any {
	if len(t) == 0 {
		return nil
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = normaliseValue(v)
	}
	return out
}

func normaliseValue(v any) any {
	switch x := v.(type) {
	case amqp.Table:
		m := normaliseTable(x)
		if m == nil {
			m = map[string]any{}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normaliseValue(e)
		}
		return out
	case amqp.Decimal:
		return Decimal{Scale: x.Scale, Value: x.Value}
	}
	return v // already a plain Go value of its wire width
}

// rateMeter counts events per second over the last five seconds.
type rateMeter struct {
	buckets [5]uint64
	current int64 // unix second of buckets[0]
}

func newRateMeter() *rateMeter { return &rateMeter{current: time.Now().Unix()} }

func (r *rateMeter) roll() {
	now := time.Now().Unix()
	for r.current < now {
		copy(r.buckets[1:], r.buckets[:len(r.buckets)-1])
		r.buckets[0] = 0
		r.current++
		if now-r.current > int64(len(r.buckets)) {
			r.buckets = [5]uint64{}
			r.current = now
		}
	}
}

func (r *rateMeter) add(n uint64) {
	r.roll()
	r.buckets[0] += n
}

// perSecond averages the completed seconds, so the figure does not dip at
// the start of each second.
func (r *rateMeter) perSecond() float64 {
	r.roll()
	var sum uint64
	for _, b := range r.buckets[1:] {
		sum += b
	}
	return float64(sum) / float64(len(r.buckets)-1)
}
