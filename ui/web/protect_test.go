package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProtect(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("metrics")) })
	serve := func(h http.Handler, method, host string, header map[string]string) int {
		r := httptest.NewRequest(method, "/metrics", nil)
		r.Host = host
		for k, v := range header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	h, tok, generated, err := Protect("0.0.0.0:9465", "", "metrics", ok)
	if err != nil || !generated || len(tok) < minToken {
		t.Fatalf("off loopback without a token: %q %v %v", tok, generated, err)
	}
	if c := serve(h, "GET", "tapbox:9465", nil); c != http.StatusUnauthorized {
		t.Errorf("no token: %d", c)
	}
	if c := serve(h, "GET", "tapbox:9465", map[string]string{"Authorization": "Bearer " + tok}); c != http.StatusOK {
		t.Errorf("bearer token: %d", c)
	}
	if c := serve(h, "POST", "tapbox:9465", map[string]string{"Authorization": "Bearer " + tok}); c != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", c)
	}

	h, tok, generated, err = Protect("127.0.0.1:9465", "", "metrics", ok)
	if err != nil || generated || tok != "" {
		t.Fatalf("loopback: %q %v %v", tok, generated, err)
	}
	if c := serve(h, "GET", "127.0.0.1:9465", nil); c != http.StatusOK {
		t.Errorf("loopback: %d", c)
	}
	if c := serve(h, "GET", "evil.example:9465", nil); c != http.StatusForbidden {
		t.Errorf("rebinding host name: %d", c)
	}
	if _, _, _, err := Protect("127.0.0.1:9465", "short", "metrics", ok); err == nil {
		t.Error("a short token was accepted")
	}
	if _, _, _, err := Protect("nonsense", "", "metrics", ok); err == nil {
		t.Error("a bad address was accepted")
	}
}

func TestMetricsMountedBehindTheGuard(t *testing.T) {
	m := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("# metrics\n")) })
	s := newTestServer(t, Config{Addr: "0.0.0.0:8080", Metrics: m})
	if w := request(t, s, "GET", "/metrics", map[string]string{"Host": "tapbox:8080"}); w.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d", w.Code)
	}
	w := request(t, s, "GET", "/metrics", map[string]string{"Host": "tapbox:8080", "Authorization": "Bearer " + s.Token()})
	if w.Code != http.StatusOK || w.Body.String() != "# metrics\n" {
		t.Errorf("with the token: %d %q", w.Code, w.Body)
	}
	plain := newTestServer(t, Config{})
	if w := request(t, plain, "GET", "/metrics", nil); w.Code != http.StatusNotFound {
		t.Errorf("without Config.Metrics: %d", w.Code)
	}
}
