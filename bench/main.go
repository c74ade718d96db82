// Command bench measures what a tap costs production and how fast shoveltap
// keeps up, against a local RabbitMQ, and writes docs/BENCHMARKS.md, raw
// results and a chart. `make bench` runs it in full, `make bench-smoke`
// (or -short) runs every part briefly to prove the harness works.
//
// Everything it creates lives in a vhost of its own, deleted at the end
// (also on SIGINT/SIGTERM); tracing is turned off whatever happens.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// bench is one harness run: where the broker is and what was created.
type bench struct {
	url      string // AMQP URL of the benchmark vhost, password included
	ep       broker.Endpoint
	api      *mgmt
	vhost    string
	exchange string // the "production" topic exchange
	prodQ    string // its normal consumer's queue
	node     string
	pid      string // the broker's OS process, for CPU time
	run      string // random part of names
	plan     plan
	res      *results
}

func (b *bench) name(what string) string { return "bench-" + b.run + "-" + what }

func main() {
	if runPublisherChild() {
		return
	}
	short := flag.Bool("short", os.Getenv("BENCH_SHORT") != "", "smoke mode: every part, briefly (also BENCH_SHORT=1)")
	out := flag.String("out", "", "directory for BENCHMARKS.md and raw results (default docs/, or a temp dir with -short)")
	brokerURL := flag.String("url", "amqp://guest:guest@127.0.0.1:5672/", "broker (default vhost; the harness makes its own vhost)")
	apiURL := flag.String("api", "http://127.0.0.1:15672", "management API")
	commit := flag.String("commit", "", "the shoveltap commit measured, for the report (default: git rev-parse)")
	report := flag.String("report", "", "only rewrite BENCHMARKS.md and the chart in -out from this results.json")
	kinds := flag.String("kinds", "", "comma-separated saturation kinds to measure (default all; none is always measured), for targeted runs")
	satRate := flag.Float64("sat-rate", 0, "publish the saturation part at this fixed rate instead of as fast as confirms allow (broker CPU per message, for targeted runs)")
	reps := flag.Int("reps", 0, "repetitions of the production, saturation, ingest and drain parts (default: the mode's)")
	only := flag.String("only", "", "comma-separated parts to run: production,ingest,drain,latency,memory,gobench,lifecycle,web,saturation,history,tapcpu,routing,taskevents (default all)")
	historyN := flag.Int64("history-messages", 0, "messages in the stream the history part reads (default 1000000, 20000 with -short)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the harness process (readers included) to this file, for looking into a part run with -only")
	flag.Parse()

	p := fullPlan()
	if *short {
		p = shortPlan()
	}
	p.satRate = *satRate
	if *reps > 0 {
		p.reps, p.ingestReps, p.drainReps = *reps, *reps, *reps
	}
	if *kinds != "" {
		p.satKinds = map[string]bool{"none": true}
		for _, s := range strings.Split(*kinds, ",") {
			p.satKinds[strings.TrimSpace(s)] = true
		}
	}
	if *historyN > 0 {
		p.historyCount = *historyN
	}
	if *only != "" {
		p.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			p.only[strings.TrimSpace(s)] = true
		}
	}
	dir := *out
	if dir == "" {
		dir = "docs"
		if *short {
			dir = os.TempDir() + "/shoveltap-bench-smoke"
		}
	}
	if *report != "" {
		if err := rewriteReport(*report, dir); err != nil {
			log.Fatalf("bench: %v", err)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatalf("bench: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("bench: cpu profile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, p, *brokerURL, *apiURL, dir, *commit); err != nil {
		log.Fatalf("bench: %v", err)
	}
}

func run(ctx context.Context, p plan, brokerURL, apiURL, dir, commit string) error {
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	b := &bench{run: hex.EncodeToString(rnd[:]), plan: p}
	b.vhost = "shoveltap-bench-" + b.run
	b.exchange = b.name("orders")
	b.prodQ = b.name("billing")

	u, err := url.Parse(brokerURL)
	if err != nil {
		return fmt.Errorf("broker URL: %w", err)
	}
	u.Path = "/" + url.PathEscape(b.vhost)
	u.RawPath = u.Path
	b.url = u.String()
	pass, _ := u.User.Password()
	b.ep, err = broker.ResolveEndpoint(b.url, apiURL, func(string) string { return "" })
	if err != nil {
		return err
	}
	b.api = newMgmt(apiURL, u.User.Username(), pass)
	v, err := b.api.versions(ctx)
	if err != nil {
		return err
	}
	b.node = v.Node
	n, err := b.api.node(ctx, v.Node)
	if err != nil {
		return err
	}
	b.pid = brokerPID(n.OSPid, amqpPort(u))
	if b.pid == "" {
		log.Printf("bench: the broker's OS process was not found: its CPU is not measured")
	}
	b.res = newResults(p, v, commit)

	if err := b.api.createVhost(ctx, b.vhost); err != nil {
		return fmt.Errorf("creating the benchmark vhost: %w", err)
	}
	// Cleanup runs on every way out, with its own context: ctx may be the
	// cancelled one of a SIGINT.
	defer b.cleanup()
	if err := b.setupProduction(ctx); err != nil {
		return err
	}
	log.Printf("bench: vhost %s, mode %s", b.vhost, p.mode)

	parts := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"production", b.runProduction},
		{"ingest", b.runIngest},
		{"drain", b.runDrain},
		{"latency", b.runLatency},
		{"memory", b.runMemory},
		{"lifecycle", b.runLifecycle},
		{"web", b.runWeb},
		{"history", b.runHistory},
		{"gobench", b.runGoBench},
		{"saturation", b.runSaturation},
		{"tapcpu", b.runTapCPU},
		{"routing", b.runRouting},
		{"taskevents", b.runTaskEvents},
	}
	for _, part := range parts {
		if !p.wants(part.name) {
			b.res.Skipped = append(b.res.Skipped, part.name+" (not selected in this mode)")
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Printf("bench: %s", part.name)
		t0 := time.Now()
		if err := part.fn(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s: %w", part.name, err)
		}
		log.Printf("bench: %s done in %s", part.name, time.Since(t0).Round(time.Second))
	}
	b.res.Finished = time.Now().UTC()
	b.res.Elapsed = time.Since(b.res.Started).Round(time.Second).String()
	return b.res.write(dir)
}

// cleanup turns tracing off and deletes the benchmark vhost with all it
// holds, then checks that the broker is as found.
func (b *bench) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.api.setTracing(ctx, b.vhost, false); err != nil {
		log.Printf("bench: turning tracing off: %v", err)
	}
	// The mirror vhost exists only while a mirror is measured; a 404 here
	// is the normal case.
	_ = b.api.deleteVhost(ctx, b.mirrorVhost())
	_ = b.api.deleteVhost(ctx, b.routingVhost())
	if err := b.api.deleteVhost(ctx, b.vhost); err != nil {
		log.Printf("bench: WARNING: deleting vhost %s failed: %v; delete it by hand: rabbitmqctl delete_vhost %s", b.vhost, err, b.vhost)
		return
	}
	exists, err := b.api.vhostExists(ctx, b.vhost)
	switch {
	case err != nil:
		log.Printf("bench: WARNING: could not check that vhost %s is gone: %v", b.vhost, err)
	case exists:
		log.Printf("bench: WARNING: vhost %s still exists; delete it: rabbitmqctl delete_vhost %s", b.vhost, b.vhost)
	default:
		log.Printf("bench: broker clean: vhost %s and everything in it removed, tracing off", b.vhost)
	}
}
