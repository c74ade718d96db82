package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// guard is in front of every request. The monitor is read-only, so only
// GET and HEAD pass; other sites can neither read it nor embed it; a
// monitor bound to loopback answers only to loopback host names (a DNS
// rebinding page names its own host); and when there is a token, every
// request carries it.
type guard struct {
	token    string // "" when none is needed
	loopback bool
	cookie   string // the cookie holding the token; named per port, as cookies ignore ports
	next     http.Handler
}

// securityHeaders go on every answer, errors included. The page loads
// only its own script and styles, connects only to itself, and may not be
// framed; no CORS header is ever sent.
var securityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Cache-Control":                "no-store",
}

func (g guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range securityHeaders {
		h.Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		refuse(w, http.StatusMethodNotAllowed, "the web monitor is read-only: only GET and HEAD are served")
		return
	}
	if g.loopback && !isLoopback(hostOnly(r.Host)) {
		refuse(w, http.StatusForbidden, "this monitor listens on loopback only and answers to localhost, 127.0.0.1 or [::1], not to "+r.Host)
		return
	}
	if !sameOrigin(r) {
		refuse(w, http.StatusForbidden, "cross-origin requests are refused")
		return
	}
	if g.token != "" {
		tok, inQuery := g.tokenOf(r)
		if subtle.ConstantTimeCompare([]byte(tok), []byte(g.token)) != 1 {
			refuse(w, http.StatusUnauthorized, "this monitor needs its token: open the address shoveltap printed (it ends in ?token=…), or restart it with --web-token")
			return
		}
		if inQuery && r.URL.Path == "/" {
			// Keep the token in a cookie and out of the address bar, where
			// a wall screen would show it.
			http.SetCookie(w, &http.Cookie{
				Name: g.cookie, Value: tok, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteLaxMode,
			})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// tokenOf finds the token a request carries: in the query (the printed
// address), a bearer header (scripts) or the cookie (the page).
func (g guard) tokenOf(r *http.Request) (tok string, inQuery bool) {
	if t := r.URL.Query().Get("token"); t != "" {
		return t, true
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t, false
	}
	if c, err := r.Cookie(g.cookie); err == nil {
		return c.Value, false
	}
	return "", false
}

// sameOrigin reports whether a request comes from the monitor's own page,
// or is the user opening the page itself. Browsers say where a request
// comes from in Origin and Sec-Fetch-Site; tools that send neither (curl)
// pass, and still need the token.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	// A link from elsewhere may open the page itself, in a tab of its own.
	return r.URL.Path == "/" && r.Header.Get("Sec-Fetch-Mode") == "navigate" &&
		r.Header.Get("Sec-Fetch-Dest") == "document"
}

func refuse(w http.ResponseWriter, code int, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte("shoveltap web monitor: " + why + "\n"))
}

// hostOnly is the host of a Host header, without port or brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// isLoopback reports whether host names this machine's loopback only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
