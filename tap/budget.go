package tap

import "time"

// The production budget (Config.MaxRate, --max-rate) bounds the copying a
// tap makes the broker do, however busy production gets. The broker copies
// a message for the tap only while a queue of the tap is bound to the
// production exchange, so the budget takes those bindings away and gives
// them back on a duty cycle: a window of copying, then a pause, such that
// on average no more than MaxRate messages a second are copied. While the
// bindings are away the broker does no work for the tap at all: routing
// never looks at a binding that is not there, nothing is enqueued, nothing
// shovelled. Only the production bindings come and go; the heartbeats'
// dead-letter binding stays, so the dead-man's switch and the check that
// the shovel carries (silentSource) work through every pause.
//
// It is a token bucket. The budget fills at MaxRate a second, up to one
// budgetPeriod's worth. Every copy that reaches the tap is charged, late
// ones included, so an overshoot only delays the next window and the
// average holds. A window opens when the bucket is full and closes when the
// bucket would be empty at the measured rate, or is empty, whichever comes
// first. While the sources route less than MaxRate the window never closes
// and the budget costs nothing.
//
// Each window opens with a marker put into the tap's path just before the
// bindings return (see resumeCopying), so the pump knows exactly which
// copies came after the gap: it counts each window's copies to measure the
// tapped rate, and puts the gap on the next message of each source.
//
// budget itself is only arithmetic on times and counts; budget_link.go
// does the broker's side.
type budget struct {
	max      float64 // messages a second
	tokens   float64 // copies the budget can still pay for
	refilled time.Time

	on       bool
	window   int64     // the current window, or the last one while paused
	openedAt time.Time // when it opened (or, open for long, when its measure restarted)
	closeAt  time.Time // when it is planned to close; zero: not before the bucket is empty
	closedAt time.Time // when the last window closed
	count    uint64    // copies counted for window since openedAt
	// rate is the tapped rate measured in the last windows (what the
	// sources route a second, copied while a window is open); 0 until
	// measured.
	rate float64
	// unbinding is how long an unbinding took lately: the broker copies
	// until it commits one, so a window is closed that much early.
	unbinding time.Duration
	// surgeAt is when a copy last found the bucket full while a window
	// stayed open; surgeRate the rate that emptied it since, measured
	// when it ran dry.
	surgeAt     time.Time
	surgeRate   float64
	sampling    bool
	sampledAway float64
	// srcWindow is the window of the copies now arriving from each
	// source: it moves on with each source's marker.
	srcWindow []int64
	gaps      map[int64]Gap // the gap before each recent window
}

const (
	// budgetPeriod is the bucket's size in time: about one window opens
	// per period when the sources route more than the budget.
	budgetPeriod = time.Second
	// minWindow is the shortest window: shorter ones would be mostly
	// the unbinding and binding themselves. A window that copies more
	// than the bucket held delays the next one.
	minWindow = 10 * time.Millisecond
	// budgetIdle is how often a budget asks again while nothing is
	// planned, to keep its status fresh.
	budgetIdle = time.Second
	// keptGaps is how many windows back a marker may still be matched
	// with its gap (a marker can be late behind a backlog).
	keptGaps = 64
)

// newBudget is a budget of maxRate copies a second for sources sources. The
// tap starts bound, so the first window is open from now.
func newBudget(maxRate, sources int, now time.Time) *budget {
	b := &budget{max: float64(maxRate), refilled: now, srcWindow: make([]int64, max(1, sources)), gaps: map[int64]Gap{}}
	b.tokens = b.capacity()
	b.opened(now)
	return b
}

// capacity is one budgetPeriod's worth of copies.
func (b *budget) capacity() float64 { return max(1, b.max*budgetPeriod.Seconds()) }

func (b *budget) refill(now time.Time) {
	if dt := now.Sub(b.refilled); dt > 0 {
		b.tokens = min(b.capacity(), b.tokens+b.max*dt.Seconds())
		b.refilled = now
	}
}

// charge pays for one copy from source i that arrived at now, and counts
// it for its window. It says whether the budget just ran out with a window
// open: the window must close now.
func (b *budget) charge(i int, now time.Time) bool {
	b.refill(now)
	open := b.on && b.closeAt.IsZero()
	if open && b.tokens >= b.capacity()-1 {
		b.surgeAt = now // within the budget so far
	}
	b.tokens--
	if i < 0 || i >= len(b.srcWindow) || b.srcWindow[i] == b.window {
		b.count++
	}
	dry := b.on && b.tokens <= 0
	if open && dry {
		// A surge emptied the bucket: it came at the budget (the
		// refill) plus the bucket over the time it took. Its copies
		// against the window's whole length would average in the
		// quiet before it.
		if d := now.Sub(b.surgeAt).Seconds(); d > 0 {
			b.surgeRate = b.max + b.capacity()/d
		}
	}
	return dry
}

