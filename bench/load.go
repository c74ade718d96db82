package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Message layout, as RabbitMQ's PerfTest writes it: bytes 0–3 a sequence
// number, bytes 4–11 the send time in big-endian Unix nanoseconds, so any
// consumer can compute latency. The rest is padding up to the size.
const stampLen = 12

func stamp(body []byte, seq uint32, at time.Time) {
	binary.BigEndian.PutUint32(body[0:4], seq)
	binary.BigEndian.PutUint64(body[4:12], uint64(at.UnixNano()))
}

// sentAt reads the send time of a stamped body; ok is false for anything
// else (e.g. shoveltap's own heartbeats), recognised by a stamp that is
// not within the last hour.
func sentAt(body []byte) (time.Time, bool) {
	if len(body) < stampLen {
		return time.Time{}, false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(body[4:12])))
	if now := time.Now(); at.Before(now.Add(-time.Hour)) || at.After(now.Add(time.Minute)) {
		return time.Time{}, false
	}
	return at, true
}

// pubSpec is one publishing run.
type pubSpec struct {
	Exchange, Key string
	Size          int
	Rate          float64 // messages per second; 0 means as fast as possible
	Confirms      bool
	Window        int   // unconfirmed messages allowed in flight (unlimited mode)
	Count         int64 // stop after this many (0: run until ctx ends)
	KeepLatency   bool  // record confirm latencies
	SeqKeys       bool  // routing key Key.<seq>, so a row can be found on screen
	KeyMod        int   // routing key Key.<seq mod KeyMod>, so a tap can take one key in KeyMod
	// Body, when set, makes each message's body (and ContentType its
	// content type) instead of a stamped one of Size bytes. A function
	// does not cross to a publisher process (publishApart): in-process only.
	Body        func(dst []byte, seq uint32, at time.Time) []byte `json:"-"`
	ContentType string
}

type pubResult struct {
	Sent, Confirmed, Nacked int64
	Elapsed                 time.Duration
	ConfirmLat              []time.Duration
}

func (r pubResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	n := r.Sent
	if r.Confirmed > 0 {
		n = r.Confirmed
	}
	return float64(n) / r.Elapsed.Seconds()
}

// publish sends stamped messages on its own connection until ctx ends or
// Count is reached, then waits (briefly) for outstanding confirms.
func publish(ctx context.Context, url string, spec pubSpec) (pubResult, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return pubResult{}, fmt.Errorf("publisher: connecting: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return pubResult{}, fmt.Errorf("publisher: opening a channel: %w", err)
	}
	if spec.Window <= 0 {
		spec.Window = 1000
	}
	var (
		res               pubResult
		confirmed, nacked atomic.Int64
		mu                sync.Mutex
		sendAt            []time.Time // by delivery tag − 1
		slots             chan struct{}
		confDone          = make(chan struct{})
	)
	if spec.Confirms {
		if err := ch.Confirm(false); err != nil {
			return pubResult{}, fmt.Errorf("publisher: enabling confirms: %w", err)
		}
		slots = make(chan struct{}, spec.Window)
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, spec.Window))
		go func() {
			defer close(confDone)
			for c := range confirms {
				now := time.Now()
				if c.Ack {
					confirmed.Add(1)
				} else {
					nacked.Add(1)
				}
				if spec.KeepLatency {
					mu.Lock()
					if i := int(c.DeliveryTag) - 1; i >= 0 && i < len(sendAt) {
						res.ConfirmLat = append(res.ConfirmLat, now.Sub(sendAt[i]))
					}
					mu.Unlock()
				}
				<-slots
			}
		}()
	}

	body := make([]byte, max(spec.Size, stampLen))
	start := time.Now()
	var seq uint32
	for ctx.Err() == nil && (spec.Count == 0 || res.Sent < spec.Count) {
		if spec.Rate > 0 {
			due := start.Add(time.Duration(float64(res.Sent) / spec.Rate * float64(time.Second)))
			// Sleep only when more than a millisecond ahead: timers are
			// coarser than 100 µs, so high rates go out in small bursts.
			if d := time.Until(due); d > time.Millisecond {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					continue
				}
			}
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				continue
			}
		}
		seq++
		now := time.Now()
		if spec.Body != nil {
			body = spec.Body(body[:0], seq, now)
		} else {
			stamp(body, seq, now)
		}
		if spec.KeepLatency {
			mu.Lock()
			sendAt = append(sendAt, now)
			mu.Unlock()
		}
		key := spec.Key
		switch {
		case spec.SeqKeys:
			key += "." + strconv.FormatUint(uint64(seq), 10)
		case spec.KeyMod > 0:
			key += "." + strconv.Itoa(int(seq)%spec.KeyMod)
		}
		contentType := "application/octet-stream"
		if spec.ContentType != "" {
			contentType = spec.ContentType
		}
		err := ch.Publish(spec.Exchange, key, false, false, amqp.Publishing{Body: body, ContentType: contentType})
		if err != nil {
			return res, fmt.Errorf("publisher: publishing: %w", err)
		}
		res.Sent++
	}
	res.Elapsed = time.Since(start)
	if slots != nil {
		// Let the last confirms arrive: fill every slot, or give up.
		deadline := time.After(5 * time.Second)
	wait:
		for range spec.Window {
			select {
			case slots <- struct{}{}:
			case <-deadline:
				break wait
			}
		}
		ch.Close()
		<-confDone
		res.Confirmed, res.Nacked = confirmed.Load(), nacked.Load()
		if spec.Count > 0 {
			res.Elapsed = time.Since(start)
		}
	}
	return res, nil
}

