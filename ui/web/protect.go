package web

import "net/http"

// Protect puts next behind the monitor's checks (see guard), for another
// server that shoveltap runs on addr, such as the --metrics endpoint: GET
// and HEAD only, no cross-origin reads, loopback host names only on a
// loopback address, and a token on every request when token is set or
// addr is not loopback (one is generated then: generated reports it).
// name tells its token cookie from the monitor's on the same host.
func Protect(addr, token, name string, next http.Handler) (h http.Handler, tok string, generated bool, err error) {
	host, port, err := splitAddr(addr)
	if err != nil {
		return nil, "", false, err
	}
	loopback := isLoopback(host)
	switch {
	case token != "":
		if err := checkToken(token); err != nil {
			return nil, "", false, err
		}
	case !loopback:
		token, generated = newToken(), true
	}
	return guard{token: token, loopback: loopback, cookie: "shoveltap_" + name + "_" + port, next: next}, token, generated, nil
}
