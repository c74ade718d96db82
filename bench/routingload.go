package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/routing"
)

// routingRow is the routing model's refresh on a large vhost (issue 23):
// the full model (routing.Load, every binding listed) and the model of
// what one tapped exchange reaches (routing.LoadFrom), as a live tap
// refreshes it.
type routingRow struct {
	Exchanges     int     `json:"exchanges"`
	Queues        int     `json:"queues"`
	Bindings      int     `json:"bindings"`
	ImportSeconds float64 `json:"import_seconds"` // building the vhost (definitions import)
	Loads         int     `json:"loads"`
	LoadMS        float64 `json:"load_ms_median"`
	LoadMaxMS     float64 `json:"load_ms_max"`
	LoadFromMS    float64 `json:"load_from_ms_median"`
	LoadFromMaxMS float64 `json:"load_from_ms_max"`
	// Failed counts loads (Load or LoadFrom) that returned an error.
	Failed int `json:"failed_loads,omitempty"`
	// Baseline is the listings as routing.Load made them until
	// disable_stats and per-exchange bindings (one after another, the
	// queue listing with statistics, the vhost's bindings sorted), timed
	// in the same run, alternating with Load.
	BaselineMS    float64 `json:"baseline_ms_median,omitempty"`
	BaselineMaxMS float64 `json:"baseline_ms_max,omitempty"`
	// Broker CPU (beam.smp user+system) per load, median; 0 when the
	// broker's process was not found.
	LoadCPUMS     float64 `json:"load_broker_cpu_ms_median,omitempty"`
	BaselineCPUMS float64 `json:"baseline_broker_cpu_ms_median,omitempty"`
	ModelQueues   int     `json:"model_queues"`
	ModelBindings int     `json:"model_bindings"`
	ScopedBinds   int     `json:"scoped_model_bindings"`
	RefreshEvery  string  `json:"refresh_every_default"`
}

// routingTargetMS is the refresh budget on 10,000 queues and 20,000
// bindings.
const routingTargetMS = 1000

// routingVhost holds the routing part's objects: a vhost of its own
// beside the benchmark's, so that its thousands of queues go in one
// delete.
func (b *bench) routingVhost() string { return b.vhost + "-routing" }

