package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// dialTimeout bounds the TCP connect and the AMQP handshake.
const dialTimeout = 10 * time.Second

// AMQPConfig is the client configuration of an AMQP connection to the
// endpoint, named name in the broker's connection list: TLS from e.TLS on
// amqps://, and x509 login (SASL EXTERNAL) when e.X509. Every AMQP
// connection shoveltap makes starts from it; the caller sets Dial.
func (e Endpoint) AMQPConfig(name string) (amqp.Config, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	cfg := amqp.Config{Heartbeat: 10 * time.Second, Properties: props}
	if e.AMQP.Scheme == "amqps" {
		tc, err := e.TLS.Config()
		if err != nil {
			return amqp.Config{}, err
		}
		cfg.TLSClientConfig = tc
	}
	if e.X509 {
		cfg.SASL = []amqp.Authentication{&amqp.ExternalAuth{}}
	}
	return cfg, nil
}

// dial connects to ep's preferred node; ctx cancels the TCP connect. A failure whose cause the AMQP handshake hid is looked into
// with probeTLS.
func dial(ctx context.Context, ep Endpoint, name string) (*amqp.Connection, error) {
	cfg, err := ep.AMQPConfig(name)
	if err != nil {
		return nil, err
	}
	cfg.Dial = func(network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: dialTimeout}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// No heartbeats yet: a dead server must not stall the handshake.
		// The client clears the deadline once the connection is open.
		if err := conn.SetDeadline(time.Now().Add(dialTimeout)); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
	conn, err := amqp.DialConfig(ep.AMQP.String(), cfg)
	if err != nil && handshakeHidden(err) {
		if cause := probeTLS(ctx, ep); cause != nil {
			return nil, cause
		}
	}
	return conn, err
}

// Dial opens an AMQP connection named name to the first of the endpoint's
// nodes that answers, with an error that says what to do; ctx cancels the
// connect.
func Dial(ctx context.Context, ep Endpoint, name string) (*amqp.Connection, error) {
	conn, _, err := DialNodes(ctx, ep, name, 0)
	return conn, err
}

// handshakeHidden reports an AMQP handshake failure that says nothing of
// its cause: a closed connection, or garbage where a frame should be.
func handshakeHidden(err error) bool {
	var ae *amqp.Error
	if errors.As(err, &ae) {
		return !ae.Server && (ae.Code == amqp.FrameError || ae.Code == amqp.ChannelError)
	}
	// A reset is how a busy broker's refusal of the client certificate
	// sometimes arrives instead of the alert.
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET)
}

// errSpeaksTLS is probeTLS's finding that an amqp:// URL names a TLS port.
var errSpeaksTLS = errors.New("the port speaks TLS")

// probeTLS finds what a failed AMQP handshake hid. On amqps:// it is the
// TLS alert with which the broker refused the client certificate: with TLS
// 1.3 that alert arrives after the client's handshake is done, and the
// AMQP client reports only a closed connection. On amqp:// it is whether
// the port speaks TLS. nil when the probe learns nothing.
func probeTLS(ctx context.Context, ep Endpoint) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", ep.Address())
	if err != nil {
		return nil
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return nil
	}
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only asks whether the port speaks TLS
	if ep.AMQP.Scheme == "amqps" {
		if cfg, err = ep.TLS.Config(); err != nil {
			return nil
		}
	}
	cfg.ServerName = ep.AMQP.Host
	tc := tls.Client(conn, cfg)
	err = tc.Handshake()
	if ep.AMQP.Scheme != "amqps" {
		var record tls.RecordHeaderError
		if err == nil || !errors.As(err, &record) {
			return errSpeaksTLS // a TLS alert proves TLS as well as a handshake
		}
		return nil
	}
	if err != nil {
		return resetMeansCertificate(ep, err)
	}
	// The broker sends its alert, or connection.start, once it has the
	// protocol header.
	if _, err := tc.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return resetMeansCertificate(ep, err)
	}
	var b [1]byte
	if _, err := tc.Read(b[:]); err != nil && !errors.Is(err, io.EOF) {
		return resetMeansCertificate(ep, err)
	}
	return nil
}

// resetMeansCertificate reads a reset right after a TLS handshake made
// without a client certificate as what it is in practice: a broker that
// requires one and, busy, reset the connection before its alert got out.
func resetMeansCertificate(ep Endpoint, err error) error {
	if ep.TLS.Cert == "" && errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("remote error: tls: certificate required (the broker reset the connection right after the handshake)")
	}
	return err
}

// DialNodes connects to the first of ep's nodes that answers, trying node
// start first, and says which node it reached. A refused login stops the
// search: every node would refuse it alike.
func DialNodes(ctx context.Context, ep Endpoint, name string, start int) (*amqp.Connection, int, error) {
	nodes := ep.Nodes()
	var errs []error
	for n := range nodes {
		i := (start + n) % len(nodes)
		conn, err := dial(ctx, ep.OnNode(i), name)
		if err == nil {
			return conn, i, nil
		}
		err = ExplainAMQP(ep.OnNode(i), "connecting to the broker", err)
		if len(nodes) == 1 || strings.Contains(err.Error(), "wrong username or password") || strings.Contains(err.Error(), "refused the x509 login") {
			return nil, 0, err
		}
		errs = append(errs, err)
	}
	return nil, 0, fmt.Errorf("no node of the cluster answers (tried %d): %w", len(nodes), errors.Join(errs...))
}

// ExplainAMQP turns an AMQP failure into an actionable error. It never
// includes the URL, which holds the password.
func ExplainAMQP(ep Endpoint, doing string, err error) error {
	if tlsErr, ok := explainTLS(ep.TLS, doing, ep.Address(), false, err); ok {
		return tlsErr
	}
	if x509Err, ok := explainX509(ep, doing, err); ok {
		return x509Err
	}
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.AccessRefused:
			if strings.Contains(ae.Reason, "username or password") || strings.Contains(ae.Reason, "Login was refused") {
				return fmt.Errorf("%s at %s: the broker refused user %q: wrong username or password (%s)", doing, ep.Address(), ep.User, PasswordHint(ep.TLS.Flags))
			}
			if r := parseRefusal(ep, doing, ae.Reason); r != nil {
				return r
			}
			return fmt.Errorf("%s: user %q is not allowed: %s (grant permissions with rabbitmqctl set_permissions -p %s %s ...)", doing, ep.User, ae.Reason, ep.Vhost, ep.User)
		case amqp.NotAllowed:
			if r := parseRefusal(ep, doing, ae.Reason); r != nil {
				return r
			}
			return fmt.Errorf("%s: %s (does vhost %q exist, and may user %q use it?)", doing, ae.Reason, ep.Vhost, ep.User)
		case amqp.NotFound:
			return fmt.Errorf("%s: %s", doing, ae.Reason)
		}
		return fmt.Errorf("%s: %s (AMQP %d)", doing, ae.Reason, ae.Code)
	}
	if errors.Is(err, amqp.ErrCredentials) {
		return fmt.Errorf("%s at %s: the broker refused user %q: wrong username or password (%s)", doing, ep.Address(), ep.User, PasswordHint(ep.TLS.Flags))
	}
	if errors.Is(err, amqp.ErrVhost) {
		return fmt.Errorf("%s at %s: vhost %q does not exist or user %q may not use it", doing, ep.Address(), ep.Vhost, ep.User)
	}
	if IsUnreachable(err) {
		return fmt.Errorf("%s: cannot reach the broker at %s (%v): is RabbitMQ running there? check --url", doing, ep.Address(), RootCause(err))
	}
	return fmt.Errorf("%s at %s: %w", doing, ep.Address(), err)
}
