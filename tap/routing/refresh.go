package routing

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Refresh defaults: a vhost of 10,000 queues and 20,000 bindings costs
// the broker about a second of CPU to list (docs/routing.md), so the
// model is re-read every 30 s and never sooner: a message naming an
// exchange the model does not have brings the next read forward to 30 s
// after the last one, not closer. At most one read per 30 s, whatever the
// traffic (issue 23's bound on the API's cost).
const (
	DefaultRefreshEvery = 30 * time.Second
	DefaultRefreshSoon  = DefaultRefreshEvery
)

// Loader reads a fresh model (Load, bound to an admin and vhost).
type Loader func(ctx context.Context) (*Topology, error)

// Refresher keeps a current model for a running tap: it reloads every
// Every, and sooner (not before Soon after the last load) when asked by
// Stale. Current is safe from any goroutine and never blocks on the API.
type Refresher struct {
	load  Loader
	every time.Duration
	soon  time.Duration

	current atomic.Pointer[Topology]
	kick    chan struct{}

	mu      sync.Mutex
	lastErr error
	loads   int
}

// NewRefresher returns a Refresher; every and soon of 0 take the defaults.
func NewRefresher(load Loader, every, soon time.Duration) *Refresher {
	if every <= 0 {
		every = DefaultRefreshEvery
	}
	if soon <= 0 {
		soon = DefaultRefreshSoon
	}
	return &Refresher{load: load, every: every, soon: soon, kick: make(chan struct{}, 1)}
}

// Current is the latest model, nil until the first load succeeded.
func (r *Refresher) Current() *Topology { return r.current.Load() }

// Err is the last load's error, nil when it succeeded; the model then in
// use is the one before.
func (r *Refresher) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Loads is how many times the model was read, for the status line and
// tests.
func (r *Refresher) Loads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loads
}

// Stale asks for an early reload (a message named an exchange the model
// does not know); it never blocks, and reloads at most once per Soon.
func (r *Refresher) Stale() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run loads the model now and then keeps it fresh until ctx ends.
func (r *Refresher) Run(ctx context.Context) {
	last := r.reload(ctx)
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			last = r.reload(ctx)
		case <-r.kick:
			if wait := r.soon - time.Since(last); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
			last = r.reload(ctx)
			tick.Reset(r.every)
		}
	}
}

func (r *Refresher) reload(ctx context.Context) time.Time {
	t, err := r.load(ctx)
	r.mu.Lock()
	r.loads++
	r.lastErr = err
	r.mu.Unlock()
	if err == nil {
		r.current.Store(t)
	}
	return time.Now()
}
