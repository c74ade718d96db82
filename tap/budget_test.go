package tap

import (
	"math"
	"testing"
	"time"
)

// budgetSim drives a budget the way the pump does, against a simulated
// source: while the bindings are there the source's messages are copied,
// each reaching the tap lag later; markers travel the same path. Binding
// takes bindTime, unbinding unbindTime.
type budgetSim struct {
	b          *budget
	now        time.Time
	on         bool
	lag        time.Duration
	bindTime   time.Duration
	unbindTime time.Duration
	rate       func(t time.Duration) float64 // routed per second at t since start
	start      time.Time

	inFlight  []simCopy
	frac      float64
	wakeAt    time.Time
	urgent    bool
	busy      func() // what happens when the broker answers
	busyUntil time.Time

	routed, copied uint64
	pauses         int
	gaps           []Gap
	maxGap         time.Duration
}

type simCopy struct {
	at     time.Time
	window int64 // >0: a marker of this window
}

func newBudgetSim(maxRate int, rate func(time.Duration) float64, lag time.Duration) *budgetSim {
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	return &budgetSim{b: newBudget(maxRate, 1, start), now: start, start: start, on: true, lag: lag, bindTime: time.Millisecond, unbindTime: time.Millisecond, rate: rate, wakeAt: start}
}

// run advances the simulation by d in steps of 100 µs. While a binding
// or unbinding is under way, messages keep being routed, and the pump,
// waiting for the broker's answer, takes no delivery.
func (s *budgetSim) run(d time.Duration) {
	const step = 100 * time.Microsecond
	end := s.now.Add(d)
	for s.now.Before(end) {
		s.now = s.now.Add(step)
		r := s.rate(s.now.Sub(s.start))
		s.frac += r * step.Seconds()
		for ; s.frac >= 1; s.frac-- {
			s.routed++
			if s.on {
				s.copied++
				s.inFlight = append(s.inFlight, simCopy{at: s.now.Add(s.lag)})
			}
		}
		if s.busy != nil {
			if s.now.Before(s.busyUntil) {
				continue
			}
			// The broker commits a binding change just before it
			// confirms it.
			done := s.busy
			s.busy = nil
			done()
			continue
		}
		n := 0
		for _, c := range s.inFlight {
			if c.at.After(s.now) {
				break
			}
			n++
			if c.window > 0 {
				if g, ok := s.b.marked(0, c.window); ok {
					s.gaps = append(s.gaps, g)
					s.maxGap = max(s.maxGap, g.To.Sub(g.From))
				}
				continue
			}
			if s.b.charge(0, s.now) {
				s.urgent = true
			}
		}
		s.inFlight = s.inFlight[n:]
		if s.urgent || !s.now.Before(s.wakeAt) {
			s.urgent = false
			s.steer()
		}
	}
}

func (s *budgetSim) steer() {
	act, wait := s.b.next(s.now)
	switch act {
	case budgetPause:
		start := s.now
		s.busyUntil = s.now.Add(s.unbindTime)
		s.busy = func() {
			s.on = false
			s.pauses++
			s.b.closed(start, s.now)
			_, wait := s.b.next(s.now)
			s.wakeAt = s.now.Add(wait)
		}
	case budgetResume:
		w := s.b.opening(s.now)
		s.inFlight = append(s.inFlight, simCopy{at: s.now.Add(s.lag), window: w})
		s.busyUntil = s.now.Add(s.bindTime)
		s.busy = func() {
			s.on = true
			s.b.opened(s.now)
			_, wait := s.b.next(s.now)
			s.wakeAt = s.now.Add(wait)
		}
	default:
		s.wakeAt = s.now.Add(wait)
	}
}

func steady(r float64) func(time.Duration) float64 { return func(time.Duration) float64 { return r } }

