package capture

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
)

// dialTimeout bounds the TCP connect and the AMQP handshake.
const dialTimeout = 10 * time.Second

// dial connects to the replay's target broker; ctx cancels the TCP connect.
func dial(ctx context.Context, ep tap.Endpoint, insecureTLS bool) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName("shoveltap replay")
	cfg := amqp.Config{
		Dial: func(network, addr string) (net.Conn, error) {
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
		},
		Heartbeat:  10 * time.Second,
		Properties: props,
	}
	if ep.AMQP.Scheme == "amqps" {
		cfg.TLSClientConfig = &tls.Config{ServerName: ep.AMQP.Host, InsecureSkipVerify: insecureTLS} //nolint:gosec // opt-in flag
	}
	conn, err := amqp.DialConfig(ep.AMQP.String(), cfg)
	if err != nil {
		// The error never holds the URL, so never the password.
		return nil, fmt.Errorf("connecting to %s as %q: %w; check --url and the credentials", ep.Address(), ep.User, err)
	}
	return conn, nil
}

// checkExchange fails clearly when the target exchange does not exist,
// before anything is published. A passive declare closes its channel on
// failure, so it gets one of its own.
func checkExchange(conn *amqp.Connection, ep tap.Endpoint, name string) error {
	if name == "" {
		return nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("opening a channel: %w", err)
	}
	defer ch.Close()
	if err := ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil); err != nil {
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.NotFound {
			return fmt.Errorf("exchange %q does not exist in vhost %q on %s: create it first or pick another --exchange; nothing was published", name, ep.Vhost, ep.Address())
		}
		return fmt.Errorf("checking exchange %q: %w", name, err)
	}
	return nil
}
