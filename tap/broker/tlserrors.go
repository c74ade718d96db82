package broker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// explainTLS turns a failed TLS handshake into an error that says what the
// certificate problem is and what to do; ok is false when err is not about
// TLS. addr is where the connection went, api says it was the management
// API (whose URL flag is --api, not --url).
func explainTLS(t TLS, doing, addr string, api bool, err error) (error, bool) {
	urlFlag := "--" + t.Flags + "url"
	if api {
		urlFlag = "--" + t.Flags + "api"
	}
	trust := "the system's trusted CAs"
	if t.CACert != "" {
		trust = "the CA file " + t.CACert
	}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var opErr *net.OpError
	switch {
	case errors.As(err, &unknownCA):
		issuer := ""
		if unknownCA.Cert != nil {
			issuer = fmt.Sprintf(" (issued by %q)", unknownCA.Cert.Issuer.String())
		}
		return fmt.Errorf("%s at %s: the broker's certificate%s is not signed by a CA in %s: give the certificate of the CA that signed it with %s FILE; %s skips the check, which lets anyone in the middle read the traffic",
			doing, addr, issuer, trust, t.flag("ca-cert"), "--insecure-tls"), true
	case errors.As(err, &hostErr):
		names := certNames(hostErr.Certificate)
		return fmt.Errorf("%s at %s: the broker's certificate is for %s, not for %q: give the broker by one of those names in %s (or have its certificate reissued for the name you use)",
			doing, addr, names, hostErr.Host, urlFlag), true
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		when := ""
		if invalid.Cert != nil {
			when = fmt.Sprintf(" (valid %s to %s)", invalid.Cert.NotBefore.UTC().Format(time.DateOnly), invalid.Cert.NotAfter.UTC().Format(time.DateOnly))
		}
		return fmt.Errorf("%s at %s: the broker's certificate has expired or is not valid yet%s: its administrator must renew it (or check this machine's clock); --insecure-tls skips the check",
			doing, addr, when), true
	case errors.As(err, &invalid):
		return fmt.Errorf("%s at %s: the broker's certificate is not valid (%v): check it against %s, or give the right CA with %s",
			doing, addr, invalid, trust, t.flag("ca-cert")), true
	case errors.As(err, &record):
		if api {
			return fmt.Errorf("%s at %s: it does not answer TLS: the management API listens there without TLS, so use http:// in %s (or give the API's HTTPS port, usually 15671)", doing, addr, urlFlag), true
		}
		return fmt.Errorf("%s at %s: it does not answer TLS, so it is a plain AMQP port: use amqp:// for it in %s, or the broker's TLS port (usually 5671) with amqps://", doing, addr, urlFlag), true
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		return explainAlert(t, doing, addr, opErr.Err.Error()), true
	case strings.Contains(err.Error(), "remote error: tls: "):
		// The AMQP client passes an alert that came after the handshake
		// on as the text of its own error.
		_, alert, _ := strings.Cut(err.Error(), "remote error: tls: ")
		return explainAlert(t, doing, addr, strings.TrimRight(alert, `"`)), true
	case errors.Is(err, errSpeaksTLS):
		return fmt.Errorf("%s at %s: the port speaks TLS: use amqps:// for it in %s", doing, addr, urlFlag), true
	case api && (strings.Contains(err.Error(), `malformed HTTP response "\x15\x03`) || strings.Contains(err.Error(), `malformed HTTP response "\x16\x03`)):
		// A TLS record (alert or handshake) where an HTTP answer should be.
		return fmt.Errorf("%s at %s: the port speaks TLS: use https:// for it in %s", doing, addr, urlFlag), true
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%s at %s: the management API answers plain HTTP there: use http:// in %s", doing, addr, urlFlag), true
	}
	return nil, false
}

// explainAlert explains the TLS alert a broker sent when it refused the
// handshake: in practice, always about the client certificate.
func explainAlert(t TLS, doing, addr, alert string) error {
	alert = strings.TrimPrefix(alert, "tls: ")
	switch {
	case t.Cert == "" && (strings.Contains(alert, "certificate required") || strings.Contains(alert, "handshake failure") || strings.Contains(alert, "bad certificate")):
		return fmt.Errorf("%s at %s: the broker wants a client certificate (it said %q): give yours with %s FILE and %s FILE", doing, addr, alert, t.flag("cert"), t.flag("cert-key"))
	case strings.Contains(alert, "unknown certificate authority"):
		return fmt.Errorf("%s at %s: the broker does not trust the CA that signed the client certificate %s: use a certificate signed by a CA in the broker's ssl_options.cacertfile", doing, addr, t.Cert)
	case strings.Contains(alert, "expired"):
		return fmt.Errorf("%s at %s: the broker refused the client certificate %s as expired: renew it", doing, addr, t.Cert)
	case t.Cert != "":
		return fmt.Errorf("%s at %s: the broker refused the client certificate %s (it said %q): check that a CA in the broker's ssl_options.cacertfile signed it and that it is meant for clients (extendedKeyUsage clientAuth)", doing, addr, t.Cert, alert)
	}
	return fmt.Errorf("%s at %s: the broker refused the TLS handshake (it said %q)", doing, addr, alert)
}

// certNames lists the names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no host name"
	}
	return strings.Join(names, ", ")
}

// explainX509 explains a refused x509 login (SASL EXTERNAL); ok is false
// when ep does not log in by certificate or err is about something else.
func explainX509(ep Endpoint, doing string, err error) (error, bool) {
	if !ep.X509 {
		return nil, false
	}
	var ae *amqp.Error
	switch {
	case errors.Is(err, amqp.ErrSASL):
		return fmt.Errorf("%s at %s: the broker does not offer x509 login (SASL EXTERNAL) on this connection: enable it on the broker (rabbitmq-plugins enable rabbitmq_auth_mechanism_ssl, and auth_mechanisms.3 = EXTERNAL beside PLAIN and AMQPLAIN in rabbitmq.conf), or log in with a password (%s or --%spassword-file FILE)",
			doing, ep.Address(), passwordEnv(ep.TLS.Flags), ep.TLS.Flags), true
	case errors.Is(err, amqp.ErrCredentials),
		errors.As(err, &ae) && ae.Code == amqp.AccessRefused && strings.Contains(ae.Reason, "EXTERNAL"):
		return fmt.Errorf("%s at %s: the broker refused the x509 login of the certificate %s (common name %q): it has no user of the name it takes from the certificate (the whole subject by default, the common name with ssl_cert_login_from = common_name); create that user without a password (rabbitmqctl add_user NAME x; rabbitmqctl clear_password NAME) and grant it permissions, or log in with a password (%s or --%spassword-file FILE)",
			doing, ep.Address(), ep.TLS.Cert, ep.TLS.commonName(), passwordEnv(ep.TLS.Flags), ep.TLS.Flags), true
	}
	return nil, false
}
