package broker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Environment variables that supply what the command line should not carry.
const (
	EnvURL      = "SHOVELTAP_URL"
	EnvUser     = "SHOVELTAP_USER"
	EnvPassword = "SHOVELTAP_PASSWORD"
	EnvAPI      = "SHOVELTAP_API"
)

// DefaultURL is used when neither --url nor SHOVELTAP_URL is given.
const DefaultURL = "amqp://guest@localhost:5672/"

// Endpoint is a resolved broker address with its credentials. Its String
// method never shows the password.
type Endpoint struct {
	AMQP     amqp.URI // full AMQP address, password included
	API      string   // management API base URL, e.g. http://localhost:15672
	User     string
	Password string
	Vhost    string
	// Alternates are other nodes of the same cluster (more --url values, or
	// the nodes the management API lists), tried in order when AMQP is down.
	Alternates []amqp.URI
	// AltAPIs are other nodes' management APIs, tried in order when API does
	// not answer.
	AltAPIs []string
	// APIDerived says API was worked out from the URL rather than given, so
	// an error can say so.
	APIDerived bool
	// TLS secures amqps:// and https:// connections to this broker.
	TLS TLS
	// X509 logs in with the client certificate (SASL EXTERNAL) instead of a
	// password: a certificate was given and no password. The management API
	// has no such login, so only what needs no API works.
	X509 bool
	// ShovelTLS is how a shovel on another broker reaches this one over TLS
	// (an amqps:// --tap-url, setup's mirror).
	ShovelTLS ShovelTLS
	// Needs, when set, says what the command using this endpoint needs of
	// its user: every Refusal made for the endpoint carries it from the
	// start (see Refused), so its rabbitmqctl command grants all at once.
	Needs NeedsFunc
}

// NeedsFunc is what a command needs of its user on the broker a refusal
// came from, and another way out where one needs less.
type NeedsFunc func(*Refusal) (Needs, string)

// Refused completes r, a refusal met on this endpoint, with what the
// command needs (e.Needs); without Needs, r names only what was refused.
func (e Endpoint) Refused(r *Refusal) *Refusal {
	if e.Needs == nil || r == nil {
		return r
	}
	n, alt := e.Needs(r)
	r.Needs = &n
	if alt != "" && r.Else == "" {
		r.Else = alt
	}
	// Missing management when policymaker is needed: name the tag that
	// grants both.
	for _, t := range n.Tags {
		if r.Tag != "" && t != r.Tag && HasTag([]string{t}, r.Tag) {
			r.Tag = t
		}
	}
	return r
}

// Nodes lists every AMQP address to try, the preferred one first.
func (e Endpoint) Nodes() []amqp.URI {
	return append([]amqp.URI{e.AMQP}, e.Alternates...)
}

// APIs lists every management API address to try, the preferred one first.
func (e Endpoint) APIs() []string {
	return append([]string{e.API}, e.AltAPIs...)
}

// OnNode is the endpoint with node i of Nodes as its AMQP address.
func (e Endpoint) OnNode(i int) Endpoint {
	nodes := e.Nodes()
	if i <= 0 || i >= len(nodes) {
		return e
	}
	e.AMQP = nodes[i]
	return e
}

// Address is host:port of the AMQP listener, for display.
func (e Endpoint) Address() string {
	return net.JoinHostPort(e.AMQP.Host, strconv.Itoa(e.AMQP.Port))
}

// String shows the AMQP address with the user but never the password.
func (e Endpoint) String() string {
	u := url.URL{Scheme: e.AMQP.Scheme, User: url.User(e.User), Host: e.Address(), Path: "/" + e.Vhost}
	return u.String()
}

// Environment variables for the --tap-url broker's credentials.
const (
	EnvTapUser     = "SHOVELTAP_TAP_USER"
	EnvTapPassword = "SHOVELTAP_TAP_PASSWORD"
)

// Access is what reaching a broker takes besides its URL, from flags or an
// environment file. Empty fields fall back to the environment variables.
type Access struct {
	User     string // when the URL names none
	Password string // when the URL has none: from --password-file or an environment file
	TLS      TLS
}

// envNames are the environment variables one broker's settings come from;
// "" means none.
type envNames struct {
	url, user, password, api, caCert, cert, certKey string
}

var (
	mainEnv = envNames{EnvURL, EnvUser, EnvPassword, EnvAPI, EnvCACert, EnvCert, EnvCertKey}
	// The tap broker's TLS files default to the main broker's in the
	// command layer, not through variables of their own.
	tapEnv = envNames{user: EnvTapUser, password: EnvTapPassword}
)