// Whatever the tapped rate, the copies average at most the budget (plus
// the one bucket the tap starts with), the budget is used, and the
// estimate of what was sampled away is close to the truth.
func TestBudgetKeepsTheAverage(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		max     int
		lag     time.Duration
		maxGap  time.Duration // the longest gap allowed
		minUsed float64       // the least share of the budget used
		tol     float64       // how far the estimates may be off
		unbind  time.Duration // how long an unbinding takes (1 ms when zero)
	}{
		{"30 k/s, budget 1 k/s", 30000, 1000, 5 * time.Millisecond, 1200 * time.Millisecond, 0.9, 0.1, 0},
		{"12.3 k/s, budget 1 k/s, slow reader", 12300, 1000, 50 * time.Millisecond, 2 * time.Second, 0.85, 0.1, 0},
		{"just over the budget", 1050, 1000, 5 * time.Millisecond, 200 * time.Millisecond, 0.9, 0.1, 0},
		{"twice the budget", 2000, 1000, 5 * time.Millisecond, 700 * time.Millisecond, 0.9, 0.1, 0},
		// Windows of a few milliseconds, each a minute apart: the
		// estimates come from three windows only.
		{"100 k/s, budget 10/s", 100000, 10, 5 * time.Millisecond, 3 * time.Minute, 0.5, 0.15, 0},
		// A loaded broker: each unbinding takes longer than a window
		// needs, so each copies 300 and the pauses are 3 s.
		{"slow unbinding", 2000, 100, 5 * time.Millisecond, 4 * time.Second, 0.9, 0.1, 150 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const d = 120 * time.Second
			s := newBudgetSim(tt.max, steady(tt.rate), tt.lag)
			if tt.unbind > 0 {
				s.unbindTime = tt.unbind
			}
			s.run(d)
			avg := float64(s.copied) / d.Seconds()
			// Above the budget: the bucket the tap starts with, and one
			// window's overshoot (the shortest window, and what is in
			// flight when it closes), not yet paid back.
			over := s.b.capacity() + tt.rate*(minWindow+tt.lag+s.bindTime+s.unbindTime).Seconds()
			if avg > float64(tt.max)+over/d.Seconds() {
				t.Errorf("copied %.0f a second on average, budget %d", avg, tt.max)
			}
			if avg < float64(tt.max)*tt.minUsed {
				t.Errorf("copied only %.0f a second on average, budget %d: the budget is not used", avg, tt.max)
			}
			if s.pauses == 0 || !s.b.sampling {
				t.Errorf("never paused (pauses %d, sampling %v) at %.0f/s over a budget of %d", s.pauses, s.b.sampling, tt.rate, tt.max)
			}
			if s.maxGap > tt.maxGap {
				t.Errorf("longest gap %s, want at most %s", s.maxGap, tt.maxGap)
			}
			missed := float64(s.routed - s.copied)
			if est := float64(s.b.status(s.now).SampledAway); math.Abs(est-missed) > tt.tol*missed+float64(tt.max) {
				t.Errorf("sampled away: estimate %.0f, truth %.0f", est, missed)
			}
			st := s.b.status(s.now)
			if math.Abs(st.TappedRate-tt.rate) > tt.tol*tt.rate {
				t.Errorf("tapped rate estimate %.0f, truth %.0f", st.TappedRate, tt.rate)
			}
			if want := float64(tt.max) / tt.rate; math.Abs(st.Share-want) > tt.tol*want {
				t.Errorf("share %.4f, want about %.4f", st.Share, want)
			}
		})
	}
}

// Below the budget the bindings never move: the budget costs nothing.
func TestBudgetBelowTheRateNeverPauses(t *testing.T) {
	s := newBudgetSim(1000, steady(900), 5*time.Millisecond)
	s.run(30 * time.Second)
	if s.pauses != 0 || s.copied != s.routed || s.b.sampling {
		t.Fatalf("at 900/s under a budget of 1000: %d pauses, copied %d of %d, sampling %v", s.pauses, s.copied, s.routed, s.b.sampling)
	}
	if st := s.b.status(s.now); st.SampledAway != 0 || st.Share != 0 || st.MaxRate != 1000 {
		t.Errorf("status %+v", st)
	}
}

