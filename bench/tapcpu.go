package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/metrics"
)

// The tapcpu part runs shoveltap as people run it (a process of its own,
// --json to a pipe) at a fixed rate, in pairs of configurations that
// differ by one feature, alternating A B A B, and reads the process's own
// CPU time from /proc: what a feature costs the tap per message.
//
//   - issue 21: --web with three pages reading its event stream (the pages
//     are this harness's, so their work is not charged to the tap) vs no
//     page, at 1k msg/s;
//   - issue 25: --metrics vs none at 10k msg/s, and both with 100k distinct
//     routing keys (peak RSS, and the routing-key series /metrics serves,
//     which the cardinality cap bounds).

// tapCPURow is one run of the tap process in one configuration.
type tapCPURow struct {
	Pair       string  `json:"pair"`   // which comparison: web, metrics, metrics-keys
	Config     string  `json:"config"` // base or feature
	Label      string  `json:"label"`
	Rep        int     `json:"rep"`
	Rate       float64 `json:"target_rate"`
	Size       int     `json:"size"`
	Keys       int     `json:"distinct_keys"`
	Published  int64   `json:"published"`
	PubRate    float64 `json:"pub_rate"`
	Shown      int64   `json:"shown"`
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPerMsg  float64 `json:"cpu_us_per_msg"` // over the messages shown
	PeakRSSMB  float64 `json:"peak_rss_mb"`    // VmHWM of the tap process
	KeySeries  int     `json:"routing_key_series,omitempty"`
	Pages      int     `json:"pages,omitempty"`
	PageRows   int64   `json:"page_rows_min,omitempty"`
}

// tapCPUPair is one comparison: the same traffic with and without one
// feature.
type tapCPUPair struct {
	name    string
	rate    float64
	size    int
	keys    int // distinct routing keys (KeyMod); 0: one key per message
	base    string
	feature string
	extra   func(port int) []string // the feature's flags
	pages   int
	// direct publishes straight into the tap process's tap queue (default
	// exchange), as the ingest part does: without the shovel's broker
	// work in front of it, the tap process gets the pair's rate on this
	// 2-core box (through a shovel the publisher stops near 6 k/s).
	direct bool
}

// Targets of the tap process comparisons (feature ÷ base, median).
const (
	webPagesCPUTarget = 1.10 // --web with 3 pages, CPU per message, at most
	metricsCPUTarget  = 1.10 // --metrics, CPU per message, at most
)

func tapCPUPairs(p plan) []tapCPUPair {
	return []tapCPUPair{
		{name: "web", rate: 1000, size: 1024, base: "`--json`, no page", feature: "`--json --web`, 3 pages open",
			extra: func(port int) []string { return []string{"--web", "127.0.0.1:" + strconv.Itoa(port)} }, pages: 3},
		{name: "metrics", rate: p.tapCPUMetricsRate, size: 100, direct: true,
			base: "`--json`, published into its tap queue", feature: "`--json --metrics`, published into its tap queue",
			extra: func(port int) []string { return []string{"--metrics", "127.0.0.1:" + strconv.Itoa(port)} }},
		{name: "metrics-keys", rate: p.tapCPUMetricsRate, size: 100, keys: p.tapCPUKeys, base: fmt.Sprintf("`--json`, %d distinct keys", p.tapCPUKeys), feature: fmt.Sprintf("`--json --metrics`, %d distinct keys", p.tapCPUKeys),
			extra: func(port int) []string { return []string{"--metrics", "127.0.0.1:" + strconv.Itoa(port)} }},
	}
}

func (b *bench) runTapCPU(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "shoveltap-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := buildShoveltap(ctx, dir)
	if err != nil {
		return err
	}
	for _, pair := range tapCPUPairs(b.plan) {
		for rep := 1; rep <= b.plan.tapCPUReps; rep++ {
			for _, feature := range []bool{false, true} {
				row, err := b.tapCPUOnce(ctx, bin, pair, rep, feature)
				if err != nil {
					return fmt.Errorf("%s (%s): %w", pair.name, row.Label, err)
				}
				b.res.TapCPU = append(b.res.TapCPU, row)
				log.Printf("bench: tapcpu %s rep %d %-40s published %d (%.0f/s), shown %d, %.1f µs/msg, peak RSS %.0f MB, key series %d",
					pair.name, rep, row.Label, row.Published, row.PubRate, row.Shown, row.CPUPerMsg, row.PeakRSSMB, row.KeySeries)
			}
		}
	}
	return nil
}

