package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type machine struct {
	CPUs     int    `json:"nproc"`
	CPUModel string `json:"cpu_model"`
	RAM      string `json:"ram"`
	OS       string `json:"os"`
	Go       string `json:"go"`
}

type tapInfo struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// results is everything one run measured; it is written as JSON as is.
type results struct {
	Mode           string          `json:"mode"`
	Command        string          `json:"command"`
	Commit         string          `json:"commit"`
	Started        time.Time       `json:"started"`
	Finished       time.Time       `json:"finished"`
	Elapsed        string          `json:"elapsed"`
	Machine        machine         `json:"machine"`
	Versions       versions        `json:"broker"`
	Taps           []tapInfo       `json:"taps"`
	Production     []prodRow       `json:"production"`
	Ingest         []ingestRow     `json:"ingest"`
	Drain          []drainRow      `json:"drain"`
	Latency        []latencyRow    `json:"latency"`
	Memory         []memoryRow     `json:"memory"`
	Lifecycle      []lifecycleRow  `json:"lifecycle"`
	Web            []webRow        `json:"web,omitempty"`
	WebRun         string          `json:"web_run,omitempty"` // command and commit of the web part's run
	GoBenchCommand string          `json:"go_bench_command,omitempty"`
	GoBench        []goBenchRow    `json:"go_bench"`
	SaturationInfo *satInfo        `json:"saturation_info,omitempty"`
	Saturation     []satRow        `json:"saturation,omitempty"`
	History        []historyRow    `json:"history,omitempty"`
	TapCPU         []tapCPURow     `json:"tap_cpu,omitempty"`
	Routing        []routingRow    `json:"routing,omitempty"`
	TaskEvents     []taskEventsRow `json:"task_events,omitempty"`
	Skipped        []string        `json:"skipped"`
	// Comparisons are derived from Ingest and Drain (recomputed on every
	// write) for readers of the JSON.
	Comparisons *comparisons `json:"comparisons,omitempty"`
}

// comparisons are shoveltap ÷ raw consumer per repetition and their
// median, with the target each is held against.
type comparisons struct {
	Ingest    *comparison `json:"ingest_rate,omitempty"`
	Drain     *comparison `json:"drain_rate,omitempty"`
	CPUPerMsg *comparison `json:"cpu_per_message,omitempty"`
}

type comparison struct {
	What   string     `json:"what"`
	Size   int        `json:"size_bytes"`
	Target string     `json:"target"`
	Median float64    `json:"median_ratio"`
	Min    float64    `json:"min_ratio"`
	Max    float64    `json:"max_ratio"`
	N      int        `json:"repetitions"`
	Met    bool       `json:"met"`
	Reps   []repRatio `json:"per_repetition"`
}

func newComparison(what string, size int, target string, rr []repRatio, met func(float64) bool) *comparison {
	if len(rr) == 0 {
		return nil
	}
	var xs []float64
	for _, x := range rr {
		xs = append(xs, x.Ratio)
	}
	s := summarize(xs)
	return &comparison{What: what, Size: size, Target: target, Median: s.Median, Min: s.Min, Max: s.Max, N: s.N, Met: met(s.Median), Reps: rr}
}

func (r *results) compare() *comparisons {
	var c comparisons
	if len(r.Ingest) > 0 {
		c.Ingest = newComparison("messages per second taken while a publisher fills the queue", r.Ingest[0].Size,
			fmt.Sprintf("shoveltap ÷ raw ≥ %.2f", ingestTarget),
			readerRatios(r.Ingest, func(x ingestRow) (int, string, float64) { return x.Rep, x.Reader, x.Rate }),
			func(m float64) bool { return m >= ingestTarget })
	}
	if len(r.Drain) > 0 {
		c.Drain = newComparison("messages per second draining a full tap queue", r.Drain[0].Size,
			fmt.Sprintf("shoveltap ÷ raw ≥ %.2f", drainTarget),
			readerRatios(r.Drain, func(x drainRow) (int, string, float64) { return x.Rep, x.Reader, drainRate(x) }),
			func(m float64) bool { return m >= drainTarget })
		c.CPUPerMsg = newComparison("process CPU time (user + system) per message in µs, draining a full tap queue", r.Drain[0].Size,
			fmt.Sprintf("shoveltap ÷ raw ≤ %.1f", cpuTarget),
			readerRatios(r.Drain, drainCPUPerMsg),
			func(m float64) bool { return m <= cpuTarget })
	}
	if c == (comparisons{}) {
		return nil
	}
	return &c
}

func newResults(p plan, v versions, commit string) *results {
	if commit == "" {
		if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
			commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "status", "--porcelain", "--", "tap", "ui", "bench", "main.go").Output(); err == nil && len(st) > 0 {
				commit += " + uncommitted changes"
			}
		}
	}
	return &results{
		Mode:     p.mode,
		Command:  commandLine(),
		Commit:   commit,
		Started:  time.Now().UTC(),
		Machine:  machineInfo(),
		Versions: v,
	}
}

func commandLine() string {
	if os.Getenv("BENCH_SHORT") != "" {
		return "BENCH_SHORT=1 go run ./bench " + strings.Join(os.Args[1:], " ")
	}
	return strings.TrimSpace("go run ./bench " + strings.Join(os.Args[1:], " "))
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				var kb float64
				fmt.Sscan(f[1], &kb)
				m.RAM = fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return m
}

// write puts BENCHMARKS.md in dir and the raw results and chart in
// dir/bench.
func (r *results) write(dir string) error {
	raw := filepath.Join(dir, "bench")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	r.Comparisons = r.compare()
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		filepath.Join(raw, "results.json"):   append(data, '\n'),
		filepath.Join(raw, "production.svg"): []byte(productionChart(r)),
		filepath.Join(dir, "BENCHMARKS.md"):  []byte(r.markdown(readNotes(raw))),
	}
	if chart := saturationChart(r); chart != "" {
		files[filepath.Join(raw, "saturation.svg")] = []byte(chart)
	}
	for path, content := range files {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s, %s/results.json and %s/production.svg\n", filepath.Join(dir, "BENCHMARKS.md"), raw, raw)
	return nil
}

// rewriteReport regenerates the report and chart from raw results, so the
// presentation can change without measuring again.
func rewriteReport(path, dir string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading results: %w", err)
	}
	var r results
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return r.write(dir)
}

// readNotes returns the hand-written reading of the latest full run
// (bench/notes.md beside the raw results), or "" when there is none.
func readNotes(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "notes.md"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
