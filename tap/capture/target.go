package capture

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// dial connects to the replay's target broker; ctx cancels the TCP connect.
// The error never holds the URL, so never the password.
func dial(ctx context.Context, ep broker.Endpoint) (*amqp.Connection, error) {
	return broker.Dial(ctx, ep, "shoveltap replay")
}

// checkExchange fails clearly when the target exchange does not exist,
// before anything is published. A passive declare closes its channel on
// failure, so it gets one of its own.
func checkExchange(conn *amqp.Connection, ep broker.Endpoint, name string) error {
	if name == "" {
		return nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("opening a channel: %w", err)
	}
	defer ch.Close()
	if err := broker.CheckExchange(ch, name); err != nil {
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.NotFound {
			return fmt.Errorf("exchange %q does not exist in vhost %q on %s: create it first or pick another --exchange; nothing was published", name, ep.Vhost, ep.Address())
		}
		return fmt.Errorf("checking exchange %q: %w", name, err)
	}
	return nil
}
