package tap_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestDeliveriesNameTheConsumerAndTheMessage taps a queue with its
// deliveries: every delivery of a tapped queue comes as a message of its
// own, naming the consumer's connection and channel and the published
// message it delivers; a requeued message comes again, redelivered, linked
// to the same publish; two identical messages are linked in queue order;
// a message published before the tap is delivered unlinked; another
// queue's deliveries stay out.
func TestDeliveriesNameTheConsumerAndTheMessage(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	for _, q := range []string{"work", "other"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	taptest.Publish(t, ch, "", "work", amqp.Publishing{Body: []byte("before the tap")})
	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: "work"}}, Firehose: true, Deliveries: true, Reconnect: true, Host: "it-deliveries"})

	bodies := []string{"a", "b", "same", "same"}
	for i, b := range bodies {
		taptest.Publish(t, ch, "", "work", amqp.Publishing{CorrelationId: fmt.Sprint("c", i%3), Body: []byte(b)})
	}
	taptest.Publish(t, ch, "", "other", amqp.Publishing{Body: []byte("other")})
	published := collect(t, s, len(bodies), 10*time.Second)
	for i, m := range published {
		if m.Delivery != nil || string(m.Body) != bodies[i] {
			t.Fatalf("publish %d: %s delivery %+v", i, taptest.Describe(m), m.Delivery)
		}
	}

	// A worker: the message from before the tap, then "a" rejected back
	// to the queue, delivered again, and acknowledged with the rest.
	worker := taptest.Channel(t, ep)
	other := taptest.Channel(t, ep)
	if _, err := other.Consume("other", "", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	ds, err := worker.Consume("work", "worker-1", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected := false
	for acked := 0; acked < 5; {
		select {
		case d := <-ds:
			if string(d.Body) == "a" && !rejected {
				rejected = true
				_ = d.Nack(false, true)
				continue
			}
			_ = d.Ack(false)
			acked++
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not get every message")
		}
	}
	got := collect(t, s, 6, 10*time.Second)
	// The queue hands out its messages in order; the requeued one comes
	// again when the broker redelivers it.
	var seen []string
	for i, m := range got {
		d := m.Delivery
		if d == nil {
			t.Errorf("message %d is not a delivery: %s", i, taptest.Describe(m))
			continue
		}
		seen = append(seen, fmt.Sprintf("%s of #%d redelivered %v", m.Body, d.Of, d.Redelivered))
		if d.Queue != "work" || d.Channel != 1 || d.User != ep.User || !strings.Contains(d.Connection, "->") || d.Node == "" ||
			m.Source != "queue work (firehose)" || m.RoutingKey != "work" {
			t.Errorf("delivery %d: %+v from %q, routing key %q", i, d, m.Source, m.RoutingKey)
		}
	}
	slices.Sort(seen)
	wants := []string{
		fmt.Sprintf("a of #%d redelivered false", published[0].Seq),
		fmt.Sprintf("a of #%d redelivered true", published[0].Seq),
		fmt.Sprintf("b of #%d redelivered false", published[1].Seq),
		"before the tap of #0 redelivered false",
		fmt.Sprintf("same of #%d redelivered false", published[2].Seq),
		fmt.Sprintf("same of #%d redelivered false", published[3].Seq),
	}
	if !slices.Equal(seen, wants) {
		t.Errorf("deliveries:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(wants, "\n"))
	}
	for _, b := range drain(s, 2*time.Second) {
		for _, m := range b.Messages {
			t.Errorf("extra message %s (delivery %+v)", taptest.Describe(m), m.Delivery)
		}
	}
}

// TestDeliveriesNeedTheFirehose: --deliveries alone is refused before
// anything is created.
func TestDeliveriesNeedTheFirehose(t *testing.T) {
	ep := taptest.Endpoint(t)
	_, err := tap.Open(context.Background(), tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: "work"}}, Deliveries: true, Host: "it-deliveries"})
	if err == nil || !strings.Contains(err.Error(), "add --firehose") {
		t.Fatalf("err %v", err)
	}
}
