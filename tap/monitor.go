package tap

import (
	"context"
	"fmt"
	"time"
)

// monitor watches the running tap through the management API: it restarts
// a shovel that terminated while the session is healthy (reconnect-delay 0
// means the broker will not), and keeps the dropped count current.
func (s *Session) monitor(ctx context.Context) {
	t := time.NewTicker(s.cfg.MonitorEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.Status().State != StateRunning {
			continue
		}
		if !s.bound() {
			s.restartTerminatedShovels(ctx)
		}
		s.countDropped()
	}
}

// countDropped reads what the tap's bounded queues dropped from their head.
// The tap queue is re-created after a reconnect, restarting its counters,
// so the session banks its last figure then (see bankDropped).
func (s *Session) countDropped() {
	counts := map[string]uint64{}
	for _, q := range s.queueNames() {
		a, vhost := s.admin, s.cfg.Endpoint.Vhost
		if q == s.names.TapQueue() {
			a, vhost = s.tapAdmin, s.tapEndpoint().Vhost
		}
		c, ok, err := a.QueueCounters(vhost, q)
		if err != nil || !ok {
			continue
		}
		counts[q] = uint64(c.Dropped())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var now uint64
	// The latest sample wins: publish and ack counters are sampled at
	// slightly different moments, so one sample can be off, and the next
	// corrects it.
	for q, d := range counts {
		s.dropped[q] = d
	}
	for _, d := range s.dropped {
		now += d
	}
	s.status.Dropped = s.droppedBanked + now
}

// bankDropped keeps the tap queue's count before the queue is re-created.
func (s *Session) bankDropped() {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.names.TapQueue()
	s.droppedBanked += s.dropped[q]
	delete(s.dropped, q)
}

func (s *Session) queueNames() []string {
	names := []string{s.names.TapQueue()}
	if s.bound() {
		return names
	}
	for i := range s.points {
		names = append(names, s.names.SourceQueue(i))
	}
	return names
}

func (s *Session) restartTerminatedShovels(ctx context.Context) {
	states, err := s.admin.ShovelStates(ctx, s.cfg.Endpoint.Vhost)
	if err != nil {
		return
	}
	byName := map[string]ShovelState{}
	for _, st := range states {
		byName[st.Name] = st
	}
	for i := range s.points {
		name := s.names.Shovel(i)
		st, ok := byName[name]
		if ok && st.State != "terminated" {
			continue
		}
		reason := "the shovel was removed"
		if ok {
			reason = cleanReason(st.Reason)
		}
		if err := s.startShovel(i); err != nil {
			s.setDetail(fmt.Sprintf("shovel stopped (%s) and could not be restarted: %v", reason, err))
			continue
		}
		s.setDetail(fmt.Sprintf("shovel restarted at %s after: %s", time.Now().Format("15:04:05"), reason))
	}
}

func (s *Session) setDetail(detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Detail = detail
}
