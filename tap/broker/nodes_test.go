package broker

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestResolveClusterPairsURLsAndAPIs(t *testing.T) {
	none := func(string) string { return "" }
	ep, err := ResolveCluster(
		[]string{"amqp://ops:pw@n1:5672/prod", "amqp://n2:5672/prod", "amqp://ops@n3/prod"},
		[]string{"http://n1:15672/", "http://n2:15672", "http://n3:15672"}, none)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ep.Nodes()); got != 3 {
		t.Fatalf("%d nodes", got)
	}
	for i, n := range ep.Nodes() {
		if n.Username != "ops" || n.Password != "pw" || n.Vhost != "prod" {
			t.Errorf("node %d does not carry the first URL's credentials and vhost: %+v", i, n)
		}
	}
	if want := []string{"http://n1:15672", "http://n2:15672", "http://n3:15672"}; strings.Join(ep.APIs(), " ") != strings.Join(want, " ") {
		t.Errorf("APIs %v, want %v (trailing slash dropped)", ep.APIs(), want)
	}
	if _, err := ResolveCluster([]string{"amqp://ops:pw@n1/prod", "amqp://other:pw@n2/prod"}, nil, none); err == nil || !strings.Contains(err.Error(), "same user and vhost") {
		t.Errorf("nodes of different users: %v", err)
	}
	if _, err := ResolveCluster([]string{"amqp://guest@a/", "amqp://guest@b/"}, []string{"http://a:1", "http://b:1", "http://c:1"}, none); err == nil || !strings.Contains(err.Error(), "--api") {
		t.Errorf("three APIs for two URLs: %v", err)
	}
	one, err := ResolveCluster([]string{"amqps://guest@a/"}, nil, none)
	if err != nil || one.API != "https://a:15671" || !one.APIDerived {
		t.Errorf("amqps derives the management plugin's TLS port: %+v %v", one, err)
	}
}

// A management API node that refuses connections is skipped for the next.
func TestFailoverTransportMovesToAnAnsweringNode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.URL.Path))
	}))
	defer up.Close()
	ft, err := newFailoverTransport(http.DefaultTransport, []string{down, up.URL})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: ft}
	for range 2 { // the second request goes straight to the node that answered
		res, err := client.Get(down + "/api/overview")
		if err != nil {
			t.Fatalf("no failover: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if ft.current != 1 {
		t.Errorf("current node %d, want 1", ft.current)
	}
}
