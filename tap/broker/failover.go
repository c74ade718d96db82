package broker

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
)

// failoverTransport sends each management API request to the node that
// answered last, and on a connection failure tries the cluster's other
// nodes in turn, so a node restart does not blind the tap. Requests are
// built against the first address; only scheme and host are swapped.
type failoverTransport struct {
	next  http.RoundTripper
	bases []*url.URL

	mu      sync.Mutex
	current int
}

func newFailoverTransport(next http.RoundTripper, apis []string) (*failoverTransport, error) {
	t := &failoverTransport{next: next}
	for _, a := range apis {
		u, err := url.Parse(a)
		if err != nil {
			return nil, fmt.Errorf("management API address %q: %w", a, err)
		}
		t.bases = append(t.bases, u)
	}
	return t, nil
}

func (t *failoverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	start := t.current
	t.mu.Unlock()
	var lastErr error
	for n := range t.bases {
		i := (start + n) % len(t.bases)
		r := req
		if n > 0 || i != 0 {
			r = req.Clone(req.Context())
			r.URL.Scheme, r.URL.Host, r.Host = t.bases[i].Scheme, t.bases[i].Host, ""
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		res, err := t.next.RoundTrip(r)
		if err == nil {
			t.mu.Lock()
			t.current = i
			t.mu.Unlock()
			return res, nil
		}
		lastErr = err
		if !IsUnreachable(err) || req.Context().Err() != nil {
			return nil, err
		}
	}
	return nil, lastErr
}
