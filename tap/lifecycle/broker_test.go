package lifecycle_test

import (
	"bytes"
	"context"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// systemPython is Debian's interpreter, which has python3-celery and
// python3-oslo.messaging; a pyenv python3 earlier on PATH would not.
const systemPython = "/usr/bin/python3"

// requirePython skips (or, in CI, fails) without the module.
func requirePython(t *testing.T, module, pkg string) {
	t.Helper()
	taptest.SkipShort(t)
	if err := exec.Command(systemPython, "-c", "import "+module).Run(); err != nil {
		taptest.NeedBroker(t, module+" for "+systemPython+" (apt-get install "+pkg+")", err)
	}
}

// feed merges the messages of several tap sessions, in the order they
// arrive, into one channel: what a live view would be fed.
type feed struct {
	msgs chan tap.Message
}

func newFeed() *feed { return &feed{msgs: make(chan tap.Message, 4096)} }

// open starts a tap session and forwards its messages; the session is
// closed when the test ends.
func (f *feed) open(t *testing.T, cfg tap.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("opening the tap on %v: %v", cfg.Sources, err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup // this session's forwarder only
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case b, ok := <-s.Batches():
				if !ok {
					return
				}
				for _, m := range b.Messages {
					select {
					case f.msgs <- m:
					case <-done:
						return
					}
				}
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		wg.Wait()
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Close(cctx); err != nil {
			t.Errorf("closing the tap: %v", err)
		}
		taptest.WaitClean(t, cfg.Endpoint, broker.Prefix+cfg.Host+"-", 10*time.Second)
	})
}

// until feeds the model until cond holds, or fails after timeout saying
// what it was waiting for.
func (f *feed) until(t *testing.T, m *lifecycle.Model, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case msg := <-f.msgs:
			m.Observe(msg.Time, msg.DecodeInput())
		case <-deadline:
			s := m.Snapshot(time.Now())
			t.Fatalf("waiting %v for %s: snapshot %+v", timeout, what, s)
		}
	}
}

// drain feeds what arrives within d.
func (f *feed) drain(m *lifecycle.Model, d time.Duration) {
	end := time.After(d)
	for {
		select {
		case msg := <-f.msgs:
			m.Observe(msg.Time, msg.DecodeInput())
		case <-end:
			return
		}
	}
}

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
