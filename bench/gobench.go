package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// goBenchRow is one line of `go test -bench` output.
type goBenchRow struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	// Metrics are the benchmark's own (b.ReportMetric), by unit:
	// ns/msg, rss-MB, s/rebuild …
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// rebuildEventsEnv sets the size of BenchmarkRebuildLifecycleFromCapture's
// capture for a quick run (the harness's short mode); 1 M events otherwise.
const rebuildEventsEnv = "SHOVELTAP_REBUILD_EVENTS"

// goBenchGroup is one `go test -bench` run: packages, a pattern, and a
// benchtime of its own where an op is a whole experiment (1x).
type goBenchGroup struct {
	pattern   string
	packages  []string
	benchtime string // "" for the plan's
	env       []string
}

// goBenchGroups are the decoder and UI micro-benchmarks, and those that
// measure the targets of issues 21, 23, 24, 25 and 26 without a broker.
func goBenchGroups(short bool) []goBenchGroup {
	events := "1000000"
	tasks := ""
	if short {
		// Proves the benchmarks run; the figures are not the targets'.
		events, tasks = "50000", "LIFECYCLE_BENCH_TASKS=200000"
	}
	heavy := goBenchGroup{pattern: "^(BenchmarkMillionTasks|BenchmarkRebuildLifecycleFromCapture|BenchmarkFirstFreeTextFilter100k)$", packages: []string{"./tap/lifecycle", "./bench", "./ui"},
		benchtime: "1x", env: []string{rebuildEventsEnv + "=" + events}}
	if tasks != "" {
		heavy.env = append(heavy.env, tasks)
	}
	return []goBenchGroup{
		{pattern: "^(BenchmarkDecode|BenchmarkRender|BenchmarkFilter|BenchmarkWeb)", packages: []string{"./tap/decode", "./ui", "./ui/web"}},
		{pattern: "^(BenchmarkUIGoroutinePerMessage1KB|BenchmarkLifecycleViewUIGoroutine|BenchmarkLifecycleFeed|BenchmarkRouteTopic1000|BenchmarkRouteFanIn|BenchmarkSummarize1KB|BenchmarkReading1KB|BenchmarkObserve|BenchmarkPythonHook)$",
			packages: []string{"./ui", "./tap/routing", "./tap/decode/protodec", "./tap/metrics", "./tap/lifecycle", "./tap/decode/hook"}},
		heavy,
	}
}

// runGoBench runs the micro-benchmarks and keeps their results. It must
// run from the module root (make bench does).
func (b *bench) runGoBench(ctx context.Context) error {
	benchtime := b.plan.benchtime
	if benchtime == "" {
		benchtime = "100x" // short mode, when asked for with -only
	}
	var cmds []string
	for _, g := range goBenchGroups(b.plan.short) {
		bt := g.benchtime
		if bt == "" {
			bt = benchtime
		}
		args := append([]string{"test", "-run", "^$", "-bench", g.pattern, "-benchmem", "-benchtime", bt, "-count", "1", "-timeout", "30m"}, g.packages...)
		line := strings.TrimSpace(strings.Join(g.env, " ") + " go " + strings.Join(args, " "))
		cmds = append(cmds, line)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Env = append(os.Environ(), g.env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			// Not fatal: the broker measurements are worth keeping even
			// when a package does not build at this moment.
			log.Printf("bench: go test -bench failed: %v\n%s", err, out.String())
			b.res.Skipped = append(b.res.Skipped, fmt.Sprintf("micro-benchmarks: `%s` failed: %v", line, err))
		}
		rows := parseGoBench(out.String())
		b.res.GoBench = append(b.res.GoBench, rows...)
		for _, r := range rows {
			log.Printf("bench: %s %s %.3f ms/op %v", r.Package, r.Name, r.NsPerOp/1e6, r.Metrics)
		}
	}
	b.res.GoBenchCommand = strings.Join(cmds, "`; `")
	return nil
}

