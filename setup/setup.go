package setup

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/shoveltap/shoveltap/tap/broker"
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
	prod   *side
	mirror *side
	// shovelDest is the mirror's AMQP URI as the production broker's shovel
	// dials it, password included: it is only ever sent to production's
	// management API, never printed.
	shovelDest string
	// notes tell the operator what plan and apply cannot show as a step.
	notes []string
}

// New resolves the configuration and both endpoints. getenv supplies the
// environment (os.Getenv outside tests).
func New(cfg Config, getenv func(string) string, insecureTLS bool) (*Setup, error) {
	xs, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	prodTLS := broker.TLS{CACert: cfg.Production.CACert, Cert: cfg.Production.Cert, CertKey: cfg.Production.CertKey, Insecure: insecureTLS}
	prodEP, err := broker.ResolveEndpointWith(cfg.Production.URL, cfg.Production.API, broker.Access{TLS: prodTLS}, getenv)
	if err != nil {
		return nil, fmt.Errorf("production broker: %w", err)
	}
	mirrorEnv := func(k string) string {
		switch k {
		case broker.EnvURL:
			return getenv(EnvMirrorURL)
		case broker.EnvUser:
			return getenv(EnvMirrorUser)
		case broker.EnvPassword:
			return getenv(EnvMirrorPassword)
		case broker.EnvAPI:
			return getenv(EnvMirrorAPI)
		}
		return ""
	}
	if cfg.Mirror.URL == "" && getenv(EnvMirrorURL) == "" {
		return nil, fmt.Errorf("no mirror broker: give --mirror-url amqp://USER@HOST:PORT/VHOST (or %s, or mirror: url: in the set-up file)", EnvMirrorURL)
	}
	// The mirror's TLS files default to production's.
	mirrorTLS := broker.TLS{
		CACert:   firstNonEmpty(cfg.Mirror.CACert, prodEP.TLS.CACert),
		Cert:     firstNonEmpty(cfg.Mirror.Cert, prodEP.TLS.Cert),
		CertKey:  firstNonEmpty(cfg.Mirror.CertKey, prodEP.TLS.CertKey),
		Insecure: insecureTLS,
		Flags:    "mirror-",
	}
	mirrorEP, err := broker.ResolveEndpointWith(cfg.Mirror.URL, cfg.Mirror.API, broker.Access{TLS: mirrorTLS}, mirrorEnv)
	var np *broker.NoPasswordError
	if errors.As(err, &np) {
		np.EnvVar = EnvMirrorPassword // read through mirrorEnv as SHOVELTAP_PASSWORD
	}
	if err != nil {
		return nil, fmt.Errorf("mirror broker (the password comes from the URL or %s): %w", EnvMirrorPassword, err)
	}
	mirrorEP.ShovelTLS = broker.ShovelTLS{CACert: cfg.Mirror.ShovelCACert, Cert: cfg.Mirror.ShovelCert, CertKey: cfg.Mirror.ShovelCertKey, Flags: "mirror-shovel-"}
	dest, err := shovelDestURI(mirrorEP, cfg.Mirror.ShovelURL)
	if err != nil {
		return nil, err
	}
	s := &Setup{cfg: cfg, xs: xs, shovelDest: dest}
	prodEP.Needs, mirrorEP.Needs = needsOf(xs, prodEP, mirrorEP)
	if broker.ShovelHoldsPassword(mirrorEP) {
		s.notes = append(s.notes, fmt.Sprintf("the shovel's definition on production holds the mirror user %q's password in clear: whoever may read production's runtime parameters (GET /api/parameters/shovel; policymaker and administrator users) can read it. With an amqps:// mirror and --mirror-shovel-cert the shovel logs in by x509 and no password is stored", mirrorEP.User))
	}
	if s.prod, err = newSide("production", prodEP); err != nil {
		return nil, err
	}
	if s.mirror, err = newSide("mirror", mirrorEP); err != nil {
		return nil, err
	}
	return s, nil
}

// Exchanges are the resolved exchanges of this set-up.
func (s *Setup) Exchanges() []Resolved { return s.xs }

// shovelDestURI is the mirror's address for the shovel: the mirror URL (or
// shovel-url when production reaches the mirror under another name) with
// the mirror's credentials, or its x509 login and TLS files on amqps://
// (broker.ShovelURI).
func shovelDestURI(mirror broker.Endpoint, override string) (string, error) {
	if override != "" {
		u, err := url.Parse(override)
		if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Hostname() == "" {
			return "", fmt.Errorf("the mirror's shovel-url is not valid; expected amqp[s]://HOST:PORT (credentials and vhost come from the mirror URL)")
		}
		mirror.AMQP.Scheme, mirror.AMQP.Host = u.Scheme, u.Hostname()
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return "", fmt.Errorf("mirror shovel-url: port %q is not a number", p)
			}
			mirror.AMQP.Port = n
		}
	}
	uri, err := broker.ShovelURI(mirror)
	if err != nil {
		return "", fmt.Errorf("mirror broker: %w", err)
	}
	return uri, nil
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
