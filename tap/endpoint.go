package tap

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

// ResolveEndpoint builds an Endpoint from the --url and --api values, falling
// back to the environment (through getenv) for the URL, the user and the
// password. The well-known guest account gets its well-known password so that
// amqp://guest@localhost/ works on a fresh broker.
func ResolveEndpoint(rawURL, apiURL string, getenv func(string) string) (Endpoint, error) {
	if rawURL == "" {
		rawURL = getenv(EnvURL)
	}
	if rawURL == "" {
		rawURL = DefaultURL
	}
	return resolve(rawURL, apiURL, getenv, EnvUser, EnvPassword)
}

// ResolveCluster is ResolveEndpoint for several nodes of one cluster: the
// first URL is preferred, the others are alternates. apiURLs gives one
// management API for all nodes, or one per URL in the same order (none:
// each node's is derived from its URL). Alternates share the first URL's
// user, password and vhost.
func ResolveCluster(rawURLs, apiURLs []string, getenv func(string) string) (Endpoint, error) {
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
	ep, err := ResolveEndpoint(first, apiFor(0), getenv)
	if err != nil || len(rawURLs) < 2 {
		return ep, err
	}
	for i, raw := range rawURLs[1:] {
		other, err := resolve(raw, apiFor(i+1), func(k string) string {
			switch k {
			case EnvUser:
				return ep.User
			case EnvPassword:
				return ep.Password
			}
			return ""
		}, EnvUser, EnvPassword)
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
	ep, err := resolve(rawURL, apiURL, getenv, EnvTapUser, EnvTapPassword)
	if err != nil {
		return Endpoint{}, fmt.Errorf("--tap-url: %w", err)
	}
	return ep, nil
}

func resolve(rawURL, apiURL string, getenv func(string) string, envUser, envPassword string) (Endpoint, error) {
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
	if !hasUser {
		if u := getenv(envUser); u != "" {
			uri.Username = u
		}
	}
	if !hasPassword {
		switch p := getenv(envPassword); {
		case p != "":
			uri.Password = p
		case uri.Username == "guest":
			uri.Password = "guest"
		default:
			return Endpoint{}, fmt.Errorf("no password for user %q: put it in the %s environment variable (keeping it off the command line) or in the URL", uri.Username, envPassword)
		}
	}

	if apiURL == "" && envUser == EnvUser {
		apiURL = getenv(EnvAPI)
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
	api.RawPath = ""
	return Endpoint{
		AMQP:       uri,
		API:        api.String(),
		User:       uri.Username,
		Password:   uri.Password,
		Vhost:      uri.Vhost,
		APIDerived: derived,
	}, nil
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
