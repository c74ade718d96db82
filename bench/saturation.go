package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The saturation part measures what each way of tapping costs a publisher
// that keeps the broker busy (confirms on, up to 1000 unconfirmed in
// flight) and how much of the stream each one shows: shoveltap as people
// run it (its own process printing JSON lines, read through a pipe), with
// and without a shovel, with a production budget, with the shovel's
// settings varied; and the peer, rabtap, on the same work. Kinds alternate
// within each repetition, against a no-tap baseline of the same repetition.

// satKind is one way of tapping in the saturation part.
type satKind struct {
	Name  string
	Label string
	Group string // "peer": shoveltap against rabtap and the budget; "shovel": the shovel's settings
	// argv is the tap's command line; nil for no tap.
	argv func(e *satEnv) []string
}

// satEnv is what the kinds' command lines need.
type satEnv struct {
	b         *bench
	shoveltap string
	rabtap    string // "" when it could not be built
	api       string
	keyMod    int // the publisher's routing keys are order.<n mod keyMod>
	budget    int // --max-rate of the budget kinds
}

func (e *satEnv) shoveltapArgs(extra ...string) []string {
	return append([]string{e.shoveltap, "--url", e.b.url, "--api", e.api, "--exchange", e.b.exchange, "--json"}, extra...)
}

func satKinds() []satKind {
	st := func(name, label, group string, extra func(e *satEnv) []string) satKind {
		return satKind{Name: name, Label: label, Group: group, argv: func(e *satEnv) []string {
			var more []string
			if extra != nil {
				more = extra(e)
			}
			return e.shoveltapArgs(more...)
		}}
	}
	fixed := func(args ...string) func(*satEnv) []string { return func(*satEnv) []string { return args } }
	return []satKind{
		{Name: "none", Label: "no tap (baseline)", Group: "all"},
		st("shoveltap", "`shoveltap --json`: the default shovel tap", "all", nil),
		st("shoveltap-no-shovel", "`shoveltap --no-shovel --json`: its exclusive queue bound to the exchange", "all", fixed("--no-shovel")),
		st("shoveltap-max-rate", "`shoveltap --max-rate N --json`: the shovel tap with a production budget", "peer", func(e *satEnv) []string {
			return []string{"--max-rate", strconv.Itoa(e.budget)}
		}),
		st("shoveltap-max-rate-no-shovel", "`shoveltap --no-shovel --max-rate N --json`", "peer", func(e *satEnv) []string {
			return []string{"--no-shovel", "--max-rate", strconv.Itoa(e.budget)}
		}),
		st("shoveltap-1-in-k", "`shoveltap --key order.0 --json`: a shovel tap of about N a second from the start (one routing key in k), the cost the budget aims at", "peer", func(*satEnv) []string {
			return []string{"--key", "order.0"}
		}),
		{Name: "rabtap", Label: "rabtap " + peerVersion + " `tap EXCHANGE:# --format json-nopp`", Group: "peer", argv: func(e *satEnv) []string {
			if e.rabtap == "" {
				return nil
			}
			return []string{e.rabtap, "tap", "--uri", e.b.url, e.b.exchange + ":#", "--format", "json-nopp"}
		}},
		st("shovel-amqp091", "shovel tap, `--shovel-protocol amqp091` (what auto picks before RabbitMQ 4.2)", "shovel", fixed("--shovel-protocol", "amqp091")),
		st("shovel-on-publish", "shovel tap, `--ack-mode on-publish`", "shovel", fixed("--ack-mode", "on-publish")),
		st("shovel-prefetch-100", "shovel tap, `--shovel-prefetch 100`", "shovel", fixed("--shovel-prefetch", "100")),
		st("shovel-prefetch-5000", "shovel tap, `--shovel-prefetch 5000`", "shovel", fixed("--shovel-prefetch", "5000")),
		st("shovel-on-confirm", "shovel tap, `--ack-mode on-confirm`", "shovel", fixed("--ack-mode", "on-confirm")),
		st("shovel-no-ack", "shovel tap, `--ack-mode no-ack`", "shovel", fixed("--ack-mode", "no-ack")),
	}
}

