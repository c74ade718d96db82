package web

import (
	"context"
	"errors"
	"testing"
)

// fakeResolver answers from tables, as a DNS or /etc/hosts would.
type fakeResolver struct {
	cname map[string]string
	hosts map[string][]string
	addrs map[string][]string
}

var errNoSuchHost = errors.New("no such host")

func (r fakeResolver) LookupCNAME(_ context.Context, h string) (string, error) {
	if c, ok := r.cname[h]; ok {
		return c, nil
	}
	return "", errNoSuchHost
}

func (r fakeResolver) LookupHost(_ context.Context, h string) ([]string, error) {
	if a, ok := r.hosts[h]; ok {
		return a, nil
	}
	return nil, errNoSuchHost
}

func (r fakeResolver) LookupAddr(_ context.Context, a string) ([]string, error) {
	if n, ok := r.addrs[a]; ok {
		return n, nil
	}
	return nil, errNoSuchHost
}

// The token URL names the machine by its full name, which another
// machine's browser resolves, not the short one os.Hostname often gives.
func TestQualifyGivesTheFullHostName(t *testing.T) {
	for _, c := range []struct {
		name  string
		r     fakeResolver
		short string
		want  string
	}{
		{"canonical name", fakeResolver{cname: map[string]string{"web1": "web1.example.com."}}, "web1", "web1.example.com"},
		{"address's name", fakeResolver{
			cname: map[string]string{"web1": "web1."},
			hosts: map[string][]string{"web1": {"127.0.1.1", "10.0.0.5"}},
			addrs: map[string][]string{"127.0.1.1": {"localhost"}, "10.0.0.5": {"other.example.com.", "web1.example.com."}},
		}, "web1", "web1.example.com"},
		{"unknown to the resolver", fakeResolver{}, "web1", "web1"},
		{"already full", fakeResolver{cname: map[string]string{"web1.example.com": "elsewhere.example.net."}}, "web1.example.com", "web1.example.com"},
	} {
		if got := qualify(t.Context(), c.short, c.r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
