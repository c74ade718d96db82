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
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// ReplayOptions say where and how fast a capture is republished.
type ReplayOptions struct {
	Exchange string // "" is the default exchange: the routing key names the queue
	// RoutingKey, when not nil, replaces every message's routing key.
	RoutingKey *string
	// Rate is messages per second; 0 publishes as fast as confirms allow.
	Rate float64
	// OriginalTiming keeps the gaps between the messages as captured.
	OriginalTiming bool
	// User is the user the connection is made as: a user_id property that
	// names another user is cleared, since the broker would refuse it.
	User string
	// Window is how many unconfirmed messages may be in flight (256 if 0).
	Window int
}

// ReplayResult counts what happened.
type ReplayResult struct {
	Published int // handed to the broker
	Confirmed int // acknowledged by the broker (returned ones included)
	Nacked    int // refused by the broker
	Returned  int // unroutable: no queue was bound to take them
	// UserIDCleared counts messages whose user_id named another user.
	UserIDCleared int
}

func (r ReplayResult) String() string {
	return fmt.Sprintf("published %d, confirmed %d, nacked %d, returned unroutable %d",
		r.Published, r.Confirmed, r.Nacked, r.Returned)
}

// Replay publishes every message rd reads to opts.Exchange on ch, with
// its properties, headers and body as captured, mandatory and with
// publisher confirms. It closes ch when done, to collect the last returns.
func Replay(ctx context.Context, ch *amqp.Channel, rd *Reader, opts ReplayOptions) (ReplayResult, error) {
	var res ReplayResult
	if opts.Window <= 0 {
		opts.Window = 256
	}
	if err := ch.Confirm(false); err != nil {
		return res, fmt.Errorf("replay: turning on publisher confirms: %w", err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 64))
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
	for i := 0; ; i++ {
		m, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return finish(err)
		}
		if first.IsZero() {
			first = m.Time
		}
		var due time.Time
		switch {
		case opts.OriginalTiming:
			due = start.Add(m.Time.Sub(first))
		case opts.Rate > 0:
			due = start.Add(time.Duration(float64(i) / opts.Rate * float64(time.Second)))
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
		if pub.UserId != "" && pub.UserId != opts.User {
			pub.UserId = ""
			res.UserIDCleared++
		}
		key := m.RoutingKey
		if opts.RoutingKey != nil {
			key = *opts.RoutingKey
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, opts.Exchange, key, true, false, pub)
		if err != nil {
			return finish(fmt.Errorf("replay: publishing line %d: %w", m.Seq, err))
		}
		res.Published++
		inflight = append(inflight, dc)
		if len(inflight) >= opts.Window {
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
