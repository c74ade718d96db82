package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ListNames lists the names of a vhost's exchanges (kind KindExchange) or
// queues (KindQueue) that can be tapped, sorted by the broker, without
// shoveltap's own objects or the default exchange. It asks only for the
// names, so that a broker with many queues answers quickly (shell
// completion), and gives up when ctx ends.
func (a *Admin) ListNames(ctx context.Context, vhost, kind string) ([]string, error) {
	var path string
	switch kind {
	case KindExchange:
		path = "/api/exchanges/"
	case KindQueue:
		path = "/api/queues/"
	default:
		return nil, fmt.Errorf("listing names: unknown kind %q (want %q or %q)", kind, KindExchange, KindQueue)
	}
	u := a.ep.API + path + url.PathEscape(vhost) + "?columns=name"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("listing %ss: %w", kind, err)
	}
	req.SetBasicAuth(a.ep.User, a.ep.Password)
	res, err := (&http.Client{Transport: a.transport}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("listing the %ss of vhost %q at %s: %w", kind, vhost, a.ep.API, RootCause(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing the %ss of vhost %q at %s: %s", kind, vhost, a.ep.API, res.Status)
	}
	var items []struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(res.Body).Decode(&items); err != nil {
		return nil, fmt.Errorf("listing the %ss of vhost %q at %s: %w", kind, vhost, a.ep.API, err)
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		if it.Name != "" && !strings.HasPrefix(it.Name, Prefix) {
			names = append(names, it.Name)
		}
	}
	return names, nil
}
