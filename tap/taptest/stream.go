package taptest

import (
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Stream declares a throwaway stream (durable, as every stream is, so valid
// on every broker version) with extra arguments, deleted when the test
// ends.
func Stream(t testing.TB, ep broker.Endpoint, args amqp.Table) string {
	t.Helper()
	name := Name("stream")
	all := amqp.Table{"x-queue-type": "stream"}
	for k, v := range args {
		all[k] = v
	}
	ch := Channel(t, ep)
	if _, err := ch.QueueDeclare(name, true, false, false, false, all); err != nil {
		t.Fatalf("declaring stream %s: %v", name, err)
	}
	rh := Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, name) })
	return name
}

// PublishConfirmed publishes one message per body to exchange with key and
// waits until the broker confirmed every one.
func PublishConfirmed(t testing.TB, ep broker.Endpoint, exchange, key string, bodies []string) {
	t.Helper()
	ch := Channel(t, ep)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, len(bodies)+1))
	for _, b := range bodies {
		if err := ch.Publish(exchange, key, false, false, amqp.Publishing{Body: []byte(b), DeliveryMode: amqp.Persistent}); err != nil {
			t.Fatalf("publishing to %s/%s: %v", exchange, key, err)
		}
	}
	for range bodies {
		select {
		case c := <-confirms:
			if !c.Ack {
				t.Fatalf("the broker nacked publish %d", c.DeliveryTag)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no confirm from the broker")
		}
	}
}

// Bodies is "prefix/from" … "prefix/to-1".
func Bodies(prefix string, from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s/%d", prefix, i))
	}
	return out
}

// StreamEntry is one message of a stream as a plain reader sees it.
type StreamEntry struct {
	Offset int64
	Body   string
}

// ReadStream reads a stream from offset spec from (as x-stream-offset
// takes it) with a consumer of its own until it has been idle for idle,
// and returns what it read in order.
func ReadStream(t testing.TB, ep broker.Endpoint, name string, from any, idle time.Duration) []StreamEntry {
	t.Helper()
	conn, err := amqp.Dial(ep.AMQP.String())
	if err != nil {
		t.Fatalf("connecting to the test broker: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(500, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(name, "", false, false, false, false, amqp.Table{"x-stream-offset": from})
	if err != nil {
		t.Fatalf("reading stream %s: %v", name, err)
	}
	var out []StreamEntry
	for {
		select {
		case d := <-ds:
			off, _ := d.Headers["x-stream-offset"].(int64)
			out = append(out, StreamEntry{Offset: off, Body: string(d.Body)})
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(idle):
			return out
		}
	}
}
