package lifecycle

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// BenchmarkMillionTasks runs 1 M Celery tasks (message, task-received,
// task-started, task-succeeded or task-failed: 4 M facts) through a model
// with the default bounds, and reports the time per fact, the heap the
// model keeps, the process's resident memory, and the worst relative
// error of the per-name runtime p50/p95/p99 against exact quantiles.
// Run with -benchtime 1x.
func BenchmarkMillionTasks(b *testing.B) {
	tasks := benchTasks()
	const names = 50
	rng := rand.New(rand.NewPCG(7, 11))
	nameOf := make([]string, names)
	for i := range nameOf {
		nameOf[i] = "app.tasks.name_" + strconv.Itoa(i)
	}
	// The runtimes, kept exact per name for the comparison.
	runtimes := make([]float64, tasks)
	exact := make([][]time.Duration, names)
	for i := range runtimes {
		mu := math.Log(0.001 * float64(1+i%names))
		runtimes[i] = math.Exp(mu + rng.NormFloat64())
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range exact {
			exact[i] = exact[i][:0]
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		m := New(Config{})
		start, cpuStart := time.Now(), cpuTime()
		for i := 0; i < tasks; i++ {
			id := "3f2b9c1e-0000-4000-8000-" + strconv.Itoa(100000000000+i)
			name := nameOf[i%names]
			seen := t0.Add(time.Duration(i) * 100 * time.Microsecond)
			ts := float64(seen.UnixNano()) / 1e9
			m.Apply(seen, decode.Fact{Kind: decode.FactTask, TaskID: id, Name: name, Args: "(1, 2)", Kwargs: "{}", HasRetries: true})
			m.Apply(seen, decode.Fact{Kind: decode.FactTaskEvent, Type: "task-received", TaskID: id, Name: name,
				Hostname: "celery@w" + strconv.Itoa(i%8), Timestamp: ts, HasRetries: true, Args: "(1, 2)", Kwargs: "{}"})
			m.Apply(seen, decode.Fact{Kind: decode.FactTaskEvent, Type: "task-started", TaskID: id,
				Hostname: "celery@w" + strconv.Itoa(i%8), Timestamp: ts + 0.0001})
			if i%20 == 0 {
				m.Apply(seen, decode.Fact{Kind: decode.FactTaskEvent, Type: "task-failed", TaskID: id,
					Hostname: "celery@w" + strconv.Itoa(i%8), Timestamp: ts + 0.001,
					Exception: "ValueError('bad input')", Traceback: strings.Repeat("x", 2000)})
				continue
			}
			rt := runtimes[i]
			m.Apply(seen, decode.Fact{Kind: decode.FactTaskEvent, Type: "task-succeeded", TaskID: id,
				Hostname: "celery@w" + strconv.Itoa(i%8), Timestamp: ts + rt, Runtime: rt, HasRuntime: true, Result: "3"})
			exact[i%names] = append(exact[i%names], time.Duration(rt*float64(time.Second)))
		}
		elapsed, cpu := time.Since(start), cpuTime()-cpuStart
		s := m.Snapshot(t0.Add(200 * time.Second))
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(m)

		worst := 0.0
		for _, r := range s.Names {
			i, _ := strconv.Atoi(strings.TrimPrefix(r.Name, "app.tasks.name_"))
			vals := exact[i]
			sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
			for _, q := range []struct {
				q   float64
				got time.Duration
			}{{0.5, r.Runtime.P50}, {0.95, r.Runtime.P95}, {0.99, r.Runtime.P99}} {
				want := vals[int(q.q*float64(len(vals)-1))]
				worst = math.Max(worst, math.Abs(float64(q.got-want))/float64(want))
			}
		}
		if worst > 0.01 {
			b.Fatalf("a per-name quantile is %.3f%% off", worst*100)
		}
		if s.Tasks != 50_000 || s.Counts.EvictedFinishedTasks != uint64(tasks-50_000) {
			b.Fatalf("kept %d, evicted %+v", s.Tasks, s.Counts)
		}
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(s.Counts.Facts), "ns/fact")
		// CPU time (all threads, GC included) says more than wall time on a
		// shared machine.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(s.Counts.Facts), "cpu-ns/fact")
		b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "model-heap-MB")
		b.ReportMetric(rssMB(), "rss-MB")
		b.ReportMetric(worst*100, "worst-q-err-%")
	}
}

// BenchmarkObserve is the cost of one real event message, decoding
// included: a task-succeeded event as a worker sends it.
func BenchmarkObserve(b *testing.B) {
	m := New(Config{})
	in := eventMsg(b, event("task-succeeded", "x", w1, 0, map[string]any{"runtime": 0.01, "result": "5"}))
	body := string(in.Body)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := "id-" + strconv.Itoa(i)
		in.Body = []byte(strings.Replace(body, `"uuid":"x"`, `"uuid":"`+id+`"`, 1))
		m.Observe(t0, in)
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMB is the process's resident set, from /proc (Linux), or 0.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// benchTasks is 1 M unless LIFECYCLE_BENCH_TASKS says otherwise (for a
// quick profile).
func benchTasks() int {
	if n, err := strconv.Atoi(os.Getenv("LIFECYCLE_BENCH_TASKS")); err == nil && n >= 200_000 {
		return n
	}
	return 1_000_000
}
