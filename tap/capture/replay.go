package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// ReplayConfig says what is republished, where and how fast.
type ReplayConfig struct {
	// Endpoint is the target broker; its user is the one the messages are
	// published as.
	Endpoint broker.Endpoint
	// Reader is the capture; the caller opens and closes it.
	Reader   *Reader
	Exchange string // "" is the default exchange: the routing key names the queue
	// RoutingKey, when not nil, replaces every message's routing key.
	RoutingKey *string
	// Rate is messages per second; 0 publishes as fast as confirms allow.
	Rate float64
	// OriginalTiming keeps the gaps between the messages as captured.
	OriginalTiming bool
	// Window is how many unconfirmed messages may be in flight (256 if 0).
	Window int
	// Started, when set, is called once the broker is reached and the
	// exchange exists, just before the first publish: an error after it
	// comes with a result worth reporting.
	Started func()
}

// ReplayResult counts what happened.
type ReplayResult struct {
	Published int // handed to the broker
	Confirmed int // acknowledged by the broker (returned ones included)
	Nacked    int // refused by the broker
	Returned  int // unroutable: no queue was bound to take them
	// UserIDCleared counts messages whose user_id named another user.
	UserIDCleared int
	// Deliveries counts the delivery events (--deliveries) left out: they
	// report a message going to a consumer, not a publish.
	Deliveries int
}

func (r ReplayResult) String() string {
	return fmt.Sprintf("published %d, confirmed %d, nacked %d, returned unroutable %d",
		r.Published, r.Confirmed, r.Nacked, r.Returned)
}

// Replay connects to cfg.Endpoint and publishes every message of
// cfg.Reader to cfg.Exchange with its properties, headers and body as
// captured, mandatory and with publisher confirms. A user_id that names
// another user than the endpoint's is cleared, since the broker would
// refuse it.
func Replay(ctx context.Context, cfg ReplayConfig) (ReplayResult, error) {
	conn, err := dial(ctx, cfg.Endpoint)
	if err != nil {
		if r := broker.RefusalOf(cfg.Endpoint, "connecting to "+cfg.Endpoint.Address(), err); r != nil {
			return ReplayResult{}, broker.WithNeeds(r, broker.ReplayNeeds(cfg.Exchange))
		}
		// The dial explains a refusal itself; what replay needs is its own.
		return ReplayResult{}, broker.WithNeeds(err, broker.ReplayNeeds(cfg.Exchange))
	}
	defer conn.Close()
	if err := checkExchange(conn, cfg.Endpoint, cfg.Exchange); err != nil {
		return ReplayResult{}, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return ReplayResult{}, fmt.Errorf("opening a channel: %w", err)
	}
	if cfg.Started != nil {
		cfg.Started()
	}
	return publish(ctx, ch, cfg)
}

