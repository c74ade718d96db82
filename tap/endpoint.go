package tap

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

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
	if apiURL == "" {
		scheme := "http"
		if uri.Scheme == "amqps" {
			scheme = "https"
		}
		apiURL = scheme + "://" + net.JoinHostPort(uri.Host, "15672")
	}
	api, err := url.Parse(apiURL)
	if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
		return Endpoint{}, fmt.Errorf("the management API address %q is not valid; expected http(s)://HOST:15672", apiURL)
	}
	api.User = nil // credentials for the API are the broker user's, never from this URL
	return Endpoint{
		AMQP:     uri,
		API:      api.String(),
		User:     uri.Username,
		Password: uri.Password,
		Vhost:    uri.Vhost,
	}, nil
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