// ResolveEndpoint builds an Endpoint from the --url and --api values, falling
// back to the environment (through getenv) for the URL, the user, the
// password and the TLS files. The well-known guest account gets its
// well-known password so that amqp://guest@localhost/ works on a fresh
// broker.
func ResolveEndpoint(rawURL, apiURL string, getenv func(string) string) (Endpoint, error) {
	return ResolveEndpointWith(rawURL, apiURL, Access{}, getenv)
}

// ResolveEndpointWith is ResolveEndpoint with what flags or an environment
// file add: they win over the environment variables.
func ResolveEndpointWith(rawURL, apiURL string, acc Access, getenv func(string) string) (Endpoint, error) {
	if rawURL == "" {
		rawURL = getenv(EnvURL)
	}
	if rawURL == "" {
		rawURL = DefaultURL
	}
	return resolve(rawURL, apiURL, acc, getenv, mainEnv)
}

// ResolveCluster is ResolveEndpoint for several nodes of one cluster: the
// first URL is preferred, the others are alternates. apiURLs gives one
// management API for all nodes, or one per URL in the same order (none:
// each node's is derived from its URL). Alternates share the first URL's
// user, password and vhost.
func ResolveCluster(rawURLs, apiURLs []string, getenv func(string) string) (Endpoint, error) {
	return ResolveClusterWith(rawURLs, apiURLs, Access{}, getenv)
}

// ResolveClusterWith is ResolveCluster with what flags or an environment
// file add.
func ResolveClusterWith(rawURLs, apiURLs []string, acc Access, getenv func(string) string) (Endpoint, error) {
	if len(apiURLs) > 1 && len(apiURLs) != len(rawURLs) {
		return Endpoint{}, fmt.Errorf("%d --api values for %d --url values: give one API for all, or one per --url in the same order", len(apiURLs), len(rawURLs))
	}
	apiFor := func(i int) string {
		switch {
		case len(apiURLs) == 1:
			return apiURLs[0]
		case len(apiURLs) > 1:
			return apiURLs[i]
		}
		return ""
	}
	first := ""
	if len(rawURLs) > 0 {
		first = rawURLs[0]
	}
	ep, err := ResolveEndpointWith(first, apiFor(0), acc, getenv)
	if err != nil || len(rawURLs) < 2 {
		return ep, err
	}
	for i, raw := range rawURLs[1:] {
		same := Access{User: ep.User, Password: ep.Password, TLS: ep.TLS}
		other, err := resolve(raw, apiFor(i+1), same, func(string) string { return "" }, envNames{})
		if err != nil {
			return Endpoint{}, fmt.Errorf("--url number %d: %w", i+2, err)
		}
		if other.User != ep.User || other.Vhost != ep.Vhost {
			return Endpoint{}, fmt.Errorf("--url number %d (%s) must name the same user and vhost as the first (%s): several --url values are nodes of one cluster", i+2, other, ep)
		}
		ep.Alternates = append(ep.Alternates, other.AMQP)
		if len(apiURLs) != 1 && !slices.Contains(ep.APIs(), other.API) {
			ep.AltAPIs = append(ep.AltAPIs, other.API)
		}
	}
	return ep, nil
}

// ResolveTapEndpoint is ResolveEndpoint for --tap-url, whose credentials
// come from the URL or SHOVELTAP_TAP_USER / SHOVELTAP_TAP_PASSWORD.
func ResolveTapEndpoint(rawURL, apiURL string, getenv func(string) string) (Endpoint, error) {
	return ResolveTapEndpointWith(rawURL, apiURL, Access{TLS: TLS{Flags: "tap-"}}, getenv)
}

// ResolveTapEndpointWith is ResolveTapEndpoint with what flags or an
// environment file add.
func ResolveTapEndpointWith(rawURL, apiURL string, acc Access, getenv func(string) string) (Endpoint, error) {
	ep, err := resolve(rawURL, apiURL, acc, getenv, tapEnv)
	if err != nil {
		return Endpoint{}, fmt.Errorf("--tap-url: %w", err)
	}
	return ep, nil
}

