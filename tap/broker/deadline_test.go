package broker

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Every management call keeps its caller's deadline, those that go through
// rabbit-hole (which takes no context) as well as shoveltap's own requests:
// a management API that hangs never holds a command past its deadline
// (Session.Close, the picker's load, completion's one second).
func TestManagementCallsKeepTheirDeadline(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	ep, err := ResolveEndpoint("amqp://guest:guest@127.0.0.1:1/", hung.URL, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(ctx context.Context) error{
		"ExchangeType (rabbit-hole)": func(ctx context.Context) error { _, err := a.ExchangeType(ctx, "/", "x"); return err },
		"DeleteShovel (rabbit-hole)": func(ctx context.Context) error { return a.DeleteShovel(ctx, "/", "s") },
		"Exchanges (rabbit-hole)":    func(ctx context.Context) error { _, err := a.Exchanges(ctx, "/"); return err },
		"Overview (own request)":     func(ctx context.Context) error { _, err := a.Overview(ctx); return err },
		"Queue (own request)":        func(ctx context.Context) error { _, err := a.Queue(ctx, "/", "q"); return err },
		"ListNames (own request)":    func(ctx context.Context) error { _, err := a.ListNames(ctx, "/", KindQueue); return err },
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		took := time.Since(start)
		cancel()
		if err == nil {
			t.Errorf("%s: no error from a hung API", name)
		}
		// The request timeout is 10 s: anything near 200 ms is the
		// context's doing.
		if took > 3*time.Second {
			t.Errorf("%s took %v with a 200 ms deadline", name, took)
		}
		if !errors.Is(err, context.DeadlineExceeded) && took > time.Second {
			t.Errorf("%s: %v", name, err)
		}
	}
}