// consumer is a raw amqp091-go consumer with shoveltap's settings: bounded
// prefetch, manual acknowledgements sent in batches on a tick (multiple).
type consumer struct {
	Received atomic.Int64
	mu       sync.Mutex
	lat      []time.Duration
	keepLat  bool
	last     atomic.Int64 // unix nanos of the last delivery
	// ackedCPU is this process's CPU time (ns) right after the last ack
	// that followed new deliveries: read on the ack tick, not per message.
	ackedCPU atomic.Int64
	// gate, when not nil, holds the consumer's reading of its deliveries
	// back until it is closed, so a backlog can be built first. The
	// consumer is registered before: as shoveltap's session, whose UI alone
	// is held, it takes up to its prefetch while the backlog is built.
	gate chan struct{}
}

func (c *consumer) latencies() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.lat...)
}

// run consumes queue on ch until ctx ends or the channel closes.
func (c *consumer) run(ctx context.Context, ch *amqp.Channel, queue string, prefetch int, tick time.Duration) error {
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return fmt.Errorf("consumer: setting prefetch: %w", err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consumer: consuming %q: %w", queue, err)
	}
	if c.gate != nil {
		// The client takes deliveries in (up to the prefetch) and holds
		// them until they are read.
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil
		}
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	var lastTag, acked uint64
	ack := func() bool {
		if err := ch.Ack(lastTag, true); err != nil {
			return false
		}
		acked = lastTag
		c.ackedCPU.Store(int64(processCPU()))
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case d, ok := <-deliveries:
			if !ok {
				return nil
			}
			now := time.Now()
			lastTag = d.DeliveryTag
			// As shoveltap's session does: acknowledge on the tick, or
			// as soon as half the prefetch waits, so that the prefetch
			// never caps the rate at prefetch per tick.
			if lastTag-acked >= uint64(max(prefetch/2, 1)) && !ack() {
				return nil
			}
			c.Received.Add(1)
			c.last.Store(now.UnixNano())
			if c.keepLat {
				if at, ok := sentAt(d.Body); ok {
					c.mu.Lock()
					c.lat = append(c.lat, now.Sub(at))
					c.mu.Unlock()
				}
			}
		case <-t.C:
			if lastTag > acked && !ack() {
				return nil
			}
		}
	}
}

// waitQuiet waits until count has not changed for quiet, or max passes.
func waitQuiet(ctx context.Context, count func() int64, quiet, maxWait time.Duration) {
	deadline := time.Now().Add(maxWait)
	last, since := count(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if n := count(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}
