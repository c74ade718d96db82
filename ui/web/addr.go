package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// minToken is the shortest token accepted: a guessable token on an open
// port would be no protection.
const minToken = 16

// newToken returns 32 random bytes, URL-safe: 256 bits no one guesses.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkToken refuses tokens that are short, or that would need escaping
// in a URL or a cookie.
func checkToken(t string) error {
	if len(t) < minToken {
		return fmt.Errorf("the web token is %d characters long: give at least %d (letters, digits, - _ . ~), or leave --web-token out to have one generated", len(t), minToken)
	}
	for _, c := range t {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
		if !ok {
			return fmt.Errorf("the web token holds %q: use only letters, digits and - _ . ~, or leave --web-token out to have one generated", c)
		}
	}
	return nil
}

// newRunID tells one shoveltap process from another, so that a page that
// reconnects to a restarted shoveltap starts afresh.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// splitAddr checks a --web address and returns its host and port.
func splitAddr(addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("--web %q: want HOST:PORT, e.g. 127.0.0.1:8080 (or :8080 for every interface, which needs a token)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", "", fmt.Errorf("--web %q: the port must be a number from 0 to 65535", addr)
	}
	return host, port, nil
}

// displayHost turns a listening address into one a browser can open:
// every interface (0.0.0.0, ::) is shown as hostName, this machine's name.
func displayHost(addr, hostName string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() && hostName != "" {
		host = hostName
	}
	return net.JoinHostPort(host, port)
}

// resolver is what fullHostName asks: net.DefaultResolver.
type resolver interface {
	LookupCNAME(ctx context.Context, host string) (string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// fullHostName is this machine's name as another machine's browser
// reaches it: the fully qualified name (as hostname -f says it) when the
// resolver knows one, since a short name such as "web1" often does not
// resolve elsewhere; else the name os.Hostname gives; "" when there is
// none. It asks the resolver for at most a second.
func fullHostName(ctx context.Context, r resolver) string {
	name, err := os.Hostname()
	if err != nil || name == "" {
		return ""
	}
	return qualify(ctx, name, r)
}

// qualify returns the fully qualified form of the host name short: its
// canonical name, or the name of one of its addresses that starts with
// short and a dot; short itself when the resolver knows neither.
func qualify(ctx context.Context, short string, r resolver) string {
	if strings.Contains(short, ".") {
		return short
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if cname, err := r.LookupCNAME(ctx, short); err == nil {
		if c := strings.TrimSuffix(cname, "."); strings.HasPrefix(c, short+".") {
			return c
		}
	}
	addrs, err := r.LookupHost(ctx, short)
	if err != nil {
		return short
	}
	for _, a := range addrs {
		names, err := r.LookupAddr(ctx, a)
		if err != nil {
			continue
		}
		for _, n := range names {
			if n = strings.TrimSuffix(n, "."); strings.HasPrefix(n, short+".") {
				return n
			}
		}
	}
	return short
}