func parseGoBench(out string) []goBenchRow {
	var rows []goBenchRow
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "pkg:" {
			pkg = f[1]
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := goBenchRow{Package: pkg, Name: strings.Split(f[0], "-")[0]}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsPerOp = v
			case "MB/s":
			default:
				if r.Metrics == nil {
					r.Metrics = map[string]float64{}
				}
				r.Metrics[f[i+1]] = v
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// goBench finds one benchmark's row by package suffix and name.
func (r *results) goBench(pkg, name string) (goBenchRow, bool) {
	for _, g := range r.GoBench {
		if g.Name == name && strings.HasSuffix(g.Package, "/"+pkg) {
			return g, true
		}
	}
	return goBenchRow{}, false
}

// goBenchTargets are the targets that micro-benchmarks measure.
func (r *results) goBenchTargets(p func(string, ...any), yes func(bool) string) {
	if g, ok := r.goBench("ui", "BenchmarkUIGoroutinePerMessage1KB"); ok && g.Metrics["ns/msg"] > 0 {
		v := g.Metrics["ns/msg"] / 1e3
		p("| UI goroutine ≤ 2 µs per 1 KB message (issue 21; ui BenchmarkUIGoroutinePerMessage1KB: Update + View per 100-message batch, 10k retained) | %.2f µs | %s |", v, yes(v <= 2))
	}
	if g, ok := r.goBench("tap/routing", "BenchmarkRouteTopic1000"); ok {
		v := g.NsPerOp / 1e3
		p("| routing evaluation ≤ 2 µs per message, 1,000 bindings on the exchange (issue 23; tap/routing BenchmarkRouteTopic1000) | %.2f µs | %s |", v, yes(v <= 2))
	}
	if g, ok := r.goBench("ui", "BenchmarkLifecycleViewUIGoroutine"); ok && g.Metrics["ns/event"] > 0 {
		v := g.Metrics["ns/event"] / 1e3
		p("| lifecycle events: UI goroutine ≤ 5 µs per event with the per-name view open (issue 24; ui BenchmarkLifecycleViewUIGoroutine: Update + View per 500-event batch) | %.2f µs | %s |", v, yes(v <= 5))
	}
	if g, ok := r.goBench("tap/lifecycle", "BenchmarkMillionTasks"); ok && g.Metrics["rss-MB"] > 0 {
		rss, qerr := g.Metrics["rss-MB"], g.Metrics["worst-q-err-%"]
		p("| 1 M tasks through the store: RSS ≤ 150 MB, per-name quantiles within 1 %% of exact (issue 24; tap/lifecycle BenchmarkMillionTasks, the benchmark process's RSS) | %.0f MB, worst quantile error %.2f %% | %s |", rss, qerr, yes(rss <= 150 && qerr <= 1))
	}
	if g, ok := r.goBench("bench", "BenchmarkRebuildLifecycleFromCapture"); ok && g.Metrics["s/rebuild"] > 0 {
		v, n := g.Metrics["s/rebuild"], g.Metrics["events"]
		label := fmt.Sprintf("rebuilding the lifecycle views from a capture of %.0f events ≤ 3 s (issue 24; bench BenchmarkRebuildLifecycleFromCapture: capture read as open reads it, the last 10 000 lines in full and the lines before counted with the facts they carry → pipeline → lifecycle model)", n)
		if n < 1e6 {
			label += "; fewer events than the target's 1 M"
		}
		p("| %s | %.2f s (%.2f µs per event; CPU %.2f s, %.2f µs per event) | %s |", label, v, g.Metrics["ns/event"]/1e3,
			g.Metrics["cpu-s/rebuild"], g.Metrics["cpu-ns/event"]/1e3, yes(v <= 3 && n >= 1e6))
	}
	if g, ok := r.goBench("tap/decode/protodec", "BenchmarkSummarize1KB"); ok {
		v := g.NsPerOp / 1e3
		whole := ""
		if rd, ok := r.goBench("tap/decode/protodec", "BenchmarkReading1KB"); ok {
			// The decoding stage's whole reading of the message besides
			// the decode: sanitised cells, fields, properties, headers.
			whole = fmt.Sprintf("; the whole reading, BenchmarkReading1KB: %.2f µs", rd.NsPerOp/1e3)
		}
		p("| Protobuf decode of a 1 KB message ≤ 10 µs in the decoding stage (issue 26; tap/decode/protodec BenchmarkSummarize1KB, the decoder's call in that stage) | %.2f µs%s | %s |", v, whole, yes(v <= 10))
	}
	if g, ok := r.goBench("tap/decode/hook", "BenchmarkPythonHook"); ok {
		v := g.NsPerOp / 1e3
		p("| a decoder hook keeps up with 1k msg/s: round trip ≤ 1000 µs per message (issue 26; tap/decode/hook BenchmarkPythonHook, one Python hook process) | %.0f µs | %s |", v, yes(v <= 1000))
	}
}
