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
	// Dropped messages of queue incarnations that no longer exist.
	var droppedBefore uint64
	lastSeen := map[string]int64{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.Status().State != StateRunning {
			continue
		}
		s.restartTerminatedShovels(ctx)

		var now uint64
		for _, q := range s.queueNames() {
			c, ok, err := s.admin.QueueCounters(s.cfg.Endpoint.Vhost, q)
			if err != nil {
				continue
			}
			d := c.Dropped()
			if !ok || d < lastSeen[q] {
				// Re-created since the last look: bank what the old one dropped.
				droppedBefore += uint64(lastSeen[q])
				lastSeen[q] = 0
			}
			if ok {
				lastSeen[q] = d
				now += uint64(d)
			}
		}
		s.mu.Lock()
		s.status.Dropped = droppedBefore + now
		s.mu.Unlock()
	}
}

func (s *Session) queueNames() []string {
	names := []string{s.names.TapQueue()}
	for i := range s.cfg.Sources {
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
	for i := range s.cfg.Sources {
		name := s.names.Shovel(i)
		st, ok := byName[name]
		if ok && st.State != "terminated" {
			continue
		}
		reason := "the shovel was removed"
		if ok {
			reason = cleanReason(st.Reason)
		}
		if err := s.admin.DeclareShovel(s.cfg.Endpoint.Vhost, name, s.shovelDefinition(i)); err != nil {
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
