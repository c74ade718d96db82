package broker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Environment variables for the main broker's TLS files.
const (
	EnvCACert  = "SHOVELTAP_CA_CERT"
	EnvCert    = "SHOVELTAP_CERT"
	EnvCertKey = "SHOVELTAP_CERT_KEY"
)

// TLS says how shoveltap secures its connections to one broker; the same
// settings serve AMQP and the management API. The files are read for every
// connection, so a renewed certificate is used from the next one on.
type TLS struct {
	CACert  string // PEM file of the CAs to trust; the system's roots when empty
	Cert    string // client certificate (PEM): mutual TLS, and x509 login without a password
	CertKey string // the client certificate's private key (PEM, unencrypted)
	// Insecure skips verifying the broker's certificate (--insecure-tls).
	Insecure bool
	// Flags is the prefix of this broker's flags ("", "tap-" or "mirror-"),
	// so that an error names the flag to change.
	Flags string
}

// flag names one of this broker's flags in an error.
func (t TLS) flag(name string) string { return "--" + t.Flags + name }

// Config is the crypto/tls configuration of a connection to the broker.
// ServerName is left empty: the AMQP client and the HTTP transport set it
// to the host of each connection, so every node of a cluster is checked
// against its own name.
func (t TLS) Config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.Insecure} //nolint:gosec // opt-in flag, warned about
	if t.CACert != "" {
		pool, err := t.caPool()
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if t.Cert != "" || t.CertKey != "" {
		cert, err := t.clientCert()
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

func (t TLS) caPool() (*x509.CertPool, error) {
	pem, err := os.ReadFile(t.CACert)
	if err != nil {
		return nil, fmt.Errorf("reading the CA certificate %s (%s): %w", t.CACert, t.flag("ca-cert"), unwrapPath(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA file %s (%s) holds no PEM certificate: give the certificate of the CA that signed the broker's, in PEM form (-----BEGIN CERTIFICATE-----)", t.CACert, t.flag("ca-cert"))
	}
	return pool, nil
}

// clientCert loads the client certificate and checks what the broker would
// otherwise refuse with a bare "bad certificate": a key of another
// certificate, and a certificate out of its validity period.
func (t TLS) clientCert() (tls.Certificate, error) {
	switch {
	case t.Cert == "":
		return tls.Certificate{}, fmt.Errorf("%s %s has no certificate: give the client certificate with %s too", t.flag("cert-key"), t.CertKey, t.flag("cert"))
	case t.CertKey == "":
		return tls.Certificate{}, fmt.Errorf("%s %s has no private key: give its key with %s too", t.flag("cert"), t.Cert, t.flag("cert-key"))
	}
	certPEM, err := os.ReadFile(t.Cert)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("reading the client certificate %s (%s): %w", t.Cert, t.flag("cert"), unwrapPath(err))
	}
	keyPEM, err := os.ReadFile(t.CertKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("reading the client certificate's key %s (%s): %w", t.CertKey, t.flag("cert-key"), unwrapPath(err))
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	switch {
	case err != nil && strings.Contains(err.Error(), "does not match"):
		return tls.Certificate{}, fmt.Errorf("%s (%s) is not the private key of the certificate %s (%s): give the key the certificate was made with", t.CertKey, t.flag("cert-key"), t.Cert, t.flag("cert"))
	case err != nil && strings.Contains(string(keyPEM), "ENCRYPTED"):
		return tls.Certificate{}, fmt.Errorf("the key %s (%s) is encrypted, which shoveltap cannot read: decrypt it into a file only you can read (openssl pkey -in %s -out KEY.pem; chmod 600 KEY.pem)", t.CertKey, t.flag("cert-key"), t.CertKey)
	case err != nil:
		return tls.Certificate{}, fmt.Errorf("reading the client certificate %s and key %s (%s, %s): %w", t.Cert, t.CertKey, t.flag("cert"), t.flag("cert-key"), err)
	}
	leaf := cert.Leaf
	now := time.Now()
	switch {
	case leaf == nil:
	case now.After(leaf.NotAfter):
		return tls.Certificate{}, fmt.Errorf("the client certificate %s (%s) expired on %s: renew it, or give a valid one", t.Cert, t.flag("cert"), leaf.NotAfter.UTC().Format(time.DateOnly))
	case now.Before(leaf.NotBefore):
		return tls.Certificate{}, fmt.Errorf("the client certificate %s (%s) is not valid before %s: check this machine's clock, or give a valid certificate", t.Cert, t.flag("cert"), leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

// commonName is the client certificate's subject common name: the user
// an x509 login becomes on a broker with ssl_cert_login_from = common_name.
func (t TLS) commonName() string {
	cert, err := t.clientCert()
	if err != nil || cert.Leaf == nil {
		return ""
	}
	return cert.Leaf.Subject.CommonName
}

// unwrapPath drops the path os.ReadFile repeats, which the message names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ShovelTLS are files on the host of the broker that runs a shovel, for
// the shovel's own TLS connection to this broker (an amqps:// --tap-url,
// or setup's mirror). shoveltap never reads them: the shovel runs inside
// the other broker, which opens them, so they name paths on its host.
type ShovelTLS struct {
	CACert  string // CA file that verifies this broker's certificate
	Cert    string // client certificate: the shovel then logs in by x509, with no password stored
	CertKey string // its key
	// Flags is the prefix of these settings' flags ("tap-shovel-" or
	// "mirror-shovel-"), for errors.
	Flags string
}
