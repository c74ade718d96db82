// Command demogen is the traffic generator of `make demo`: it publishes a
// steady mix of realistic messages (JSON order events, Celery protocol 2
// tasks, plain text, binary) to a topic exchange, and runs the "production"
// consumer of a queue bound to it, so a tap has something to show and
// something not to disturb.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	url := flag.String("url", "amqp://guest:guest@localhost:5672/", "broker to publish to")
	exchange := flag.String("exchange", "demo.orders", "topic exchange to publish to (declared if missing)")
	rate := flag.Float64("rate", 20, "messages per second")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, *url, *exchange, *rate); err != nil {
		log.Fatalf("demogen: %v", err)
	}
}

func run(ctx context.Context, url, exchange string, rate float64) error {
	conn, err := amqp.Dial(url)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	// Auto-delete: the exchange goes with the demo's own queue (itself
	// auto-delete) when the generator stops, leaving the broker as it was.
	if err := ch.ExchangeDeclare(exchange, "topic", false, true, false, false, nil); err != nil {
		return fmt.Errorf("declaring exchange %q: %w", exchange, err)
	}
	// The production side: a bounded queue with its own consumer.
	q := exchange + ".billing"
	if _, err := ch.QueueDeclare(q, false, true, false, false, amqp.Table{"x-max-length": int32(10000)}); err != nil {
		return err
	}
	if err := ch.QueueBind(q, "order.#", exchange, false, nil); err != nil {
		return err
	}
	deliveries, err := ch.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		return err
	}
	go func() {
		for range deliveries {
		}
	}()

	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		key, msg := message(n)
		if err := ch.PublishWithContext(ctx, exchange, key, false, false, msg); err != nil {
			return fmt.Errorf("publishing: %w", err)
		}
	}
}

var customers = []string{"ada", "grace", "linus", "ken", "barbara", "edsger"}

// message returns the n-th demo message and its routing key.
func message(n int) (string, amqp.Publishing) {
	now := time.Now()
	switch n % 10 {
	case 3:
		id := fmt.Sprintf("%08x-4b1d-4c4e-9f00-%012x", rand.Uint32(), n)
		args := []any{n, rand.IntN(5000)}
		kwargs := map[string]any{"currency": "EUR"}
		body, _ := json.Marshal([]any{args, kwargs, map[string]any{"callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil}})
		return "order.task.charge", amqp.Publishing{
			ContentType: "application/json", ContentEncoding: "utf-8", CorrelationId: id, Timestamp: now,
			Headers: amqp.Table{
				"lang": "py", "task": "billing.charge_card", "id": id, "root_id": id, "parent_id": nil,
				"group": nil, "retries": int32(0), "eta": nil, "expires": nil, "origin": "gen@demo",
				"argsrepr": fmt.Sprintf("(%d, %d)", args...), "kwargsrepr": "{'currency': 'EUR'}",
			},
			Body: body,
		}
	case 6:
		return "audit.text", amqp.Publishing{ContentType: "text/plain", Timestamp: now,
			Body: []byte(fmt.Sprintf("%s user %s signed in from 10.0.%d.%d", now.Format(time.RFC3339), customers[n%len(customers)], n%256, (n*7)%256))}
	case 9:
		b := make([]byte, 48)
		for i := range b {
			b[i] = byte(rand.IntN(256))
		}
		return "metrics.raw", amqp.Publishing{ContentType: "application/octet-stream", Timestamp: now, Body: b}
	}
	events := []string{"created", "paid", "shipped"}
	ev := events[n%len(events)]
	body, _ := json.Marshal(map[string]any{
		"order_id": 1000 + n, "customer": customers[n%len(customers)], "event": ev,
		"items": []map[string]any{{"sku": fmt.Sprintf("SKU-%03d", n%97), "qty": 1 + n%3}},
		"total": float64(n%500) + 0.99, "at": now.UTC().Format(time.RFC3339Nano),
	})
	return "order." + ev, amqp.Publishing{ContentType: "application/json", DeliveryMode: 2, Timestamp: now,
		MessageId: fmt.Sprintf("msg-%d", n), AppId: "shop", Headers: amqp.Table{"tenant": "eu-1"}, Body: body}
}