// satRow is one saturation measurement.
type satRow struct {
	Rep        int     `json:"rep"`
	Tap        string  `json:"tap"`
	Size       int     `json:"size_bytes"`
	TargetRate float64 `json:"target_rate,omitempty"` // 0: as fast as confirms allow
	Seconds    float64 `json:"seconds"`
	PubRate    float64 `json:"publish_rate"`
	Published  int64   `json:"published"`
	ConfirmP99 float64 `json:"confirm_p99_ms"`
	// ShownAtStop is what the tap had printed when the publisher
	// stopped; Shown what it printed by the time the harness stopped
	// waiting (output quiet for a second, or Drain seconds after).
	ShownAtStop int64   `json:"shown_at_stop"`
	Shown       int64   `json:"shown"`
	Drain       float64 `json:"drain_seconds"`
	Drained     bool    `json:"drained"`
	// LeftQueued is what the tap's queues still held then.
	LeftQueued int64   `json:"left_queued"`
	BrokerCPU  float64 `json:"broker_cpu_pct"`
	TapCPU     float64 `json:"tap_cpu_pct"`
	TapDepth   int64   `json:"tap_queue_depth_max"`
	// SourceDepth is the deepest shoveltap's source queue got (the
	// shovel fell behind); TapDepth covers every queue of the tap.
	SourceDepth int64 `json:"source_queue_depth_max"`
	// Gaps and MissedEstimate sum shoveltap's gap fields (--max-rate).
	Gaps           int64 `json:"gaps,omitempty"`
	MissedEstimate int64 `json:"missed_estimate,omitempty"`
	// Holes is what the publisher's sequence numbers say the marked gaps
	// really missed.
	Holes int64 `json:"holes,omitempty"`
}

// satInfo is the saturation part's setting, for the report.
type satInfo struct {
	Budget  int               `json:"budget"`
	KeyMod  int               `json:"key_mod"`
	Calib   float64           `json:"calibration_rate"`
	For     time.Duration     `json:"publish_for_ns"`
	Drain   time.Duration     `json:"drain_max_ns"`
	Kinds   []tapInfo         `json:"kinds"`
	Groups  map[string]string `json:"groups"`
	PeerErr string            `json:"peer_error,omitempty"`
}

func (b *bench) runSaturation(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "shoveltap-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e := &satEnv{b: b, api: b.ep.API, budget: b.plan.satBudget}
	if e.shoveltap, err = buildShoveltap(ctx, dir); err != nil {
		return err
	}
	info := &satInfo{Budget: e.budget, For: b.plan.satFor, Drain: b.plan.satDrain, Groups: map[string]string{}}
	if e.rabtap, err = buildPeer(ctx); err != nil {
		log.Printf("bench: rabtap not measured: %v", err)
		info.PeerErr = err.Error()
		b.res.Skipped = append(b.res.Skipped, "rabtap "+peerVersion+": "+err.Error())
	}
	// The keys split the traffic in k, so that one key carries about
	// the budget's rate: the cost of tapping that much from the start.
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	calib, err := publish(cctx, b.url, pubSpec{Exchange: b.exchange, Key: "order.created", Size: 100, Confirms: true, Window: 1000})
	cancel()
	if err != nil {
		return err
	}
	info.Calib = calib.Rate()
	e.keyMod = max(2, int(calib.Rate()/float64(e.budget)+0.5))
	info.KeyMod = e.keyMod
	var kinds []satKind
	for _, k := range satKinds() {
		if b.plan.satKinds == nil || b.plan.satKinds[k.Name] {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		if k.Name == "rabtap" && e.rabtap == "" {
			continue
		}
		info.Kinds = append(info.Kinds, tapInfo{k.Name, k.Label})
		info.Groups[k.Name] = k.Group
	}
	b.res.SaturationInfo = info
	log.Printf("bench: saturation: calibration %.0f msg/s, keys order.<n mod %d>, budget %d/s", calib.Rate(), e.keyMod, e.budget)
	for rep := 1; rep <= b.plan.reps; rep++ {
		for _, k := range rotated(kinds, rep-1) {
			if k.argv != nil && k.argv(e) == nil {
				continue // rabtap could not be built
			}
			row, err := b.saturationRun(ctx, e, rep, k)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("%s: %w", k.Name, err)
			}
			b.res.Saturation = append(b.res.Saturation, row)
			log.Printf("bench: rep %d %-28s → %6.0f msg/s, shown %5.1f %% at stop, %5.1f %% in the end (%d left queued), tap cpu %3.0f%%, broker cpu %3.0f%%",
				rep, k.Name, row.PubRate, share(row.ShownAtStop, row.Published), share(row.Shown, row.Published), row.LeftQueued, row.TapCPU, row.BrokerCPU)
		}
	}
	return nil
}