func (b *bench) tapCPUOnce(ctx context.Context, bin string, pair tapCPUPair, rep int, feature bool) (tapCPURow, error) {
	row := tapCPURow{Pair: pair.name, Config: "base", Label: pair.base, Rep: rep, Rate: pair.rate, Size: pair.size, Keys: pair.keys}
	if err := b.settle(ctx, 60*time.Second); err != nil {
		return row, err
	}
	argv := []string{bin, "--url", b.url, "--api", b.ep.API, "--exchange", b.exchange, "--json"}
	port := 0
	if feature {
		row.Config, row.Label = "feature", pair.feature
		var err error
		if port, err = freePort(); err != nil {
			return row, err
		}
		argv = append(argv, pair.extra(port)...)
	}
	p, err := startTapProc("shoveltap "+row.Label, argv)
	if err != nil {
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
	var pages []*sseViewer
	if feature && pair.pages > 0 {
		vctx, stop := context.WithCancel(ctx)
		defer stop()
		for range pair.pages {
			pages = append(pages, startSSEViewer(vctx, "http://127.0.0.1:"+strconv.Itoa(port), 0))
		}
		row.Pages = pair.pages
		time.Sleep(500 * time.Millisecond) // pages connected
	}
	shown0 := p.lines.Load()
	ticks0, err := cpuTicks(p.pid())
	if err != nil {
		return row, err
	}
	spec := pubSpec{Exchange: b.exchange, Key: "order", Size: pair.size, Rate: pair.rate, Confirms: true}
	if pair.direct {
		q, err := b.tapQueue(ctx)
		if err != nil {
			return row, err
		}
		spec.Exchange, spec.Key = "", q
	}
	if pair.keys > 0 {
		spec.KeyMod = pair.keys
	}
	for_ := b.plan.tapCPUFor
	if pair.keys > 0 {
		// Every key at least once: 100k keys at the pair's rate.
		for_ = max(for_, time.Duration(float64(pair.keys)/pair.rate*float64(time.Second))+time.Second)
	}
	// A count, not a deadline: the child publisher reports only when it
	// ends by itself.
	spec.Count = int64(pair.rate * for_.Seconds())
	pctx, cancel := context.WithTimeout(ctx, for_+time.Minute)
	res, err := publishApart(pctx, b.url, spec)
	cancel()
	if err != nil {
		return row, err
	}
	p.waitQuietLines(ctx, time.Second, 20*time.Second)
	ticks, err := cpuTicks(p.pid())
	if err != nil {
		return row, err
	}
	row.Published, row.PubRate = res.Sent, res.Rate()
	row.Shown = p.lines.Load() - shown0
	row.CPUSeconds = float64(ticks-ticks0) / 100 // USER_HZ
	if row.Shown > 0 {
		row.CPUPerMsg = row.CPUSeconds * 1e6 / float64(row.Shown)
	}
	row.PeakRSSMB = peakRSSMB(p.pid())
	if feature && pair.name != "web" {
		if row.KeySeries, err = routingKeySeries(ctx, port); err != nil {
			return row, err
		}
	}
	for i, v := range pages {
		if n := v.rows.Load(); i == 0 || n < row.PageRows {
			row.PageRows = n
		}
	}
	err = p.stop(20 * time.Second)
	p = nil
	return row, err
}

// freePort is a loopback port free at the moment of asking.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// peakRSSMB is a process's peak resident set (VmHWM), or 0.
func peakRSSMB(pid string) float64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// routingKeySeries counts the routing-key message series a tap's /metrics
// serves: what the cardinality cap bounds.
func routingKeySeries(ctx context.Context, port int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:"+strconv.Itoa(port)+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scraping the tap's /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scraping the tap's /metrics: %s", resp.Status)
	}
	n := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "shoveltap_routing_key_messages_total{") {
			n++
		}
	}
	return n, sc.Err()
}

// tapCPURatio is the feature's CPU per message over the base's, per
// repetition, for one pair.
func (r *results) tapCPURatio(pair string) summary {
	base := map[int]float64{}
	for _, x := range r.TapCPU {
		if x.Pair == pair && x.Config == "base" {
			base[x.Rep] = x.CPUPerMsg
		}
	}
	var xs []float64
	for _, x := range r.TapCPU {
		if x.Pair == pair && x.Config == "feature" && base[x.Rep] > 0 {
			xs = append(xs, x.CPUPerMsg/base[x.Rep])
		}
	}
	return summarize(xs)
}

func (r *results) tapCPUField(pair, config string, f func(tapCPURow) float64) summary {
	var xs []float64
	for _, x := range r.TapCPU {
		if x.Pair == pair && x.Config == config {
			xs = append(xs, f(x))
		}
	}
	return summarize(xs)
}

