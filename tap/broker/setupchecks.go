package broker

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// This file holds what setup tries over AMQP: where the management API's
// refusals do not say which permission is missing, and where a shovel
// would otherwise fail later, out of sight.

// BindingSpec is one binding, as setup makes or removes it.
type BindingSpec struct {
	Source, Destination string
	ToExchange          bool // the destination is an exchange, not a queue
	Key                 string
	Args                map[string]any
}

// BindOverAMQP makes (or, with unbind, removes) a binding over AMQP. The
// management API refuses a binding with "Access refused." alone; the same
// binding over AMQP is refused naming the object that lacks a permission,
// so setup runs it to find out which. When it works, the binding is made
// (or removed) after all.
func BindOverAMQP(ctx context.Context, ep Endpoint, b BindingSpec, unbind bool) error {
	conn, _, err := DialNodes(ctx, ep, "shoveltap setup", 0)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return ExplainAMQP(ep, "opening a channel", err)
	}
	defer ch.Close()
	verb := "binding"
	if unbind {
		verb = "unbinding"
	}
	doing := fmt.Sprintf("%s %s to exchange %q with key %q", verb, b.Destination, b.Source, b.Key)
	args := amqp.Table(b.Args)
	switch {
	case b.ToExchange && unbind:
		err = ch.ExchangeUnbind(b.Destination, b.Key, b.Source, false, args)
	case b.ToExchange:
		err = ch.ExchangeBind(b.Destination, b.Key, b.Source, false, args)
	case unbind:
		err = ch.QueueUnbind(b.Destination, b.Key, b.Source, args)
	default:
		err = ch.QueueBind(b.Destination, b.Key, b.Source, false, args)
	}
	if err == nil {
		return nil
	}
	if r := RefusalOf(ep, doing, err); r != nil {
		// The destination needs write, the source read: the name says
		// which (3.x does not, and both may be exchanges).
		switch r.Name {
		case b.Destination:
			r.Perm = "write"
		case b.Source:
			r.Perm = "read"
		}
		return r
	}
	return ExplainAMQP(ep, doing, err)
}

// withChannel runs f on a channel of a fresh connection to ep, and turns a
// refusal into a Refusal.
func withChannel(ctx context.Context, ep Endpoint, doing string, f func(ch *amqp.Channel) error) error {
	conn, _, err := DialNodes(ctx, ep, "shoveltap setup", 0)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return ExplainAMQP(ep, "opening a channel", err)
	}
	defer ch.Close()
	if err := f(ch); err != nil {
		if r := RefusalOf(ep, doing, err); r != nil {
			return r
		}
		return ExplainAMQP(ep, doing, err)
	}
	return nil
}

// CheckConsume makes sure ep's user may consume a queue that was just
// created and holds nothing: a shovel consuming it as that user would
// otherwise fail out of sight. It consumes and cancels at once.
func CheckConsume(ctx context.Context, ep Endpoint, queue string) error {
	return withChannel(ctx, ep, fmt.Sprintf("consuming from %q (as the shovel will)", queue), func(ch *amqp.Channel) error {
		if _, err := ch.Consume(queue, "shoveltap-check", false, false, false, false, nil); err != nil {
			return err
		}
		return ch.Cancel("shoveltap-check", false)
	})
}

// CheckPublish makes sure ep's user may publish to an exchange that was
// just created and has no bindings yet, so the message it publishes goes
// nowhere: a shovel publishing to it as that user would otherwise fail out
// of sight.
func CheckPublish(ctx context.Context, ep Endpoint, exchange string) error {
	return withChannel(ctx, ep, fmt.Sprintf("publishing to exchange %q (as the shovel will)", exchange), func(ch *amqp.Channel) error {
		closed := ch.NotifyClose(make(chan *amqp.Error, 1))
		if err := ch.Confirm(false); err != nil {
			return err
		}
		dc, err := ch.PublishWithDeferredConfirm(exchange, "", false, false, amqp.Publishing{Body: []byte("shoveltap setup: may this user publish here?")})
		if err != nil {
			return err
		}
		if !dc.Wait() {
			if e := <-closed; e != nil {
				return e
			}
			return errors.New("the broker did not confirm the check message")
		}
		return nil
	})
}
