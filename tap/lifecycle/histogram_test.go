package lifecycle

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// exactQuantile is the value at index floor(q*(n-1)) of the sorted values,
// the rank Histogram.Quantile estimates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(q*float64(len(sorted)-1))]
}

func relErr(got, want time.Duration) float64 {
	return math.Abs(float64(got)-float64(want)) / float64(want)
}

// Every quantile read from the histogram is within 1 % of the exact one,
// for distributions real runtimes have: log-normal, bimodal, uniform, and
// a heavy tail, from microseconds to hours.
func TestHistogramWithinOnePercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() time.Duration{
		"lognormal": func() time.Duration {
			return time.Duration(math.Exp(rng.NormFloat64()*1.5+math.Log(0.05)) * float64(time.Second))
		},
		"bimodal": func() time.Duration {
			if rng.IntN(10) == 0 {
				return time.Duration((2 + rng.Float64()) * float64(time.Second))
			}
			return time.Duration((1 + rng.Float64()) * float64(time.Millisecond))
		},
		"uniform": func() time.Duration { return time.Duration(rng.Int64N(int64(10*time.Second))) + time.Microsecond },
		"pareto": func() time.Duration {
			return time.Duration(float64(time.Millisecond) / math.Pow(1-rng.Float64(), 1/1.1))
		},
		"wide": func() time.Duration {
			return time.Duration(math.Pow(10, 3+rng.Float64()*10)) // 1 µs to 3 h
		},
	}
	for name, gen := range dists {
		t.Run(name, func(t *testing.T) {
			var h Histogram
			vals := make([]time.Duration, 100_000)
			for i := range vals {
				vals[i] = gen()
				h.Add(vals[i])
			}
			sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
			for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1} {
				want := exactQuantile(vals, q)
				if want < minDuration || want > maxDuration {
					continue
				}
				if e := relErr(h.Quantile(q), want); e > histAlpha {
					t.Errorf("q%.3f = %v, exact %v: error %.3f%%", q, h.Quantile(q), want, e*100)
				}
			}
			if h.Count() != uint64(len(vals)) {
				t.Errorf("count %d", h.Count())
			}
		})
	}
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Fatal("an empty histogram reads non-zero")
	}
	h.Add(-time.Second) // not counted
	h.Add(0)
	h.Add(200 * time.Hour)
	if h.Count() != 2 || h.Quantile(1) != maxDuration || h.Quantile(0) != 0 {
		t.Fatalf("count %d max %v min %v", h.Count(), h.Quantile(1), h.Quantile(0))
	}
	var one Histogram
	one.Add(1234 * time.Millisecond)
	q := one.Quantiles()
	if q.P50 != 1234*time.Millisecond || q.P99 != q.P50 || q.Mean != q.P50 {
		t.Fatalf("one value: %+v", q)
	}
}
