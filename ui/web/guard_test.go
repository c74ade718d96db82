package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// request runs one request through a monitor's handler.
func request(t *testing.T, s *Server, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	r.Host = "127.0.0.1:8080"
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(t.Context()) })
	return s
}

func TestEveryAnswerCarriesTheSecurityHeadersAndNoCORS(t *testing.T) {
	s := newTestServer(t, Config{Token: "0123456789abcdef0123"})
	for _, target := range []string{"/", "/?token=0123456789abcdef0123", "/assets/app.js", "/api/status", "/nope"} {
		w := request(t, s, "GET", target, nil)
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", target, csp)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", target, got)
		}
		for k := range w.Header() {
			if strings.HasPrefix(strings.ToLower(k), "access-control-") {
				t.Errorf("%s: CORS header %s sent", target, k)
			}
		}
	}
}

func TestOnlyReadsAreServed(t *testing.T) {
	s := newTestServer(t, Config{})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		w := request(t, s, m, "/api/status", nil)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, w.Code)
		}
	}
	for _, target := range []string{"/", "/events", "/api/status"} {
		if w := request(t, s, "HEAD", target, nil); w.Code != http.StatusOK {
			t.Errorf("HEAD %s: status %d", target, w.Code)
		}
	}
}

func TestLoopbackMonitorAnswersOnlyToLoopbackNames(t *testing.T) {
	s := newTestServer(t, Config{})
	for host, want := range map[string]int{
		"127.0.0.1:8080":       200,
		"localhost:8080":       200,
		"LOCALHOST":            200,
		"[::1]:8080":           200,
		"127.0.0.2:9000":       200, // a forwarded port is still loopback
		"evil.example:8080":    403, // DNS rebinding: the attacker's name
		"evil.example":         403,
		"10.0.0.5:8080":        403,
		"localhost.evil.com:1": 403,
	} {
		if w := request(t, s, "GET", "/api/status", map[string]string{"Host": host}); w.Code != want {
			t.Errorf("Host %s: status %d, want %d", host, w.Code, want)
		}
	}
}

func TestCrossOriginRequestsAreRefused(t *testing.T) {
	s := newTestServer(t, Config{})
	cases := []struct {
		name   string
		header map[string]string
		path   string
		want   int
	}{
		{"same origin", map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}, "/events", 200},
		{"other origin", map[string]string{"Origin": "http://evil.example"}, "/api/status", 403},
		{"other port", map[string]string{"Origin": "http://127.0.0.1:3000"}, "/api/status", 403},
		{"null origin", map[string]string{"Origin": "null"}, "/api/status", 403},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}, "/api/message?id=1", 403},
		{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"}, "/assets/app.js", 403},
		{"cross-site frame", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}, "/", 403},
		{"link from elsewhere", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, "/", 200},
		{"typed address", map[string]string{"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}, "/", 200},
		{"curl", nil, "/api/status", 200},
	}
	for _, c := range cases {
		if c.path == "/events" {
			continue // a stream does not end; covered by the event tests
		}
		if w := request(t, s, "GET", c.path, c.header); w.Code != c.want {
			t.Errorf("%s: status %d, want %d", c.name, w.Code, c.want)
		}
	}
}

func TestTokenIsNeededOnEveryRequest(t *testing.T) {
	const tok = "abcdefghijklmnop-0123"
	s := newTestServer(t, Config{Token: tok})
	for _, target := range []string{"/", "/assets/app.js", "/assets/app.css", "/api/status", "/api/message?id=1", "/events"} {
		if w := request(t, s, "GET", target, nil); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without token: status %d, want 401", target, w.Code)
		}
		if w := request(t, s, "GET", target, map[string]string{"Authorization": "Bearer wrong-token-0123456789"}); w.Code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: status %d, want 401", target, w.Code)
		}
	}
	if w := request(t, s, "GET", "/api/status", map[string]string{"Authorization": "Bearer " + tok}); w.Code != 200 {
		t.Errorf("bearer token: status %d", w.Code)
	}
	if w := request(t, s, "GET", "/api/status?token="+tok, nil); w.Code != 200 {
		t.Errorf("token in the query: status %d", w.Code)
	}

	// The printed address sets the cookie and sends the browser on to a
	// clean address; the cookie alone then opens everything.
	w := request(t, s, "GET", "/?token="+tok, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("/?token=: status %d, Location %q; want 303 to /", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value != tok || !cookies[0].HttpOnly || cookies[0].Name != "shoveltap_web_8080" {
		t.Fatalf("cookie: %+v", cookies)
	}
	for _, target := range []string{"/", "/assets/app.js", "/api/status"} {
		if w := request(t, s, "GET", target, map[string]string{"Cookie": cookies[0].Name + "=" + tok}); w.Code != 200 {
			t.Errorf("%s with the cookie: status %d", target, w.Code)
		}
	}
}

func TestNonLoopbackAddressGetsAGeneratedToken(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:8080", "[::]:8080", "192.0.2.7:8080", "monitor.example.com:8080"} {
		s := newTestServer(t, Config{Addr: addr})
		if !s.Generated() || len(s.Token()) < 40 {
			t.Errorf("%s: generated %v, token %q", addr, s.Generated(), s.Token())
		}
		if w := request(t, s, "GET", "/api/status", map[string]string{"Host": "monitor.example.com:8080"}); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without token: status %d, want 401", addr, w.Code)
		}
	}
	a := newTestServer(t, Config{Addr: ":8080"})
	b := newTestServer(t, Config{Addr: ":8080"})
	if a.Token() == b.Token() {
		t.Error("two generated tokens are equal")
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:0", "[::1]:8080"} {
		if s := newTestServer(t, Config{Addr: addr}); s.Token() != "" {
			t.Errorf("%s: loopback got token %q", addr, s.Token())
		}
	}
}

func TestBadAddressesAndTokensAreRefusedClearly(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Addr: "8080"}, "want HOST:PORT"},
		{Config{Addr: "localhost"}, "want HOST:PORT"},
		{Config{Addr: "127.0.0.1:http"}, "port must be a number"},
		{Config{Addr: "127.0.0.1:70000"}, "port must be a number"},
		{Config{Addr: "127.0.0.1:8080", Token: "short"}, "at least 16"},
		{Config{Addr: ":8080", Token: "has spaces in it, too many"}, "use only letters"},
		{Config{Addr: ":8080", Token: "semi;colon;0123456789"}, "use only letters"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to say %q", c.cfg, err, c.want)
		}
	}
}

func TestStartSaysWhenTheAddressIsTaken(t *testing.T) {
	a, err := Start(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(t.Context())
	_, err = Start(Config{Addr: a.Addr()})
	if err == nil || !strings.Contains(err.Error(), "choose another --web address") {
		t.Fatalf("second Start on %s: %v", a.Addr(), err)
	}
}

func TestURLShowsTheTokenAndAnAddressToOpen(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Token: "abcdefghijklmnop-0123"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if want := "http://" + s.Addr() + "/?token=abcdefghijklmnop-0123"; s.URL() != want {
		t.Errorf("URL %q, want %q", s.URL(), want)
	}
	if got := displayHost("0.0.0.0:8080", "web1.example.com"); got != "web1.example.com:8080" {
		t.Errorf("every interface shown as %q, want the host name", got)
	}
	if got := displayHost("[::]:8080", "web1.example.com"); got != "web1.example.com:8080" {
		t.Errorf("every interface (IPv6) shown as %q, want the host name", got)
	}
}