func share(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// saturationRun measures one kind once: start the tap, wait until it shows
// a probe, publish as fast as confirms allow, then wait for the tap to
// finish showing what it got.
func (b *bench) saturationRun(ctx context.Context, e *satEnv, rep int, k satKind) (satRow, error) {
	row := satRow{Rep: rep, Tap: k.Name, Size: 100, TargetRate: b.plan.satRate}
	if err := b.settle(ctx, 60*time.Second); err != nil {
		return row, err
	}
	var p *tapProc
	if k.argv != nil {
		var err error
		if p, err = startTapProc(k.Name, k.argv(e)); err != nil {
			return row, err
		}
		defer func() {
			if p != nil {
				_ = p.stop(20 * time.Second)
			}
		}()
		if err := b.waitShowing(ctx, p, 30*time.Second); err != nil {
			return row, err
		}
	}
	queues, err := b.tapQueues(ctx)
	if err != nil {
		return row, err
	}
	var shown0, missed0, gaps0, holes0, ticks0 int64
	if p != nil {
		shown0, missed0, gaps0, holes0 = p.lines.Load(), p.missed.Load(), p.gaps.Load(), p.holes.Load()
		ticks0, _ = cpuTicks(p.pid())
	}
	s := b.sample(queues)
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, b.plan.satFor)
	res, err := publish(rctx, b.url, pubSpec{Exchange: b.exchange, Key: "order", KeyMod: e.keyMod, Size: row.Size, Rate: b.plan.satRate, Confirms: true, Window: 1000, KeepLatency: true})
	cancel()
	if err != nil {
		s.finish()
		return row, err
	}
	row.Seconds = res.Elapsed.Seconds()
	row.PubRate, row.Published, row.ConfirmP99 = res.Rate(), res.Sent, percentile(res.ConfirmLat, 99)
	if p != nil {
		row.ShownAtStop = p.lines.Load() - shown0
		if ticks, err := cpuTicks(p.pid()); err == nil {
			row.TapCPU = float64(ticks-ticks0) / time.Since(start).Seconds()
		}
	}
	row.BrokerCPU, _, row.TapDepth = s.finish()
	row.SourceDepth = s.deepest(func(q string) bool { return strings.Contains(q, "-src") })
	if p == nil {
		return row, nil
	}
	stopped := time.Now()
	row.Drained = p.waitQuietLines(ctx, time.Second, b.plan.satDrain)
	row.Drain = time.Since(stopped).Seconds()
	row.Shown = p.lines.Load() - shown0
	row.Gaps, row.MissedEstimate, row.Holes = p.gaps.Load()-gaps0, p.missed.Load()-missed0, p.holes.Load()-holes0
	row.LeftQueued = b.queued(ctx, queues)
	if err := p.stop(20 * time.Second); err != nil {
		// rabtap exits 1 on SIGINT ("context canceled"); a tap left
		// behind would show in the final check of the vhost.
		log.Printf("bench: %v", err)
	}
	p = nil
	return row, nil
}

// waitShowing publishes a probe every 100 ms until the tap prints a line,
// then waits for its output to settle: the tap is in place.
func (b *bench) waitShowing(ctx context.Context, p *tapProc, timeout time.Duration) error {
	conn, err := amqp.Dial(b.url)
	if err != nil {
		return fmt.Errorf("probe publisher: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("probe publisher: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for p.lines.Load() == 0 {
		select {
		case <-p.done:
			return fmt.Errorf("%s ended before showing anything: %s", p.name, lastLines(p.errText(), 5))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s showed no probe within %s: %s", p.name, timeout, lastLines(p.errText(), 5))
		}
		// order.0 is a key every kind taps, the 1-in-k one included.
		if err := ch.Publish(b.exchange, "order.0", false, false, amqp.Publishing{Body: []byte("probe")}); err != nil {
			return fmt.Errorf("publishing a probe: %w", err)
		}
	}
	p.waitQuietLines(ctx, 500*time.Millisecond, 5*time.Second)
	return nil
}

// tapQueues lists the queues a tap added to the benchmark vhost.
func (b *bench) tapQueues(ctx context.Context) ([]string, error) {
	qs, err := b.api.queues(ctx, b.vhost)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, q := range qs {
		if q.Name != b.prodQ {
			names = append(names, q.Name)
		}
	}
	return names, nil
}

// queued is what the queues hold now, as the management API last
// sampled it (the taps' queues are exclusive: no one else may declare
// them, even passively).
func (b *bench) queued(ctx context.Context, queues []string) int64 {
	qs, err := b.api.queues(ctx, b.vhost)
	if err != nil {
		return -1
	}
	var n int64
	for _, q := range qs {
		for _, want := range queues {
			if q.Name == want {
				n += q.Messages
			}
		}
	}
	return n
}
