package routing

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefresher(t *testing.T) {
	var calls atomic.Int32
	fail := atomic.Bool{}
	load := func(ctx context.Context) (*Topology, error) {
		n := calls.Add(1)
		if fail.Load() {
			return nil, errors.New("API down")
		}
		return New("v"+string(rune('0'+n)), nil, nil, nil), nil
	}
	r := NewRefresher(load, 2*time.Second, 400*time.Millisecond)
	if r.Current() != nil {
		t.Fatal("a model before the first load")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	waitFor(t, func() bool { return r.Current() != nil })
	first := r.Current()

	// Stale reloads early, but not twice within Soon.
	r.Stale()
	r.Stale()
	waitFor(t, func() bool { return calls.Load() >= 2 })
	time.Sleep(100 * time.Millisecond) // well within Soon
	if n := calls.Load(); n != 2 {
		t.Errorf("%d loads after two Stale calls, want 2", n)
	}
	if r.Current() == first {
		t.Error("the reload did not replace the model")
	}

	// A failed load keeps the last model and says why.
	fail.Store(true)
	kept := r.Current()
	r.Stale()
	waitFor(t, func() bool { return r.Err() != nil })
	if r.Current() != kept {
		t.Error("a failed load dropped the model")
	}
	// The period reloads by itself.
	fail.Store(false)
	before := calls.Load()
	waitFor(t, func() bool { return calls.Load() > before && r.Err() == nil })
	cancel()
	<-done
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out")
}

// TestRefresherDefaultsReadAtMostOncePer30s: by default an early reload
// is never closer than the period to the last read, so the API is read at
// most once per 30 s whatever the traffic.
func TestRefresherDefaultsReadAtMostOncePer30s(t *testing.T) {
	r := NewRefresher(func(context.Context) (*Topology, error) { return nil, nil }, 0, 0)
	if r.every != 30*time.Second || r.soon < r.every {
		t.Fatalf("every %v, soon %v: an early reload could come sooner than 30 s", r.every, r.soon)
	}
}
