package main

import (
	"fmt"
	"strings"
)

// The saturation part's report: tables, targets and chart.

func (r *results) satRows(tap string) []satRow {
	var rows []satRow
	for _, x := range r.Saturation {
		if x.Tap == tap {
			rows = append(rows, x)
		}
	}
	return rows
}

// satRatio is tap's publish rate over base's in the same repetition.
func (r *results) satRatio(tap, base string) summary {
	baseline := map[int]float64{}
	for _, x := range r.satRows(base) {
		baseline[x.Rep] = x.PubRate
	}
	var xs []float64
	for _, x := range r.satRows(tap) {
		if b := baseline[x.Rep]; b > 0 {
			xs = append(xs, x.PubRate/b)
		}
	}
	return summarize(xs)
}

func satField(rows []satRow, f func(satRow) float64) summary {
	return summarize(col(rows, f))
}

func shownAtStop(x satRow) float64 { return frac(x.ShownAtStop, x.Published) }
func shownInEnd(x satRow) float64  { return frac(x.Shown, x.Published) }

func frac(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// satTargets adds the saturation part's lines to the targets table.
func (r *results) satTargets(p func(string, ...any), yes func(bool) string) {
	if len(r.Saturation) == 0 {
		return
	}
	if s := r.satRatio("shoveltap", "shoveltap-no-shovel"); s.N > 0 {
		p("| default (shovel) tap at saturation ≥ 0.75 × the `--no-shovel` tap's publish rate (same repetition; median of %d) | %.2f × | %s |", s.N, s.Median, yes(s.Median >= 0.75))
	}
	budget, ref := r.satRatio("shoveltap-max-rate", "none"), r.satRatio("shoveltap-1-in-k", "none")
	if budget.N > 0 && ref.N > 0 {
		full := r.satRatio("shoveltap", "none")
		p("| with `--max-rate %d` the penalty is that of the budget's rate, not the full rate (publish rate vs no tap: budget %.0f %%, a tap of that rate %.0f %%, the unlimited tap %.0f %%) | within %.0f points of the tap of that rate | %s |",
			r.SaturationInfo.Budget, budget.Median*100, ref.Median*100, full.Median*100, abs(budget.Median-ref.Median)*100, yes(abs(budget.Median-ref.Median) <= 0.1 && budget.Median-full.Median >= 0.2))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (r *results) saturationReport(p func(string, ...any)) {
	info := r.SaturationInfo
	if info == nil || len(r.Saturation) == 0 {
		return
	}
	rate := "as fast as confirms allow (up to 1000 unconfirmed in flight)"
	if t := r.Saturation[0].TargetRate; t > 0 {
		rate = fmt.Sprintf("at %.0f msg/s", t)
	}
	p("## 7. Saturation: shoveltap beside rabtap, the budget, the shovel's settings")
	p("")
	p("A publisher sends 100 B messages %s for %s per run, with routing keys `order.<n mod %d>` (%d: about the no-tap rate of a 2 s calibration, %.0f msg/s, over the budget of %d/s, so that one key carries about the budget). Each tap runs as people run it: its own process, printing one JSON line per message into a pipe that the harness reads and counts. *Shown at stop* is what it had printed when the publisher stopped; *in the end* what it printed until its output had been quiet for a second (at most %s later). Kinds alternate within each repetition, in an order rotated each repetition, and each run starts with the broker at rest (the production queue empty, read with a passive declare, and no tap queue left); ratios are to the same repetition's run.",
		rate, info.For, info.KeyMod, info.KeyMod, info.Calib, info.Budget, info.Drain)
	p("")
	p("Kinds:")
	p("")
	for _, k := range info.Kinds {
		p("- **%s**: %s", k.Name, strings.ReplaceAll(k.Label, " N ", fmt.Sprintf(" %d ", info.Budget)))
	}
	if info.PeerErr != "" {
		p("- rabtap was not measured: %s", info.PeerErr)
	}
	p("")
	p("![publisher throughput and share shown at saturation](bench/saturation.svg)")
	p("")
	p("| tap | publish msg/s | vs no tap | vs `--no-shovel` | shown at stop | shown in the end | shown msg/s while publishing | left in its queues | tap CPU %% | broker CPU %% | gaps marked: count, sampled away estimated / really missing |")
	p("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, k := range info.Kinds {
		rows := r.satRows(k.Name)
		if len(rows) == 0 {
			continue
		}
		shown, end, ingest, left, gaps := "–", "–", "–", "–", "–"
		if k.Name != "none" {
			shown = pct(satField(rows, shownAtStop))
			end = pct(satField(rows, shownInEnd))
			ingest = rng(satField(rows, func(x satRow) float64 { return float64(x.ShownAtStop) / max(x.Seconds, 1e-9) }), "%.0f")
			left = rng(satField(rows, func(x satRow) float64 { return float64(x.LeftQueued) }), "%.0f")
		}
		var g, est, truth int64
		for _, x := range rows {
			g += x.Gaps
			est += x.MissedEstimate
			truth += x.Holes
		}
		if g > 0 {
			gaps = fmt.Sprintf("%d, %d / %d", g, est, truth)
		}
		vsNoShovel := "–"
		if k.Name != "none" && k.Name != "shoveltap-no-shovel" {
			vsNoShovel = pct(r.satRatio(k.Name, "shoveltap-no-shovel"))
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", k.Name, rng(satField(rows, func(x satRow) float64 { return x.PubRate }), "%.0f"),
			pct(r.satRatio(k.Name, "none")), vsNoShovel, shown, end, ingest, left,
			rng(satField(rows, func(x satRow) float64 { return x.TapCPU }), "%.0f"), rng(satField(rows, func(x satRow) float64 { return x.BrokerCPU }), "%.0f"), gaps)
	}
	p("")
	p("*Gaps marked* are the records of shoveltap's JSON lines that carry a `gap` field (with `--max-rate`): their estimates of what the pause before them missed, summed, against what the publisher's sequence numbers say was missing there. The last pause of a run has no record after it and is in neither.")
	p("")
	p("*Left in its queues* comes from the management API's sampled statistics (refreshed every few seconds), so it lags; rabtap's queue has no bound, so what it had not shown when the harness stopped waiting is still there, and goes with the queue when it exits.")
	p("")
}

// saturationChart draws, per kind, the publisher's throughput relative to
// no tap and the share of the stream shown when the publisher stopped.
func saturationChart(r *results) string {
	info := r.SaturationInfo
	if info == nil || len(r.Saturation) == 0 {
		return ""
	}
	const (
		w, h             = 900, 380
		left, right, top = 60, 20, 40
		bottom           = 110
	)
	var kinds []tapInfo
	for _, k := range info.Kinds {
		if k.Name != "none" && len(r.satRows(k.Name)) > 0 {
			kinds = append(kinds, k)
		}
	}
	plotW, plotH := float64(w-left-right), float64(h-top-bottom)
	y := func(v float64) float64 { return float64(top) + plotH*(1-min(v, 1.1)/1.1) }
	var s strings.Builder
	f := func(format string, a ...any) { fmt.Fprintf(&s, format+"\n", a...) }
	f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`, w, h, w, h)
	f(`<rect width="100%%" height="100%%" fill="white"/>`)
	f(`<text x="%d" y="22" font-size="14" font-weight="bold">At saturation: publish rate vs no tap, and share of the stream shown when the publisher stopped</text>`, left)
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, left, w-right, y(v), y(v))
		f(`<text x="%d" y="%.1f" text-anchor="end">%.0f%%</text>`, left-6, y(v)+4, v*100)
	}
	colours := []string{"#4e79a7", "#f28e2b"}
	if len(kinds) > 0 {
		group := plotW / float64(len(kinds))
		bar := group * 0.7 / 2
		for i, k := range kinds {
			gx := float64(left) + group*float64(i) + group*0.15
			for j, sm := range []summary{r.satRatio(k.Name, "none"), satField(r.satRows(k.Name), shownAtStop)} {
				if sm.N == 0 {
					continue
				}
				x := gx + bar*float64(j)
				f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.1f%%</title></rect>`, x, y(sm.Median), bar-2, y(0)-y(sm.Median), colours[j], k.Name, sm.Median*100)
				cx := x + (bar-2)/2
				f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="black"/>`, cx, cx, y(sm.Min), y(sm.Max))
			}
			// Names are wider than a group: one line per dash-separated part.
			f(`<text x="%.1f" y="%d" text-anchor="middle">`, gx+group*0.35, h-bottom+16)
			for n, part := range strings.Split(k.Name, "-") {
				dy := 0
				if n > 0 {
					dy = 13
				}
				f(`<tspan x="%.1f" dy="%d">%s</tspan>`, gx+group*0.35, dy, part)
			}
			f(`</text>`)
		}
	}
	f(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">publish rate vs no tap</text>`, left, h-22, colours[0], left+18, h-12)
	f(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">shown when the publisher stopped</text>`, left+200, h-22, colours[1], left+218, h-12)
	f(`<text x="%d" y="%d" fill="#555">bars: median; whiskers: range</text>`, left+480, h-12)
	f(`</svg>`)
	return s.String()
}
