package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap"
)

// A tapKind is one way of watching the production exchange, measured
// against the others.
type tapKind struct {
	Name  string // short label used in tables
	Label string // what it is, for the report
	start func(ctx context.Context, b *bench) (*runningTap, error)
}

// runningTap is a tap in place: the queues it added (to sample their depth)
// and how to remove it.
type runningTap struct {
	Queues   []string
	Received func() int64
	consumer *consumer // the raw consumer of harness-built taps
	stop     func(ctx context.Context) error
}

func (t *runningTap) Stop(ctx context.Context) error {
	if t == nil || t.stop == nil {
		return nil
	}
	return t.stop(ctx)
}

func tapKinds() []tapKind {
	kinds := []tapKind{{Name: "none", Label: "no tap (baseline)", start: func(context.Context, *bench) (*runningTap, error) { return &runningTap{}, nil }}}
	for _, mode := range tap.AckModes {
		label := "shoveltap shovel tap, ack-mode " + mode
		if mode == "on-publish" {
			label += " (default)"
		}
		kinds = append(kinds, tapKind{Name: "shovel-" + mode, Label: label, start: func(ctx context.Context, b *bench) (*runningTap, error) {
			return startShovelTap(ctx, b, mode)
		}})
	}
	kinds = append(kinds,
		tapKind{Name: "binding", Label: "binding tap: exclusive bounded queue bound to the exchange (what --no-shovel will be; built by the harness)", start: startBindingTap},
		tapKind{Name: "firehose", Label: "firehose: vhost tracing on, bounded queue on amq.rabbitmq.trace publish.<exchange>", start: startFirehoseTap},
	)
	return append(kinds, mirrorKinds()...)
}

// startShovelTap opens a real shoveltap session on the production exchange
// and drains its batches as a minimal reader (as --json would, without
// writing), so the tap runs at full speed.
func startShovelTap(ctx context.Context, b *bench, mode string) (*runningTap, error) {
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}, AckMode: mode})
	if err != nil {
		return nil, fmt.Errorf("opening a shoveltap session (ack-mode %s): %w", mode, err)
	}
	done := make(chan struct{})
	var n countingReader
	go func() {
		defer close(done)
		for bt := range s.Batches() {
			n.add(len(bt.Messages))
		}
	}()
	return &runningTap{
		Queues:   []string{s.Names().SourceQueue(0), s.Names().TapQueue()},
		Received: n.load,
		stop: func(ctx context.Context) error {
			err := s.Close(ctx)
			<-done
			return err
		},
	}, nil
}

// tapQueueArgs are the bounds of shoveltap's own tap queue, so that the
// harness's binding and firehose taps are comparable.
func tapQueueArgs() amqp.Table {
	l := tap.DefaultLimits
	return amqp.Table{
		"x-max-length":       int64(l.MaxLength),
		"x-max-length-bytes": l.MaxBytes,
		"x-overflow":         "drop-head",
		"x-expires":          l.Expires.Milliseconds(),
	}
}

// startQueueTap declares an exclusive bounded queue bound to exchange with
// key and consumes it raw with shoveltap's prefetch and ack cadence.
func startQueueTap(ctx context.Context, b *bench, name, exchange, key string, keepLat bool, gate chan struct{}) (*runningTap, error) {
	return startQueueTapAt(ctx, b, b.url, name, exchange, key, keepLat, gate)
}

// startQueueTapAt is startQueueTap on the broker and vhost of amqpURL.
func startQueueTapAt(ctx context.Context, b *bench, amqpURL, name, exchange, key string, keepLat bool, gate chan struct{}) (*runningTap, error) {
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		return nil, fmt.Errorf("tap connection: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDeclare(name, false, true, true, false, tapQueueArgs())
	}
	if err == nil {
		err = ch.QueueBind(name, key, exchange, false, nil)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("declaring tap queue %s on %s: %w", name, exchange, err)
	}
	c := &consumer{keepLat: keepLat, gate: gate}
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.run(cctx, ch, name, 1000, 50*time.Millisecond) }()
	return &runningTap{
		Queues:   []string{name},
		Received: c.Received.Load,
		consumer: c,
		stop: func(ctx context.Context) error {
			cancel()
			<-done
			_, err := ch.QueueDelete(name, false, false, false)
			conn.Close() // exclusive: the queue goes with the connection anyway
			return err
		},
	}, nil
}

func startBindingTap(ctx context.Context, b *bench) (*runningTap, error) {
	return startQueueTap(ctx, b, b.name("binding-tap"), b.exchange, "#", false, nil)
}

// startFirehoseTap turns tracing on for the benchmark vhost and consumes the
// trace of publishes to the production exchange. Tracing is turned off by
// Stop, and again by the harness's cleanup whatever happens.
func startFirehoseTap(ctx context.Context, b *bench) (*runningTap, error) {
	if err := b.api.setTracing(ctx, b.vhost, true); err != nil {
		return nil, fmt.Errorf("turning tracing on: %w", err)
	}
	t, err := startQueueTap(ctx, b, b.name("firehose-tap"), "amq.rabbitmq.trace", "publish."+b.exchange, false, nil)
	if err != nil {
		_ = b.api.setTracing(context.Background(), b.vhost, false)
		return nil, err
	}
	inner := t.stop
	t.stop = func(ctx context.Context) error {
		err := b.api.setTracing(context.Background(), b.vhost, false)
		if err == nil {
			if on, e := b.api.tracing(context.Background(), b.vhost); e != nil || on {
				err = fmt.Errorf("tracing still on in vhost %s after turning it off (%v)", b.vhost, e)
			}
		}
		if e := inner(ctx); err == nil {
			err = e
		}
		return err
	}
	return t, nil
}

type countingReader struct{ n atomic.Int64 }

func (c *countingReader) add(n int)   { c.n.Add(int64(n)) }
func (c *countingReader) load() int64 { return c.n.Load() }