// publish does Replay's work on ch. It closes ch when done, to collect the
// last returns.
func publish(ctx context.Context, ch *amqp.Channel, cfg ReplayConfig) (ReplayResult, error) {
	var res ReplayResult
	if cfg.Window <= 0 {
		cfg.Window = 256
	}
	if err := ch.Confirm(false); err != nil {
		return res, fmt.Errorf("replay: turning on publisher confirms: %w", err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 64))
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	var mu sync.Mutex
	returned := 0
	var wg sync.WaitGroup
	wg.Go(func() {
		// The client hands returns over before the confirm that follows
		// them; the channel is closed when ch is.
		for range returns {
			mu.Lock()
			returned++
			mu.Unlock()
		}
	})
	finish := func(err error) (ReplayResult, error) {
		// A refused publish closes the channel: the broker's reason says
		// why, where the client sees only nacks or a closed channel.
		select {
		case e := <-closed:
			if e != nil {
				err = explainClosed(cfg, e)
			}
		default:
		}
		_ = ch.Close()
		wg.Wait()
		res.Returned = returned
		return res, err
	}

	var inflight []*amqp.DeferredConfirmation
	wait := func(dc *amqp.DeferredConfirmation) error {
		ack, err := dc.WaitContext(ctx)
		if err != nil {
			return fmt.Errorf("replay: waiting for the broker's confirm: %w", err)
		}
		if ack {
			res.Confirmed++
		} else {
			res.Nacked++
		}
		return nil
	}

	start := time.Now()
	var first time.Time
	for {
		m, err := cfg.Reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return finish(err)
		}
		if m.Delivery != nil {
			res.Deliveries++
			continue
		}
		if first.IsZero() {
			first = m.Time
		}
		var due time.Time
		switch {
		case cfg.OriginalTiming:
			due = start.Add(m.Time.Sub(first))
		case cfg.Rate > 0:
			due = start.Add(time.Duration(float64(res.Published) / cfg.Rate * float64(time.Second)))
		}
		if d := time.Until(due); !due.IsZero() && d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return finish(ctx.Err())
			}
		}
		pub, err := Publishing(m)
		if err != nil {
			return finish(fmt.Errorf("replay: line %d: %w", m.Seq, err))
		}
		if pub.UserId != "" && pub.UserId != cfg.Endpoint.User {
			pub.UserId = ""
			res.UserIDCleared++
		}
		key := m.RoutingKey
		if cfg.RoutingKey != nil {
			key = *cfg.RoutingKey
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, cfg.Exchange, key, true, false, pub)
		if err != nil {
			return finish(fmt.Errorf("replay: publishing line %d: %w", m.Seq, err))
		}
		res.Published++
		inflight = append(inflight, dc)
		if len(inflight) >= cfg.Window {
			if err := wait(inflight[0]); err != nil {
				return finish(err)
			}
			inflight = inflight[1:]
		}
	}
	for _, dc := range inflight {
		if err := wait(dc); err != nil {
			return finish(err)
		}
	}
	return finish(nil)
}

// Publishing is the AMQP message that republishes m as it was captured.
func Publishing(m tap.Message) (amqp.Publishing, error) {
	p := m.Properties
	headers, err := table(m.Headers)
	if err != nil {
		return amqp.Publishing{}, fmt.Errorf("headers: %w", err)
	}
	return amqp.Publishing{
		Headers:         headers,
		ContentType:     p.ContentType,
		ContentEncoding: p.ContentEncoding,
		DeliveryMode:    p.DeliveryMode,
		Priority:        p.Priority,
		CorrelationId:   p.CorrelationID,
		ReplyTo:         p.ReplyTo,
		Expiration:      p.Expiration,
		MessageId:       p.MessageID,
		Timestamp:       p.Timestamp,
		Type:            p.Type,
		UserId:          p.UserID,
		AppId:           p.AppID,
		Body:            m.Body,
	}, nil
}

func table(h map[string]any) (amqp.Table, error) {
	if h == nil {
		return nil, nil
	}
	t := make(amqp.Table, len(h))
	for k, v := range h {
		av, err := amqpValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		t[k] = av
	}
	return t, nil
}

func amqpValue(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		t, err := table(x)
		if t == nil && err == nil {
			t = amqp.Table{}
		}
		return t, err
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			av, err := amqpValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return out, nil
	case jsonl.Decimal:
		return amqp.Decimal{Scale: x.Scale, Value: x.Value}, nil
	case int:
		return int64(x), nil
	case nil, string, bool, []byte, time.Time, int8, int16, int32, int64,
		uint8, uint16, uint32, float32, float64:
		return v, nil
	}
	return nil, fmt.Errorf("a %T cannot be an AMQP header value", v)
}

// explainClosed says why the broker closed the replay's channel, naming a
// missing permission and the command that grants it.
func explainClosed(cfg ReplayConfig, e *amqp.Error) error {
	target := fmt.Sprintf("exchange %q", cfg.Exchange)
	if cfg.Exchange == "" {
		target = "the default exchange"
	}
	if r := broker.RefusalOf(cfg.Endpoint, "publishing to "+target, e); r != nil {
		return broker.WithNeeds(r, broker.ReplayNeeds(cfg.Exchange))
	}
	return fmt.Errorf("replay: the broker closed the channel: %s", e.Reason)
}