// A surge starts sampling within a fraction of a second, and its end
// stops it within a few seconds; across it the average holds.
func TestBudgetFollowsASurge(t *testing.T) {
	rate := func(t time.Duration) float64 {
		if t >= 10*time.Second && t < 40*time.Second {
			return 20000
		}
		return 500
	}
	s := newBudgetSim(1000, rate, 5*time.Millisecond)
	s.run(10 * time.Second)
	if s.pauses != 0 {
		t.Fatalf("paused %d times before the surge", s.pauses)
	}
	before := s.copied
	s.run(200 * time.Millisecond)
	if s.b.on && s.pauses == 0 {
		t.Fatal("still copying everything 200 ms into a surge of 20 times the budget")
	}
	// The surge's first moments copy at most the bucket and what is in
	// flight when it runs dry.
	if burst := s.copied - before; burst > 1000+20000*20/1000 {
		t.Errorf("the surge's start copied %d", burst)
	}
	s.run(30 * time.Second)
	if !s.b.sampling {
		t.Error("not sampling during the surge")
	}
	s.run(5 * time.Second)
	if s.b.sampling || !s.b.on {
		t.Errorf("5 s after the surge: sampling %v, copying %v", s.b.sampling, s.b.on)
	}
	if avg := float64(s.copied) / 45; avg > 1000 {
		t.Errorf("average %.0f a second over 45 s with a 1000 budget", avg)
	}
}

// Every window after a pause is announced by its marker, and the gap it
// returns spans the pause.
func TestBudgetGapsSpanThePauses(t *testing.T) {
	s := newBudgetSim(1000, steady(30000), 5*time.Millisecond)
	s.run(10 * time.Second)
	if len(s.gaps) < 5 {
		t.Fatalf("%d gaps in 10 s", len(s.gaps))
	}
	for _, g := range s.gaps {
		if g.Reason != GapSampling || !g.From.Before(g.To) || g.Missed == 0 {
			t.Errorf("gap %+v", g)
		}
		// Each gap is about a second minus the window: 30 k/s × that.
		if d := g.To.Sub(g.From); d < 500*time.Millisecond || d > 1200*time.Millisecond {
			t.Errorf("gap of %s", d)
		}
	}
}

// A tap re-created during a pause starts copying again, with its copies
// counted for a window of their own.
func TestBudgetRelinkedStartsAWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := newBudget(100, 2, now)
	b.closed(now, now)
	b.relinked(now.Add(time.Second))
	if !b.on || b.srcWindow[0] != b.window || b.srcWindow[1] != b.window {
		t.Fatalf("after relinking: on %v, windows %v of %d", b.on, b.srcWindow, b.window)
	}
	b.charge(1, now.Add(time.Second))
	if b.count != 1 {
		t.Errorf("count %d", b.count)
	}
}

func TestGapMarks(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := gapMarks{}
	g.add(0, Gap{Reason: GapSampling, From: t0, To: t0.Add(time.Second), Missed: 10})
	g.add(0, Gap{Reason: GapSampling, From: t0.Add(2 * time.Second), To: t0.Add(3 * time.Second), Missed: 5})
	got := g.take(0)
	if got == nil || !got.From.Equal(t0) || !got.To.Equal(t0.Add(3*time.Second)) || got.Missed != 15 || got.Reason != GapSampling {
		t.Fatalf("merged gap %+v", got)
	}
	if g.take(0) != nil {
		t.Error("a gap is shown once")
	}
	g.add(1, Gap{Reason: GapSampling, From: t0, To: t0.Add(time.Second), Missed: 10})
	g.addAll(2, Gap{Reason: GapReconnect, From: t0.Add(time.Second), To: t0.Add(2 * time.Second)})
	if got := g.take(1); got.Reason != GapReconnect || got.Missed != 0 || !got.From.Equal(t0) {
		t.Errorf("sampling then reconnect: %+v", got)
	}
	if got := g.take(0); got == nil || got.Reason != GapReconnect {
		t.Errorf("reconnect gap for every source: %+v", got)
	}
}
