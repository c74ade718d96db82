package lifecycle

import (
	"math"
	"time"
)

// Histogram counts durations in logarithmic buckets whose bounds grow by
// gamma = (1+α)/(1-α): any quantile read from it is within α = 1 % of the
// exact value (relative), the DDSketch construction, in a fixed array so
// memory never grows. Durations below minDuration count as minDuration,
// above maxDuration as maxDuration.
type Histogram struct {
	counts [histBuckets]uint32
	n      uint64
	min    time.Duration
	max    time.Duration
	sum    float64 // seconds, for the mean
}

const (
	histAlpha   = 0.01
	minDuration = time.Microsecond
	maxDuration = 100_000 * time.Second // about 28 hours
)

var (
	histGamma    = (1 + histAlpha) / (1 - histAlpha)
	histLogGamma = math.Log(histGamma)
)

// histBuckets covers minDuration to maxDuration: ln(1e11)/ln(γ) ≈ 1267.
const histBuckets = 1280

// bucket returns the index whose range (γ^(i-1), γ^i] µs holds d.
func bucket(d time.Duration) int {
	if d <= minDuration {
		return 0
	}
	x := float64(d) / float64(minDuration)
	i := int(math.Ceil(math.Log(x) / histLogGamma))
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// bucketValue is the value that represents bucket i: 2γ^i/(γ+1), which
// is within α of every value in the bucket.
func bucketValue(i int) time.Duration {
	if i == 0 {
		return minDuration
	}
	v := 2 * math.Pow(histGamma, float64(i)) / (histGamma + 1)
	// Rounded, not truncated: a nanosecond cut off a microsecond value
	// is 0.1 % of error on top of α.
	return time.Duration(math.Round(v * float64(minDuration)))
}

// Add counts one duration; negative durations are not counted.
func (h *Histogram) Add(d time.Duration) {
	if d < 0 {
		return
	}
	if d > maxDuration {
		d = maxDuration
	}
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d.Seconds()
	i := bucket(d)
	if h.counts[i] < math.MaxUint32 {
		h.counts[i]++
	}
}

// Count is how many durations were added.
func (h *Histogram) Count() uint64 { return h.n }

// Quantile returns the q-quantile (0 ≤ q ≤ 1) within 1 % of the exact
// value, or 0 when nothing was added. The exact minimum and maximum are
// kept, so Quantile(0) and Quantile(1) are exact.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	// The rank of the lower of the two middle values, as numpy's
	// "lower" interpolation: index floor(q*(n-1)) of the sorted values.
	rank := uint64(q * float64(h.n-1))
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen > rank {
			v := bucketValue(i)
			// Clamp to the exact extremes, which can only help.
			if v < h.min {
				v = h.min
			}
			if v > h.max {
				v = h.max
			}
			return v
		}
	}
	return h.max
}

// Mean is the exact mean of what was added, or 0.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n) * float64(time.Second))
}

// Quantiles are the figures a per-name table shows.
type Quantiles struct {
	Count         uint64
	P50, P95, P99 time.Duration
	Min, Max      time.Duration
	Mean          time.Duration
}

// Quantiles reads the usual figures at once.
func (h *Histogram) Quantiles() Quantiles {
	return Quantiles{Count: h.n, P50: h.Quantile(0.50), P95: h.Quantile(0.95), P99: h.Quantile(0.99),
		Min: h.min, Max: h.max, Mean: h.Mean()}
}
