package setup

import (
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/shoveltap/shoveltap/tap"
)

// Mirror environment variables: the mirror broker's counterparts of
// SHOVELTAP_URL, SHOVELTAP_USER, SHOVELTAP_PASSWORD and SHOVELTAP_API.
const (
	EnvMirrorURL      = "SHOVELTAP_MIRROR_URL"
	EnvMirrorUser     = "SHOVELTAP_MIRROR_USER"
	EnvMirrorPassword = "SHOVELTAP_MIRROR_PASSWORD"
	EnvMirrorAPI      = "SHOVELTAP_MIRROR_API"
)

// Setup is one resolved mirror configuration with clients for both brokers.
type Setup struct {
	cfg    Config
	xs     []Resolved
	prod   *broker
	mirror *broker
	// shovelDest is the mirror's AMQP URI as the production broker's shovel
	// dials it, password included: it is only ever sent to production's
	// management API, never printed.
	shovelDest string
	// insecureTLS is for setup's own AMQP connections (status reads the
	// history stream).
	insecureTLS bool
}

// New resolves the configuration and both endpoints. getenv supplies the
// environment (os.Getenv outside tests).
func New(cfg Config, getenv func(string) string, insecureTLS bool) (*Setup, error) {
	xs, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	prodEP, err := tap.ResolveEndpoint(cfg.Production.URL, cfg.Production.API, getenv)
	if err != nil {
		return nil, fmt.Errorf("production broker: %w", err)
	}
	mirrorEnv := func(k string) string {
		switch k {
		case tap.EnvURL:
			return getenv(EnvMirrorURL)
		case tap.EnvUser:
			return getenv(EnvMirrorUser)
		case tap.EnvPassword:
			return getenv(EnvMirrorPassword)
		case tap.EnvAPI:
			return getenv(EnvMirrorAPI)
		}
		return ""
	}
	if cfg.Mirror.URL == "" && getenv(EnvMirrorURL) == "" {
		return nil, fmt.Errorf("no mirror broker: give --mirror-url amqp://USER@HOST:PORT/VHOST (or %s, or mirror: url: in the set-up file)", EnvMirrorURL)
	}
	mirrorEP, err := tap.ResolveEndpoint(cfg.Mirror.URL, cfg.Mirror.API, mirrorEnv)
	if err != nil {
		return nil, fmt.Errorf("mirror broker (the password comes from the URL or %s): %w", EnvMirrorPassword, err)
	}
	dest, err := shovelDestURI(mirrorEP, cfg.Mirror.ShovelURL)
	if err != nil {
		return nil, err
	}
	s := &Setup{cfg: cfg, xs: xs, shovelDest: dest, insecureTLS: insecureTLS}
	if s.prod, err = newBroker("production", prodEP, insecureTLS); err != nil {
		return nil, err
	}
	if s.mirror, err = newBroker("mirror", mirrorEP, insecureTLS); err != nil {
		return nil, err
	}
	return s, nil
}

// Exchanges are the resolved exchanges of this set-up.
func (s *Setup) Exchanges() []Resolved { return s.xs }

// shovelDestURI is the mirror's address for the shovel: the mirror URL (or
// shovel_url when production reaches the mirror under another name) with
// the mirror's credentials. The vhost is always percent-encoded: the
// shovel reads "amqp://host/" as the empty vhost, not "/".
func shovelDestURI(mirror tap.Endpoint, override string) (string, error) {
	scheme, host, port := mirror.AMQP.Scheme, mirror.AMQP.Host, mirror.AMQP.Port
	if override != "" {
		u, err := url.Parse(override)
		if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Hostname() == "" {
			return "", fmt.Errorf("the mirror's shovel_url is not valid; expected amqp[s]://HOST:PORT (credentials and vhost come from the mirror URL)")
		}
		scheme, host = u.Scheme, u.Hostname()
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return "", fmt.Errorf("mirror shovel_url: port %q is not a number", p)
			}
			port = n
		}
	}
	u := url.URL{
		Scheme:  scheme,
		User:    url.UserPassword(mirror.User, mirror.Password),
		Host:    net.JoinHostPort(host, strconv.Itoa(port)),
		RawPath: "/" + url.PathEscape(mirror.Vhost),
		Path:    "/" + mirror.Vhost,
	}
	return u.String(), nil
}

// directURI is a shovel URI for a direct connection inside the production
// broker as user: no production password is stored anywhere.
func directURI(user, vhost string) string {
	return "amqp://" + url.User(user).String() + "@/" + url.PathEscape(vhost)
}

// Redact hides the password of a URI for display.
func Redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URI)"
	}
	return u.Redacted()
}
