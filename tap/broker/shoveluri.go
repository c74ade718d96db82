package broker

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ShovelURI is the URI with which a shovel running inside another broker
// reaches ep's vhost. It holds ep's user and password, except when
// ep.ShovelTLS names a client certificate: then the shovel logs in by
// x509 and no password is stored. On amqps:// it carries ep.ShovelTLS's
// files as the shovel's TLS parameters (cacertfile, certfile, keyfile),
// which are paths on the shovel's broker's host, and verify=verify_peer:
// without it the shovel would not check the certificate at all.
//
// Everything in it is readable by whoever may read the vhost's runtime
// parameters (GET /api/parameters/shovel): the paths of the files, never
// their contents, and the password when there is one (see
// ShovelHoldsPassword).
func ShovelURI(ep Endpoint) (string, error) {
	sh := ep.ShovelTLS
	flag := func(name string) string { return "--" + sh.Flags + name }
	if ep.AMQP.Scheme != "amqps" {
		if sh.CACert != "" || sh.Cert != "" || sh.CertKey != "" {
			return "", fmt.Errorf("%s, %s and %s are for a shovel that reaches its destination over TLS, but %s is %s://: use amqps:// and the broker's TLS port, or drop them",
				flag("ca-cert"), flag("cert"), flag("cert-key"), ep.Address(), ep.AMQP.Scheme)
		}
		return plainShovelURI(ep), nil
	}
	if (sh.Cert == "") != (sh.CertKey == "") {
		return "", fmt.Errorf("%s and %s go together: the shovel needs the certificate and its key (paths on the broker that runs the shovel)", flag("cert"), flag("cert-key"))
	}
	var q []string
	switch {
	case sh.CACert != "":
		q = append(q, "verify=verify_peer", "cacertfile="+queryPath(sh.CACert))
	case ep.TLS.Insecure:
		q = append(q, "verify=verify_none")
	default:
		return "", fmt.Errorf("the shovel runs inside the other broker and reaches %s over TLS: it needs the CA certificate that checks that broker's certificate, as a file on the shovel's broker's host: give its path there with %s PATH (shoveltap does not read it; the broker does), or --insecure-tls to skip the check",
			ep.Address(), flag("ca-cert"))
	}
	if net.ParseIP(ep.AMQP.Host) == nil {
		// The name the certificate is checked against; an IP address
		// cannot be one, so with an IP only the CA is checked.
		q = append(q, "server_name_indication="+url.QueryEscape(ep.AMQP.Host))
	}
	u := url.URL{Scheme: "amqps", Host: ep.Address()}
	if sh.Cert != "" {
		q = append(q, "certfile="+queryPath(sh.Cert), "keyfile="+queryPath(sh.CertKey), "auth_mechanism=external")
	} else {
		u.User = url.UserPassword(ep.User, ep.Password)
	}
	return u.String() + "/" + url.PathEscape(ep.Vhost) + "?" + strings.Join(q, "&"), nil
}

// ShovelHoldsPassword says whether ShovelURI(ep) stores ep's password.
func ShovelHoldsPassword(ep Endpoint) bool {
	return ep.AMQP.Scheme != "amqps" || ep.ShovelTLS.Cert == ""
}

// plainShovelURI has ep's credentials. The vhost is always spelled out: to
// the shovel, an empty path means the vhost "", not "/".
func plainShovelURI(ep Endpoint) string {
	u := url.URL{Scheme: ep.AMQP.Scheme, User: url.UserPassword(ep.User, ep.Password), Host: ep.Address()}
	return u.String() + "/" + url.PathEscape(ep.Vhost)
}

// queryPath escapes what would end or split a query value, and keeps the
// slashes readable.
var queryPath = strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "%20", "=", "%3D").Replace
