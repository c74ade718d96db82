package main

import "time"

// plan is what one harness run measures and for how long.
type plan struct {
	mode        string
	short       bool
	reps        int           // repetitions of each production configuration
	unlimited   time.Duration // one unlimited publish run
	fixed       time.Duration // one fixed-rate run
	sizes       []int
	rates       []float64
	ingestReps  int
	ingestFor   time.Duration
	drainReps   int
	latencyFor  time.Duration
	memoryCount int64
	memoryIdle  time.Duration
	lifecycle   int
	benchtime   string
	webFor      time.Duration // the web part's run at 1k msg/s
	webViewers  int           // live viewers beside the slow and the stalled one
	only        map[string]bool
	// saturation part: publish for satFor per run, wait up to satDrain
	// for a tap to finish showing, budget kinds at satBudget a second.
	satFor    time.Duration
	satDrain  time.Duration
	satBudget int
	satKinds  map[string]bool // nil: all
	satRate   float64         // 0: as fast as confirms allow
	// A stream of historyCount × historySize bytes read whole by each
	// reader, historyReps times.
	historyCount int64
	historySize  int
	historyReps  int
	// tapcpu part: each pair's repetitions and publish time per run.
	tapCPUReps int
	tapCPUFor  time.Duration
	// the metrics pairs' rate and distinct keys (10k msg/s, 100k keys in
	// full; less in short mode, on a broker others share)
	tapCPUMetricsRate float64
	tapCPUKeys        int
	// routing part: the vhost of queues and bindings the model loads.
	routingQueues, routingBindings int
	// taskevents part: runs of Celery events at 10 k/s, each this long.
	taskEventsReps int
	taskEventsFor  time.Duration
}

func (p plan) wants(part string) bool {
	if p.only != nil {
		return p.only[part]
	}
	switch part {
	case "memory":
		return p.memoryCount > 0
	case "gobench":
		return p.benchtime != ""
	case "history":
		return p.historyCount > 0
	}
	return true
}

// fullPlan takes about 18 minutes on the 2-core box (20 is the budget).
func fullPlan() plan {
	return plan{
		mode:        "full",
		reps:        3,
		unlimited:   4 * time.Second,
		fixed:       3 * time.Second,
		sizes:       []int{100, 1024},
		rates:       []float64{1000, 5000, 10000},
		ingestReps:  5,
		ingestFor:   5 * time.Second,
		drainReps:   5,
		latencyFor:  10 * time.Second,
		memoryCount: 1_000_000,
		memoryIdle:  30 * time.Second,
		lifecycle:   5,
		benchtime:   "1s",
		webFor:      30 * time.Second,
		webViewers:  4,
		satFor:      5 * time.Second,
		satDrain:    8 * time.Second,
		satBudget:   1000,

		historyCount: 1_000_000,
		historySize:  1024,
		historyReps:  3,

		tapCPUReps:        5,
		tapCPUFor:         15 * time.Second,
		tapCPUMetricsRate: 10_000,
		tapCPUKeys:        100_000,
		routingQueues:     10_000,
		routingBindings:   20_000,
		taskEventsReps:    3,
		taskEventsFor:     10 * time.Second,
	}
}

// shortPlan touches every part once, briefly: it proves the harness, it
// measures nothing worth quoting.
func shortPlan() plan {
	return plan{
		mode:       "short (smoke test; numbers not meaningful)",
		short:      true,
		reps:       1,
		unlimited:  time.Second,
		fixed:      time.Second,
		sizes:      []int{100},
		rates:      []float64{1000},
		ingestReps: 1,
		ingestFor:  time.Second,
		drainReps:  1,
		latencyFor: 2 * time.Second,
		lifecycle:  1,
		webFor:     3 * time.Second,
		webViewers: 2,
		satFor:     time.Second,
		satDrain:   2 * time.Second,
		satBudget:  1000,

		historyCount: 20_000,
		historySize:  1024,
		historyReps:  1,

		tapCPUReps:        1,
		tapCPUFor:         3 * time.Second,
		tapCPUMetricsRate: 2_000,
		tapCPUKeys:        5_000,
		routingQueues:     1_000,
		routingBindings:   2_000,
		taskEventsReps:    1,
		taskEventsFor:     2 * time.Second,
	}
}
