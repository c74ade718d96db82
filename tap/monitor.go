package tap

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// monitor watches the running tap through the management API: it restarts
// a shovel that terminated while the session is healthy (reconnect-delay 0
// means the broker will not), and keeps the dropped count current.
func (s *Session) monitor(ctx context.Context) {
	t := time.NewTicker(s.cfg.MonitorEvery)
	defer t.Stop()
	unexplained := newUnexplainedTraffic()
	statusAPI := true // until the status API refuses this user (3.10 wants monitoring)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.Status().State != StateRunning {
			continue
		}
		if shovel, ok := s.route.(shovelRoute); ok {
			shovel.restartTerminatedShovels(ctx, &statusAPI)
		}
		if s.statsOff {
			continue // no counters to read (Status.DroppedUnknown)
		}
		s.countDropped(ctx)
		// Sampling, the tap sees only part of a queue's traffic by design.
		if !s.cfg.Firehose && !s.sampling() {
			s.checkQueueRates(ctx, unexplained)
		}
	}
}

// unexplainedTraffic remembers, per tapped queue, what the tap had seen at
// the last look and how many looks in a row found the queue busier than its
// bindings explain.
type unexplainedTraffic struct {
	at      time.Time
	seen    map[string]uint64
	strikes map[string]int
}

func newUnexplainedTraffic() *unexplainedTraffic {
	return &unexplainedTraffic{at: time.Now(), seen: map[string]uint64{}, strikes: map[string]int{}}
}

// checkQueueRates compares each tapped queue's publish rate with what the
// tap receives for it. Messages published to the queue through the default
// exchange (Celery's default) pass no binding, so the tap cannot see them:
// when the queue is clearly busier, say so, with the way out.
func (s *Session) checkQueueRates(ctx context.Context, u *unexplainedTraffic) {
	now := time.Now()
	elapsed := now.Sub(u.at).Seconds()
	u.at = now
	s.mu.Lock()
	seen := map[string]uint64{}
	for q, n := range s.seenByQueue {
		seen[q] = n
	}
	s.mu.Unlock()
	var notes []string
	for _, q := range s.tappedQueues() {
		ours := float64(seen[q]-u.seen[q]) / max(elapsed, 0.001)
		u.seen[q] = seen[q]
		info, err := s.admin.Queue(ctx, s.cfg.Endpoint.Vhost, q)
		if err != nil {
			continue
		}
		theirs := info.MessageStats.PublishDetails.Rate
		// Sampled rates wobble: ask for a clear gap, twice in a row.
		if theirs > 1.2*ours+0.5 {
			u.strikes[q]++
		} else {
			u.strikes[q] = 0
		}
		if u.strikes[q] >= 2 {
			notes = append(notes, fmt.Sprintf("queue %s receives ~%.0f msg/s but its bindings bring the tap ~%.0f: the rest is published straight to it through the default exchange; use --firehose to see it", q, theirs, ours))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Notes = append(append([]string(nil), s.Notes...), notes...)
}

// tappedQueues lists the production queues that queue sources stand for.
func (s *Session) tappedQueues() []string {
	var qs []string
	for _, p := range s.points {
		if p.Queue != "" && !slices.Contains(qs, p.Queue) {
			qs = append(qs, p.Queue)
		}
	}
	return qs
}

// countDropped reads what the tap's bounded queues dropped from their head
// (drops.go works it out). The tap queue is re-created after a reconnect,
// restarting its counters, so the run loop banks its last figure then.
func (s *Session) countDropped(ctx context.Context) {
	samples := map[string]queueSample{}
	for _, q := range s.queueNames() {
		a, vhost := s.admin, s.cfg.Endpoint.Vhost
		if q == s.names.TapQueue() {
			a, vhost = s.tapAdmin, s.tapEndpoint().Vhost
		}
		c, ok, err := a.QueueCounters(ctx, vhost, q)
		if err != nil || !ok {
			continue
		}
		if i, ok := s.names.sourceQueueIndex(q, s.currentGen(), len(s.points)); ok {
			// Heartbeats are dead-lettered into the source queue: the
			// shovel acknowledges them there, but they were never
			// published to it. Add back the ones that came through.
			s.mu.Lock()
			c.Acked -= int64(s.drops.heartbeats[i])
			s.mu.Unlock()
		}
		samples[q] = queueSample{
			dropped:   uint64(c.Dropped()),
			published: c.Published,
			full:      2*c.Ready >= int64(s.cfg.Limits.MaxLength) || 2*c.ReadyBytes >= s.cfg.Limits.MaxBytes,
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Dropped = s.drops.update(samples)
}

func (s *Session) queueNames() []string {
	names := []string{s.names.TapQueue()}
	if s.bound() {
		return names
	}
	gen := s.currentGen()
	for i := range s.points {
		names = append(names, s.names.SourceQueueOf(gen, i))
	}
	return names
}

// currentGen is the generation of the source queues in use.
func (s *Session) currentGen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, s.nextGen-1)
}

// clearDetail removes a passing note unless another replaced it.
func (s *Session) clearDetail(note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.Detail == note {
		s.status.Detail = ""
	}
}

func (s *Session) setDetail(detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Detail = detail
}
