package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// setupProduction declares the "production" topic exchange and a normal
// consumer's queue bound to it, consumed for the whole run.
func (b *bench) setupProduction(ctx context.Context) error {
	conn, err := amqp.Dial(b.url)
	if err != nil {
		return fmt.Errorf("connecting to the benchmark vhost: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.ExchangeDeclare(b.exchange, "topic", false, false, false, false, nil)
	}
	if err == nil {
		// Bounded so that an unlimited publisher cannot fill the box's
		// memory if the consumer falls behind. Durable, as production
		// queues are and as a hardened RabbitMQ 4 requires (its messages
		// are transient, so nothing goes to disk).
		_, err = ch.QueueDeclare(b.prodQ, true, false, false, false, amqp.Table{"x-max-length": int64(200_000)})
	}
	if err == nil {
		err = ch.QueueBind(b.prodQ, "order.#", b.exchange, false, nil)
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("declaring the production exchange and queue: %w", err)
	}
	c := &consumer{}
	go func() {
		defer conn.Close()
		_ = c.run(ctx, ch, b.prodQ, 1000, 10*time.Millisecond)
	}()
	return nil
}

// sampler samples the broker while a run lasts: CPU time of its process,
// node memory, and the depth of the queues a tap added.
type sampler struct {
	b       *bench
	queues  []string
	ticks0  int64
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	memMax  int64
	depth   map[string]int64
	samples int
}

func (b *bench) sample(queues []string) *sampler {
	s := &sampler{b: b, queues: queues, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{}), depth: map[string]int64{}}
	s.ticks0, _ = cpuTicks(b.pid)
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if n, err := s.b.api.node(ctx, s.b.node); err == nil {
			s.mu.Lock()
			s.memMax = max(s.memMax, n.MemUsed)
			s.mu.Unlock()
		}
		if qs, err := s.b.api.queues(ctx, s.b.vhost); err == nil {
			s.mu.Lock()
			for _, q := range qs {
				for _, want := range s.queues {
					if q.Name == want {
						s.depth[q.Name] = max(s.depth[q.Name], q.Messages)
					}
				}
			}
			s.samples++
			s.mu.Unlock()
		}
		cancel()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// finish stops sampling and returns broker CPU (% of one core), the highest
// node memory (MB) and the deepest each tap queue got.
func (s *sampler) finish() (cpu, memMB float64, depth int64) {
	close(s.stop)
	<-s.done
	ticks, err := cpuTicks(s.b.pid)
	if err == nil {
		cpu = float64(ticks-s.ticks0) / 100 / time.Since(s.start).Seconds() * 100
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.depth {
		depth = max(depth, d)
	}
	return cpu, float64(s.memMax) / (1 << 20), depth
}

// deepest is the deepest that any sampled queue whose name matches got.
func (s *sampler) deepest(match func(string) bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d int64
	for q, n := range s.depth {
		if match(q) {
			d = max(d, n)
		}
	}
	return d
}

// prodRow is one production measurement.
type prodRow struct {
	Rep        int     `json:"rep"`
	Tap        string  `json:"tap"`
	Size       int     `json:"size_bytes"`
	TargetRate float64 `json:"target_rate"` // 0 = unlimited
	PubRate    float64 `json:"publish_rate"`
	ConfirmP50 float64 `json:"confirm_p50_ms"`
	ConfirmP99 float64 `json:"confirm_p99_ms"`
	TapRecv    int64   `json:"tap_received"`
	Published  int64   `json:"published"`
	BrokerCPU  float64 `json:"broker_cpu_pct"`
	BrokerMem  float64 `json:"broker_mem_max_mb"`
	TapDepth   int64   `json:"tap_queue_depth_max"`
}

// runProduction alternates the tap kinds, A B C … A B C …, each repetition
// measuring unlimited throughput then the fixed rates for every size.
func (b *bench) runProduction(ctx context.Context) error {
	kinds := tapKinds()
	for _, k := range kinds {
		b.res.Taps = append(b.res.Taps, tapInfo{k.Name, k.Label})
	}
	for rep := 1; rep <= b.plan.reps; rep++ {
		for _, k := range kinds {
			if err := b.productionRep(ctx, rep, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bench) productionRep(ctx context.Context, rep int, k tapKind) error {
	t, err := k.start(ctx, b)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := t.Stop(sctx); err != nil {
			log.Printf("bench: removing tap %s: %v", k.Name, err)
		}
	}()
	time.Sleep(300 * time.Millisecond) // let the tap settle (shovel connected)
	type cell struct {
		size int
		rate float64
		dur  time.Duration
	}
	var cells []cell
	for _, size := range b.plan.sizes {
		cells = append(cells, cell{size, 0, b.plan.unlimited})
	}
	for _, size := range b.plan.sizes {
		for _, rate := range b.plan.rates {
			cells = append(cells, cell{size, rate, b.plan.fixed})
		}
	}
	for _, c := range cells {
		recv0 := int64(0)
		if t.Received != nil {
			recv0 = t.Received()
		}
		s := b.sample(t.Queues)
		rctx, cancel := context.WithTimeout(ctx, c.dur)
		res, err := publish(rctx, b.url, pubSpec{Exchange: b.exchange, Key: "order.created", Size: c.size, Rate: c.rate, Confirms: true, Window: 1000, KeepLatency: true})
		cancel()
		cpu, mem, depth := s.finish()
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		row := prodRow{Rep: rep, Tap: k.Name, Size: c.size, TargetRate: c.rate, PubRate: res.Rate(),
			ConfirmP50: percentile(res.ConfirmLat, 50), ConfirmP99: percentile(res.ConfirmLat, 99),
			Published: res.Sent, BrokerCPU: cpu, BrokerMem: mem, TapDepth: depth}
		// Let the tap catch up, so the next cell starts from empty queues.
		if t.Received != nil {
			waitQuiet(ctx, t.Received, 500*time.Millisecond, 5*time.Second)
			row.TapRecv = t.Received() - recv0
		}
		b.res.Production = append(b.res.Production, row)
		log.Printf("bench: rep %d %-20s %5d B rate %6.0f → %8.0f msg/s, confirm p50 %.2f p99 %.2f ms, tap got %d, broker cpu %.0f%%",
			rep, k.Name, c.size, c.rate, row.PubRate, row.ConfirmP50, row.ConfirmP99, row.TapRecv, cpu)
	}
	return nil
}