// runRouting builds a vhost of plan.routingQueues queues bound to ten
// topic exchanges by plan.routingBindings bindings (one definitions
// import), times the model's loads, and deletes the vhost.
func (b *bench) runRouting(ctx context.Context) error {
	vhost := b.routingVhost()
	if err := b.api.createVhost(ctx, vhost); err != nil {
		return fmt.Errorf("creating the routing vhost: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		// Deleting 10,000 queues takes longer than the harness's usual
		// 10 s request timeout on a busy box, and RabbitMQ 3.10 was seen
		// to answer 204 and leave a few dozen queues and the vhost until
		// a second delete: so delete until it is gone.
		slow := *b.api
		slow.http = &http.Client{Timeout: 2 * time.Minute}
		for try := 1; ; try++ {
			err := slow.deleteVhost(dctx, vhost)
			if err == nil {
				time.Sleep(5 * time.Second)
				if exists, err := slow.vhostExists(dctx, vhost); err == nil && !exists {
					return
				}
			}
			if try == 3 {
				log.Printf("bench: WARNING: vhost %s is still there after %d deletes (%v); delete it by hand: rabbitmqctl delete_vhost %s", vhost, try, err, vhost)
				return
			}
		}
	}()
	const exchanges = 10
	nq, nb := b.plan.routingQueues, b.plan.routingBindings
	defs := routingDefinitions(exchanges, nq, nb)
	t0 := time.Now()
	if err := b.api.importDefinitions(ctx, vhost, defs); err != nil {
		return err
	}
	row := routingRow{Exchanges: exchanges, Queues: nq, Bindings: nb, ImportSeconds: time.Since(t0).Seconds(), RefreshEvery: routing.DefaultRefreshEvery.String()}
	log.Printf("bench: routing: %d exchanges, %d queues, %d bindings imported in %.1f s", exchanges, nq, nb, row.ImportSeconds)

	ep := b.ep
	ep.Vhost = vhost
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return err
	}
	// The import returns before every binding is listed; wait until the
	// model holds them all (also warms the API's connection).
	var top *routing.Topology
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if top, err = routing.Load(ctx, admin, vhost); err != nil {
			// Right after the import the broker may still be busy
			// creating queues and bindings.
			if time.Now().After(deadline) {
				return err
			}
			log.Printf("bench: routing: waiting for the imported vhost: %v", err)
			time.Sleep(time.Second)
			continue
		}
		_, q, bs := top.Counts()
		if q >= nq && bs >= nb {
			row.ModelQueues, row.ModelBindings = q, bs
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the routing model of vhost %s holds %d queues, %d bindings after 2 minutes; %d, %d were imported", vhost, q, bs, nq, nb)
		}
		time.Sleep(time.Second)
	}
	row.Loads = 5
	var full, scoped, base, fullCPU, baseCPU []float64
	for i := 0; i < row.Loads; i++ {
		t, c := time.Now(), b.brokerCPU()
		old, err := b.api.baselineRouting(ctx, vhost)
		if err != nil {
			return err
		}
		base, baseCPU = append(base, ms(time.Since(t))), append(baseCPU, b.brokerCPU()-c)
		t, c = time.Now(), b.brokerCPU()
		top, err := routing.Load(ctx, admin, vhost)
		if err != nil {
			// A load that fails (a request past shoveltap's 10 s
			// timeout on a starved broker) is a result, not the end of
			// the part: the tap would keep its previous model.
			row.Failed++
			log.Printf("bench: routing: load %d failed after %.0f ms: %v", i+1, ms(time.Since(t)), err)
			continue
		}
		full, fullCPU = append(full, ms(time.Since(t))), append(fullCPU, b.brokerCPU()-c)
		if !sameCounts(old, top) {
			return fmt.Errorf("the baseline listings give a model of %v exchanges, queues, bindings; routing.Load's %v", countsOf(old), countsOf(top))
		}
		t = time.Now()
		small, err := routing.LoadFrom(ctx, admin, vhost, []string{routingExchange(0)}, 0)
		if err != nil {
			row.Failed++
			log.Printf("bench: routing: LoadFrom %d failed after %.0f ms: %v", i+1, ms(time.Since(t)), err)
			continue
		}
		scoped = append(scoped, ms(time.Since(t)))
		_, _, row.ScopedBinds = small.Counts()
		log.Printf("bench: routing: %d: before %.0f ms (broker CPU %.0f ms), Load %.0f ms (broker CPU %.0f ms), LoadFrom %.0f ms", i+1, base[len(base)-1], baseCPU[len(baseCPU)-1], full[len(full)-1], fullCPU[len(fullCPU)-1], scoped[len(scoped)-1])
	}
	f, s, o := summarize(full), summarize(scoped), summarize(base)
	row.LoadMS, row.LoadMaxMS, row.LoadFromMS, row.LoadFromMaxMS = f.Median, f.Max, s.Median, s.Max
	row.BaselineMS, row.BaselineMaxMS = o.Median, o.Max
	if b.pid != "" {
		row.LoadCPUMS, row.BaselineCPUMS = summarize(fullCPU).Median, summarize(baseCPU).Median
	}
	b.res.Routing = append(b.res.Routing, row)
	log.Printf("bench: routing: Load %.0f ms (max %.0f, broker CPU %.0f ms), before %.0f ms (max %.0f, broker CPU %.0f ms), LoadFrom one exchange %.0f ms (max %.0f, %d bindings)",
		row.LoadMS, row.LoadMaxMS, row.LoadCPUMS, row.BaselineMS, row.BaselineMaxMS, row.BaselineCPUMS, row.LoadFromMS, row.LoadFromMaxMS, row.ScopedBinds)
	return nil
}

// brokerCPU is the broker process's CPU time so far in ms (0 when it is
// not known).
func (b *bench) brokerCPU() float64 {
	if b.pid == "" {
		return 0
	}
	t, err := cpuTicks(b.pid)
	if err != nil {
		return 0
	}
	return float64(t) * 10 // USER_HZ is 100
}

func sameCounts(a, b *routing.Topology) bool { return countsOf(a) == countsOf(b) }

func countsOf(t *routing.Topology) [3]int {
	x, q, b := t.Counts()
	return [3]int{x, q, b}
}

// baselineRouting lists a vhost as routing.Load did before it left the
// statistics out (commit 3aa1163): exchanges, overview, policies, queues
// with their statistics, and all bindings of the vhost, one request after
// another, each sorted by the broker; and builds the model from them. It
// is the "before" of the routing part, measured in the same run.
func (m *mgmt) baselineRouting(ctx context.Context, vhost string) (*routing.Topology, error) {
	slow := *m
	slow.http = &http.Client{Timeout: 2 * time.Minute} // on a busy machine the old queue listing takes over 10 s
	v := esc(vhost)
	var raw broker.RoutingTopology
	var ov struct {
		Version string `json:"rabbitmq_version"`
	}
	for _, r := range []struct {
		path string
		out  any
	}{
		{"/api/exchanges/" + v + "?columns=name,type,internal,arguments,policy", &raw.Exchanges},
		{"/api/overview?columns=rabbitmq_version", &ov},
		{"/api/policies/" + v, &raw.Policies},
		{"/api/queues/" + v + "?columns=name,type,arguments,policy", &raw.Queues},
		{"/api/bindings/" + v + "?columns=source,destination,destination_type,routing_key,arguments", &raw.Bindings},
	} {
		if err := slow.do(ctx, "GET", r.path, nil, r.out); err != nil {
			return nil, fmt.Errorf("the routing part's baseline: %w", err)
		}
	}
	raw.Version = ov.Version
	return routing.FromBroker(vhost, &raw), nil
}

