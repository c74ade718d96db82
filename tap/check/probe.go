package check

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Answers of a probe, the same words as the broker checks'.
const (
	Yes     = broker.Yes
	No      = broker.No
	Unknown = broker.Unknown
)

// prober tries a user's permissions over AMQP with objects that die with
// its connection: exclusive queues that hold nothing (x-max-length 0) and
// an auto-delete exchange bound to one of them. Each try gets a channel of
// its own, since a refusal closes the channel it happened on.
type prober struct {
	ep   broker.Endpoint
	conn *amqp.Connection
	// tapQueue and tapExchange are named like a --no-shovel tap's, so
	// that an exchange left by a crash mid-check is found by cleanup;
	// mirrorQueue is named like setup's objects.
	tapQueue, tapExchange, mirrorQueue string
	key                                string // a binding key nothing is published with
	declared                           map[string]bool
}

func newProber(conn *amqp.Connection, ep broker.Endpoint, names tap.Names) *prober {
	var b [4]byte
	_, _ = rand.Read(b[:])
	random := hex.EncodeToString(b[:])
	return &prober{
		ep: ep, conn: conn,
		tapQueue: names.TapQueue(), tapExchange: names.Exchange(0),
		mirrorQueue: broker.MirrorPrefix + "check-" + random,
		key:         "shoveltap.check." + random,
		declared:    map[string]bool{},
	}
}

// try runs f on a fresh channel and sorts the outcome: yes, no (with the
// refusal) or unknown (with the error).
func (p *prober) try(doing string, f func(ch *amqp.Channel) error) (string, error) {
	ch, err := p.conn.Channel()
	if err != nil {
		return Unknown, fmt.Errorf("opening a channel: %w", err)
	}
	defer ch.Close()
	err = f(ch)
	if err == nil {
		return Yes, nil
	}
	if r := broker.RefusalOf(p.ep, doing, err); r != nil {
		return No, r
	}
	return Unknown, err
}

// declareQueue tries configure on a queue name by declaring it exclusive
// and empty-bounded.
func (p *prober) declareQueue(name string) (string, error) {
	res, err := p.try(fmt.Sprintf("declaring queue %q", name), func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclare(name, false, false, true, false, amqp.Table{"x-max-length": int64(0)})
		return err
	})
	p.declared[name] = res == Yes
	return res, err
}

// writeQueue tries write on a declared queue by binding it to amq.direct
// with a key nothing uses: RabbitMQ checks write on the destination before
// read on the source, so a refusal naming amq.direct still means yes.
func (p *prober) writeQueue(name string) (string, error) {
	if !p.declared[name] {
		return Unknown, errors.New("not tried: it needs configure first")
	}
	res, err := p.try(fmt.Sprintf("binding queue %q", name), func(ch *amqp.Channel) error {
		return ch.QueueBind(name, p.key, "amq.direct", false, nil)
	})
	var r *broker.Refusal
	if res == No && errors.As(err, &r) && r.Name != name {
		return Yes, nil
	}
	return res, err
}

// readQueue tries read on a declared queue by consuming from it (it holds
// nothing) and cancelling.
func (p *prober) readQueue(name string) (string, error) {
	if !p.declared[name] {
		return Unknown, errors.New("not tried: it needs configure first")
	}
	return p.try(fmt.Sprintf("consuming from %q", name), func(ch *amqp.Channel) error {
		if _, err := ch.Consume(name, "shoveltap-check", false, false, false, false, nil); err != nil {
			return err
		}
		return ch.Cancel("shoveltap-check", false)
	})
}

// readExchange tries read on an exchange by binding a probe queue to it
// with a key and a header match that no message carries, and unbinding at
// once. It needs a probe queue the user may write to (the tap's, else
// setup's). Whatever else the broker says after the permission checks
// (such as an exchange type refusing the key) still means yes.
func (p *prober) readExchange(exchange string, writable []string) (string, error) {
	if len(writable) == 0 {
		return Unknown, errors.New("not tried: it needs configure and write on shoveltap- or shoveltap-mirror- names first")
	}
	q := writable[0]
	args := amqp.Table{"x-match": "all", "x-shoveltap-check": p.key}
	res, err := p.try(fmt.Sprintf("binding to exchange %q", exchange), func(ch *amqp.Channel) error {
		if err := ch.QueueBind(q, p.key, exchange, false, args); err != nil {
			return err
		}
		return ch.QueueUnbind(q, p.key, exchange, args)
	})
	var ae *amqp.Error
	switch {
	case res == Unknown && errors.As(err, &ae) && ae.Code == amqp.NotFound:
		return No, fmt.Errorf("exchange %q does not exist in vhost %q", exchange, p.ep.Vhost)
	case res == Unknown && errors.As(err, &ae):
		return Yes, nil // refused for another reason than permissions, checked first
	}
	return res, err
}

// exchangeRights tries configure, write and read on an exchange name of
// the tap's: declare it auto-delete, bind the tap probe queue to it (read
// on it; the binding makes it die with the queue), publish to it (write).
// An exchange the binding could not hold is deleted at once.
func (p *prober) exchangeRights() (configure, write, read string, errs [3]error) {
	configure, write, read = Unknown, Unknown, Unknown
	configure, errs[0] = p.try(fmt.Sprintf("declaring exchange %q", p.tapExchange), func(ch *amqp.Channel) error {
		return ch.ExchangeDeclare(p.tapExchange, amqp.ExchangeFanout, false, true, false, false, nil)
	})
	if configure != Yes {
		return
	}
	if !p.declared[p.tapQueue] {
		errs[2] = errors.New("not tried: it needs configure on the queue first")
	} else {
		read, errs[2] = p.try(fmt.Sprintf("binding to exchange %q", p.tapExchange), func(ch *amqp.Channel) error {
			return ch.QueueBind(p.tapQueue, "", p.tapExchange, false, nil)
		})
	}
	if read != Yes {
		_, _ = p.try("deleting the probe exchange", func(ch *amqp.Channel) error {
			return ch.ExchangeDelete(p.tapExchange, false, false)
		})
		errs[1] = errors.New("not tried: it needs read on the exchange first")
		return
	}
	write, errs[1] = p.try(fmt.Sprintf("publishing to exchange %q", p.tapExchange), func(ch *amqp.Channel) error {
		closed := ch.NotifyClose(make(chan *amqp.Error, 1))
		if err := ch.Confirm(false); err != nil {
			return err
		}
		dc, err := ch.PublishWithDeferredConfirm(p.tapExchange, "", false, false, amqp.Publishing{Body: []byte("shoveltap check")})
		if err != nil {
			return err
		}
		if !dc.Wait() {
			if e := <-closed; e != nil {
				return e
			}
			return errors.New("the broker did not confirm the probe message")
		}
		return nil
	})
	return
}

// traceExchange is the firehose's exchange (tap.Config.Firehose taps it).
const traceExchange = "amq.rabbitmq.trace"