// marked records window w's marker from source i (-1: from every source,
// when one queue holds them all): that source's copies from now on belong
// to w. It returns the gap before w, if still known.
func (b *budget) marked(i int, w int64) (Gap, bool) {
	if i < 0 || i >= len(b.srcWindow) {
		for j := range b.srcWindow {
			b.srcWindow[j] = w
		}
	} else {
		b.srcWindow[i] = w
	}
	g, ok := b.gaps[w]
	return g, ok
}

// budgetAct is what the budget wants done with the bindings.
type budgetAct int

const (
	budgetWait   budgetAct = iota // nothing, for now
	budgetPause                   // take the production bindings away
	budgetResume                  // put them back
)

// next says what to do at now and, when waiting, how long to wait before
// asking again.
func (b *budget) next(now time.Time) (budgetAct, time.Duration) {
	b.refill(now)
	if b.on {
		if b.tokens <= 0 || (!b.closeAt.IsZero() && !now.Before(b.closeAt)) {
			return budgetPause, 0
		}
		if b.closeAt.IsZero() {
			return budgetWait, budgetIdle
		}
		return budgetWait, b.closeAt.Sub(now)
	}
	// Wait until the bucket holds what a window needs for a cycle of
	// about budgetPeriod: the window copies at rate-max net of the
	// refill, for a share max/rate of the period.
	need := b.capacity()
	if r := b.estimate(); r > b.max {
		need *= 1 - b.max/r
	}
	if short := need - b.tokens; short > 0 {
		// At least once a second, so the status follows a long pause.
		return budgetWait, min(budgetIdle, time.Duration(short/b.max*float64(time.Second))+time.Millisecond)
	}
	return budgetResume, 0
}

// estimate is the tapped rate, with the last window's measure in it: its
// copies so far over its length. Late copies still raise it until the
// next window opens.
func (b *budget) estimate() float64 {
	d := b.closedAt.Sub(b.openedAt).Seconds()
	if b.on || d <= 0 {
		return b.rate
	}
	r := float64(b.count) / d
	if b.closeAt.IsZero() && b.surgeRate > 0 {
		r = b.surgeRate // the window stayed open until a surge emptied the bucket
	}
	if b.rate == 0 || b.closeAt.IsZero() || b.count == 0 {
		// First measure, a window open until the bucket ran dry, or
		// one that copied nothing: the traffic stopped.
		return r
	}
	return 0.3*b.rate + 0.7*r // smooths bursts out a little
}

// closed records that the window's bindings went away: the unbinding
// started at start and was confirmed at end. The broker commits it just
// before it confirms, so the window lasted until end: under load the
// unbinding can take longer than the window itself.
func (b *budget) closed(start, end time.Time) {
	b.on = false
	b.closedAt = end
	b.unbinding = (b.unbinding + end.Sub(start)) / 2
}

// opening measures the window that closed last and starts the next one at
// now. It returns the new window's number, for its marker: the gap before
// it is kept until the marker comes back.
func (b *budget) opening(now time.Time) int64 {
	b.rate = b.estimate()
	missed := b.rate * max(0, now.Sub(b.closedAt).Seconds())
	b.sampledAway += missed
	b.window++
	b.gaps[b.window] = Gap{Reason: GapSampling, From: b.closedAt, To: now, Missed: uint64(missed + 0.5)}
	delete(b.gaps, b.window-keptGaps)
	return b.window
}

// opened records that the bindings came back at end, when the binding was
// confirmed, and plans when the window closes: when the bucket would run
// dry at the measured rate, which it refills at the budget meanwhile.
// While the rate is within the budget the window stays open.
func (b *budget) opened(end time.Time) {
	b.on = true
	b.openedAt = end
	b.count = 0
	b.surgeAt, b.surgeRate = end, 0
	b.refill(end)
	if b.rate <= b.max {
		b.closeAt = time.Time{}
		b.sampling = false
		return
	}
	b.sampling = true
	d := time.Duration(b.tokens / (b.rate - b.max) * float64(time.Second))
	b.closeAt = b.openedAt.Add(max(0, min(max(d, minWindow), budgetPeriod)-b.unbinding))
}

// relinked starts a window for a tap that was re-created: it is bound
// anew, and its copies all belong to the new window.
func (b *budget) relinked(now time.Time) {
	b.window++
	for j := range b.srcWindow {
		b.srcWindow[j] = b.window
	}
	b.opened(now)
}

// status is the budget's state at now for Status: the sampled-away
// estimate includes the pause going on.
func (b *budget) status(now time.Time) BudgetStatus {
	away := b.sampledAway
	if !b.on {
		away += b.estimate() * max(0, now.Sub(b.closedAt).Seconds())
	}
	st := BudgetStatus{MaxRate: int(b.max), Sampling: b.sampling, SampledAway: uint64(away + 0.5)}
	if b.sampling && b.rate > 0 {
		st.TappedRate = b.rate
		st.Share = min(1, b.max/b.rate)
	}
	return st
}
