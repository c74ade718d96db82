package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
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
// every interface (0.0.0.0, ::) is shown as this machine's host name.
func displayHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	return net.JoinHostPort(host, port)
}