func routingExchange(i int) string { return "bench-routing-x" + strconv.Itoa(i) }

// routingDefinitions is a definitions document of nx topic exchanges, nq
// queues and nb bindings spread over queues and exchanges, with
// wildcard keys like those of a service mesh of events.
func routingDefinitions(nx, nq, nb int) map[string]any {
	var xs, qs, bs []map[string]any
	for i := 0; i < nx; i++ {
		xs = append(xs, map[string]any{"name": routingExchange(i), "type": "topic", "durable": false, "auto_delete": false, "internal": false, "arguments": map[string]any{}})
	}
	for i := 0; i < nq; i++ {
		qs = append(qs, map[string]any{"name": "bench-routing-q" + strconv.Itoa(i), "durable": false, "auto_delete": false, "arguments": map[string]any{}})
	}
	for i := 0; i < nb; i++ {
		q := i % nq
		bs = append(bs, map[string]any{
			"source": routingExchange((q + i/nq) % nx), "destination": "bench-routing-q" + strconv.Itoa(q), "destination_type": "queue",
			"routing_key": "svc" + strconv.Itoa(q%50) + ".*.event" + strconv.Itoa(i/nq) + ".#", "arguments": map[string]any{},
		})
	}
	return map[string]any{"exchanges": xs, "queues": qs, "bindings": bs}
}

// importDefinitions loads a definitions document into vhost (POST
// /api/definitions/VHOST): thousands of objects in one request.
func (m *mgmt) importDefinitions(ctx context.Context, vhost string, defs map[string]any) error {
	slow := *m
	slow.http = &http.Client{Timeout: 5 * time.Minute}
	if err := slow.do(ctx, "POST", "/api/definitions/"+esc(vhost), defs, nil); err != nil {
		return fmt.Errorf("importing the routing part's definitions: %w", err)
	}
	return nil
}

func (r *results) routingTargets(p func(string, ...any), yes func(bool) string) {
	for _, x := range r.Routing {
		label := fmt.Sprintf("routing model refresh ≤ %d ms on %d queues, %d bindings (issue 23; routing.Load, median of %d)", routingTargetMS, x.Queues, x.Bindings, x.Loads)
		if x.Queues < 10_000 || x.Bindings < 20_000 {
			label += "; fewer objects than the target's"
		}
		before := ""
		if x.Failed > 0 {
			before = fmt.Sprintf("; %d loads failed", x.Failed)
		}
		if x.BaselineMS > 0 {
			before += fmt.Sprintf("; before (statistics, one listing after another) %.0f ms", x.BaselineMS)
		}
		p("| %s | %.0f ms (max %.0f)%s; one exchange's reach (LoadFrom) %.0f ms | %s |", label, x.LoadMS, x.LoadMaxMS, before, x.LoadFromMS, yes(x.Failed == 0 && x.LoadMS <= routingTargetMS && x.Queues >= 10_000 && x.Bindings >= 20_000))
	}
}

func (r *results) routingReport(p func(string, ...any)) {
	if len(r.Routing) == 0 {
		return
	}
	p("## 11. Routing model refresh")
	p("")
	p("A vhost of its own holds topic exchanges, queues and bindings with wildcard keys, built by one definitions import (`POST /api/definitions/VHOST`) and deleted after. `routing.Load` lists every exchange, queue, binding and policy (the four listings at once, queues without statistics, bindings per exchange); *before* is the same model from the listings as `routing.Load` made them until then (one after another, the queue listing with statistics, all bindings of the vhost in one sorted listing), timed in the same run, alternating with it. Broker CPU is the beam.smp process's user+system time over one load (other clients of the broker count too). `routing.LoadFrom` lists the exchanges and queues and only the bindings of what the tapped exchange reaches, as a live tap refreshes (by default every %s, and never more often).", r.Routing[0].RefreshEvery)
	p("")
	p("| exchanges | queues | bindings | import s | Load ms (median, max of %d) | broker CPU ms | before ms (median, max) | before broker CPU ms | model queues / bindings | LoadFrom one exchange ms (median, max) | bindings it reached |", r.Routing[0].Loads)
	p("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, x := range r.Routing {
		p("| %d | %d | %d | %.1f | %.0f, %.0f | %.0f | %.0f, %.0f | %.0f | %d / %d | %.0f, %.0f | %d |", x.Exchanges, x.Queues, x.Bindings, x.ImportSeconds, x.LoadMS, x.LoadMaxMS, x.LoadCPUMS, x.BaselineMS, x.BaselineMaxMS, x.BaselineCPUMS, x.ModelQueues, x.ModelBindings, x.LoadFromMS, x.LoadFromMaxMS, x.ScopedBinds)
	}
	p("")
}
