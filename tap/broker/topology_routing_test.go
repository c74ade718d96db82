package broker

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRoutingAPI answers the listings RoutingTopology makes for vhost v:
// three exchanges, of which "gone" was deleted before its bindings were
// listed; queues answers with queuesStatus. It checks that listings are
// asked for without statistics and unsorted.
func fakeRoutingAPI(t *testing.T, queuesStatus int, bindingRequests *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		path := r.URL.EscapedPath()
		switch {
		case path == "/api/exchanges/v":
			if q.Get("disable_stats") != "true" || !q.Has("sort") || q.Get("sort") != "" {
				t.Errorf("exchanges asked for with %s", r.URL.RawQuery)
			}
			w.Write([]byte(`[{"name":"","type":"direct"},{"name":"a","type":"topic"},{"name":"gone","type":"fanout"},{"name":"shoveltap-t","type":"topic"}]`))
		case path == "/api/overview":
			w.Write([]byte(`{"rabbitmq_version":"3.10.8"}`))
		case path == "/api/policies/v":
			w.Write([]byte(`[]`))
		case path == "/api/queues/v":
			if q.Get("disable_stats") != "true" {
				t.Errorf("queues asked for with %s", r.URL.RawQuery)
			}
			w.WriteHeader(queuesStatus)
			w.Write([]byte(`[{"name":"q","type":"classic","arguments":{},"policy":"p"}]`))
		case strings.HasSuffix(path, "/bindings/source"):
			bindingRequests.Add(1)
			if q.Get("sort") != "" || !q.Has("sort") {
				t.Errorf("bindings asked for with %s", r.URL.RawQuery)
			}
			switch path {
			case "/api/exchanges/v/a/bindings/source":
				w.Write([]byte(`[{"source":"a","destination":"q","destination_type":"queue","routing_key":"k.#","arguments":{"n":5,"f":5.0}}]`))
			default:
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte(`{"error":"Object Not Found","reason":"Not Found"}`))
			}
		default:
			t.Errorf("unexpected request %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

func fakeAdmin(t *testing.T, api string) *Admin {
	ep, err := ResolveEndpoint("amqp://guest:guest@127.0.0.1:1/v", api, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An exchange deleted between the listings has no bindings, the default
// exchange's and shoveltap's own are not asked for, and the rest arrives
// as listed, with the queue's policy from the listing without statistics.
func TestRoutingTopologyListsEachExchange(t *testing.T) {
	var bindingRequests atomic.Int32
	api := fakeRoutingAPI(t, http.StatusOK, &bindingRequests)
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := fakeAdmin(t, api.URL).RoutingTopology(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	if n := bindingRequests.Load(); n != 2 {
		t.Errorf("%d binding requests, want 2 (a and gone)", n)
	}
	if len(raw.Bindings) != 1 || raw.Bindings[0].Source != "a" || raw.Bindings[0].Arguments["n"] != int64(5) || raw.Bindings[0].Arguments["f"] != 5.0 {
		t.Errorf("bindings %+v", raw.Bindings)
	}
	if len(raw.Queues) != 1 || raw.Queues[0].Policy != "p" || raw.Version != "3.10.8" || raw.Policies == nil || len(raw.Exchanges) != 4 {
		t.Errorf("topology %+v", raw)
	}
}

// A listing that fails fails the load, named, and ends the others.
func TestRoutingTopologyFailsWithAListing(t *testing.T) {
	var bindingRequests atomic.Int32
	api := fakeRoutingAPI(t, http.StatusInternalServerError, &bindingRequests)
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := fakeAdmin(t, api.URL).RoutingTopology(ctx, "v")
	if err == nil || !strings.Contains(err.Error(), `listing the queues of vhost "v"`) {
		t.Fatalf("err = %v, want the queue listing's", err)
	}
}