func (r *results) tapCPUTargets(p func(string, ...any), yes func(bool) string) {
	cpu := func(x tapCPURow) float64 { return x.CPUPerMsg }
	if s := r.tapCPURatio("web"); s.N > 0 {
		p("| `--web` with 3 pages at 1k msg/s: tap CPU per message ≤ %.2f× no page (issue 21; median of %d) | %s (%s vs %s µs/msg) | %s |", webPagesCPUTarget, s.N,
			rng(s, "%.2f×"), rng(r.tapCPUField("web", "feature", cpu), "%.1f"), rng(r.tapCPUField("web", "base", cpu), "%.1f"), yes(s.Median <= webPagesCPUTarget))
	}
	if s := r.tapCPURatio("metrics"); s.N > 0 {
		// The rate the publisher reached, not the one asked for.
		rate := r.tapCPUField("metrics", "base", func(x tapCPURow) float64 { return x.PubRate }).Median
		label := fmt.Sprintf("`--metrics` at %.0f msg/s: tap CPU per message ≤ %.2f× metrics off (issue 25, at 10k msg/s; median of %d)", rate, metricsCPUTarget, s.N)
		if rate < 0.98*10_000 {
			label += "; a lower rate than the target's"
		}
		p("| %s | %s (%s vs %s µs/msg) | %s |", label,
			rng(s, "%.2f×"), rng(r.tapCPUField("metrics", "feature", cpu), "%.1f"), rng(r.tapCPUField("metrics", "base", cpu), "%.1f"), yes(s.Median <= metricsCPUTarget && rate >= 0.98*10_000))
	}
	for _, x := range r.TapCPU {
		if x.Pair != "metrics-keys" || x.Config != "feature" {
			continue
		}
		// Bounded: the routing-key series stay within the cap (default
		// top N plus "other"), and the peak RSS within 10 % + 20 MB of the
		// same traffic without metrics.
		base := r.tapCPUField("metrics-keys", "base", func(y tapCPURow) float64 { return y.PeakRSSMB })
		capped := x.KeySeries > 0 && x.KeySeries <= metrics.DefaultTopN+1
		rssOK := base.N > 0 && x.PeakRSSMB <= base.Median*1.1+20
		label := fmt.Sprintf("`--metrics` with %d distinct routing keys: memory bounded, cap honoured (issue 25, 100k keys; rep %d)", x.Keys, x.Rep)
		if x.Keys < 100_000 {
			label += "; fewer keys than the target's"
		}
		p("| %s | %d routing-key series (cap %d + other); peak RSS %.0f MB vs %.0f MB without metrics | %s |",
			label, x.KeySeries, metrics.DefaultTopN, x.PeakRSSMB, base.Median, yes(capped && rssOK && x.Keys >= 100_000))
	}
}

func (r *results) tapCPUReport(p func(string, ...any)) {
	if len(r.TapCPU) == 0 {
		return
	}
	p("## 10. What a feature costs the tap process")
	p("")
	p("shoveltap runs as a process (`shoveltap --exchange X --json`, its output read by the harness) at a fixed rate; each pair differs by one feature and alternates base, feature, base, feature … CPU is the tap process's user + system time (/proc/PID/stat) from just before the publisher starts until its output has been quiet for 1 s, over the messages it printed; peak RSS is its VmHWM. The publisher is a child process; the web pages are the harness's own readers of `/events`, so their parsing is not charged to the tap.")
	p("")
	p("| comparison | configuration | rep | msg/s | published | shown | CPU µs/msg | peak RSS MB | routing-key series | pages (fewest rows) |")
	p("|---|---|---|---|---|---|---|---|---|---|")
	for _, x := range r.TapCPU {
		series, pages := "–", "–"
		if x.KeySeries > 0 {
			series = fmt.Sprint(x.KeySeries)
		}
		if x.Pages > 0 {
			pages = fmt.Sprintf("%d (%d)", x.Pages, x.PageRows)
		}
		p("| %s | %s | %d | %.0f | %d | %d | %.1f | %.0f | %s | %s |", x.Pair, x.Label, x.Rep, x.PubRate, x.Published, x.Shown, x.CPUPerMsg, x.PeakRSSMB, series, pages)
	}
	p("")
	for _, pair := range []string{"web", "metrics", "metrics-keys"} {
		if s := r.tapCPURatio(pair); s.N > 0 {
			p("- %s: feature ÷ base CPU per message, same repetition: %s", pair, rng(s, "%.2f×"))
		}
	}
	p("")
}

// tapQueue is the name of the one tap queue in the bench vhost: the tap
// process's (settle left no other).
func (b *bench) tapQueue(ctx context.Context) (string, error) {
	qs, err := b.api.queues(ctx, b.vhost)
	if err != nil {
		return "", fmt.Errorf("finding the tap queue: %w", err)
	}
	var found []string
	for _, q := range qs {
		if strings.HasSuffix(q.Name, "-tap") {
			found = append(found, q.Name)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("finding the tap queue: %d queues named *-tap in %s (%v)", len(found), b.vhost, found)
	}
	return found[0], nil
}