func resolve(rawURL, apiURL string, acc Access, getenv func(string) string, names envNames) (Endpoint, error) {
	env := func(name string) string {
		if name == "" {
			return ""
		}
		return getenv(name)
	}
	parsed, err := url.Parse(rawURL)
	if err != nil {
		return Endpoint{}, fmt.Errorf("the broker URL is not valid (%s); expected amqp://USER@HOST:5672/VHOST", redactParseError(err))
	}
	hasUser := parsed.User != nil && parsed.User.Username() != ""
	_, hasPassword := parsed.User.Password()

	uri, err := amqp.ParseURI(rawURL)
	if err != nil {
		return Endpoint{}, fmt.Errorf("the broker URL %q is not valid (%v); expected amqp://USER@HOST:5672/VHOST", parsed.Redacted(), err)
	}
	t := acc.TLS
	// The URL's own TLS parameters (amqp091's cacertfile, certfile,
	// keyfile) come after the flags and before the environment.
	t.CACert = firstOf(t.CACert, uri.CACertFile, env(names.caCert))
	t.Cert = firstOf(t.Cert, uri.CertFile, env(names.cert))
	t.CertKey = firstOf(t.CertKey, uri.KeyFile, env(names.certKey))
	userGiven := hasUser
	if u := firstOf(acc.User, env(names.user)); !hasUser && u != "" {
		uri.Username, userGiven = u, true
	}
	x509Login := false
	if !hasPassword {
		switch p := firstOf(acc.Password, env(names.password)); {
		case p != "":
			uri.Password = p
		case t.Cert != "" && (uri.Scheme == "amqps" || uri.Username != "guest"):
			// A certificate and no password: the certificate is the login.
			// (guest on plain AMQP keeps its default password, so that a
			// SHOVELTAP_CERT exported for production does not break a
			// local broker.)
			uri.Password = ""
			x509Login = true
		case uri.Username == "guest":
			uri.Password = "guest"
		default:
			return Endpoint{}, &NoPasswordError{User: uri.Username, Address: net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port)), EnvVar: names.password, Flags: t.Flags}
		}
	}
	for _, m := range uri.AuthMechanism {
		if strings.EqualFold(m, "external") {
			x509Login = true
		}
	}
	if x509Login && !userGiven {
		uri.Username = "" // the certificate names the user, not amqp091's default guest
	}
	if x509Login && uri.Scheme != "amqps" {
		return Endpoint{}, fmt.Errorf("x509 login (a client certificate and no password) needs TLS, but the URL is %s://: use amqps:// and the broker's TLS port (usually 5671), or give a password", uri.Scheme)
	}
	if x509Login && t.Cert == "" {
		return Endpoint{}, fmt.Errorf("the URL asks for x509 login (auth_mechanism=external) but no client certificate is given: add --%scert FILE and --%scert-key FILE", t.Flags, t.Flags)
	}

	if apiURL == "" {
		apiURL = env(names.api)
	}
	derived := apiURL == ""
	if derived {
		apiURL = DeriveAPI(uri)
	}
	api, err := url.Parse(apiURL)
	if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
		return Endpoint{}, fmt.Errorf("the management API address %q is not valid; expected http(s)://HOST:15672", apiURL)
	}
	api.User = nil // credentials for the API are the broker user's, never from this URL
	// http://host:15672/ and http://host:15672 are the same API.
	api.Path = strings.TrimRight(api.Path, "/")
	// The API's base is what comes before /api/…: people write the
	// address of its HTTP API (http://host:15672/api), the client adds
	// /api itself.
	api.Path = strings.TrimSuffix(api.Path, "/api")
	api.RawPath = ""
	if uri.Scheme == "amqps" || api.Scheme == "https" {
		// Unreadable files, a key of another certificate or an expired
		// one fail here, before anything is tried.
		if _, err := t.Config(); err != nil {
			return Endpoint{}, err
		}
	}
	user := uri.Username
	if x509Login && user == "" {
		user = t.commonName()
	}
	return Endpoint{
		AMQP:       uri,
		API:        api.String(),
		User:       user,
		Password:   uri.Password,
		Vhost:      uri.Vhost,
		APIDerived: derived,
		TLS:        t,
		X509:       x509Login,
	}, nil
}

// NoPasswordError says that a broker needs a password nothing gave. The
// command layer asks for it when someone is at a terminal, and resolves
// again with it.
type NoPasswordError struct {
	User    string
	Address string // host:port
	EnvVar  string // the variable that would have given it
	Flags   string // prefix of the broker's flags ("", "tap-", "mirror-")
}

func (e *NoPasswordError) Error() string {
	return fmt.Sprintf("no password for user %q at %s: put it in %s or in a file named by --%spassword-file (both keep it off the command line), or run in a terminal to be asked; with a client certificate (--%scert) the login is by x509 and needs none",
		e.User, e.Address, e.EnvVar, e.Flags, e.Flags)
}

// firstOf is the first non-empty string.
func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// DeriveAPI is the management API address that goes with an AMQP address
// when none is given: the same host, on the management plugin's port.
func DeriveAPI(uri amqp.URI) string {
	if uri.Scheme == "amqps" {
		return "https://" + net.JoinHostPort(uri.Host, "15671")
	}
	return "http://" + net.JoinHostPort(uri.Host, "15672")
}

// redactParseError keeps url.Parse's reason but drops the URL it quotes,
// which may hold a password.
func redactParseError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "unparsable"
}
