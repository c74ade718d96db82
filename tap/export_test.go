package tap

// WithFailAt makes the session's establish fail at the step whose
// description starts with step, for tests of the clean-up on failure.
func WithFailAt(c Config, step string) Config {
	c.failAt = step
	return c
}

// WithSourceLostAtStart makes the session's establish delete its first
// source queue just before the shovel is created, so that the shovel stops
// while starting.
func WithSourceLostAtStart(c Config) Config {
	c.loseSource = true
	return c
}

// Abandon leaves the session as a killed process would: its goroutines
// stop and its connections close, and nothing is removed from the broker.
func Abandon(s *Session) {
	s.cancel()
	<-s.done
	s.mu.Lock()
	l := s.link
	s.link = nil
	s.mu.Unlock()
	l.close()
}
