package tap

// WithFailAt makes the session's establish fail at the step whose
// description starts with step, for tests of the clean-up on failure.
func WithFailAt(c Config, step string) Config {
	c.failAt = step
	return c
}
