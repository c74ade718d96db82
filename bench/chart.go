package main

import (
	"fmt"
	"strings"
)

// productionChart draws, as SVG, the unlimited publisher's throughput under
// each tap relative to no tap (median, with the range as a whisker), one
// bar per message size.
func productionChart(r *results) string {
	const (
		w, h             = 760, 360
		left, right, top = 60, 20, 40
		bottom           = 90
		yMax             = 1.2
	)
	sizes := r.sizes()
	colours := []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759"}
	plotW, plotH := float64(w-left-right), float64(h-top-bottom)
	y := func(v float64) float64 { return float64(top) + plotH*(1-min(v, yMax)/yMax) }
	var s strings.Builder
	f := func(format string, a ...any) { fmt.Fprintf(&s, format+"\n", a...) }
	f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	f(`<rect width="100%%" height="100%%" fill="white"/>`)
	f(`<text x="%d" y="22" font-size="15" font-weight="bold">Publisher throughput while tapped, relative to no tap (unlimited, confirms on)</text>`, left)
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1, 1.2} {
		f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, left, w-right, y(v), y(v))
		f(`<text x="%d" y="%.1f" text-anchor="end">%.0f%%</text>`, left-6, y(v)+4, v*100)
	}
	f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c00" stroke-dasharray="4 3"/>`, left, w-right, y(0.95), y(0.95))
	f(`<text x="%d" y="%.1f" fill="#c00" text-anchor="end">target: penalty ≤ 5%%</text>`, w-right-4, y(0.95)-4)
	if len(r.Taps) > 0 && len(sizes) > 0 {
		group := plotW / float64(len(r.Taps))
		bar := group * 0.7 / float64(len(sizes))
		for i, t := range r.Taps {
			gx := float64(left) + group*float64(i) + group*0.15
			for j, size := range sizes {
				sm := r.ratio(t.Name, size, 0, pubRate)
				if sm.N == 0 {
					continue
				}
				x := gx + bar*float64(j)
				f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.1f%%</title></rect>`,
					x, y(sm.Median), bar-2, y(0)-y(sm.Median), colours[j%len(colours)], t.Name, sizeLabel(size), sm.Median*100)
				cx := x + (bar-2)/2
				f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="black"/>`, cx, cx, y(sm.Min), y(sm.Max))
			}
			// Two lines, split at the first dash ("shovel" over
			// "on-publish"): the names are wider than a group.
			first, second, _ := strings.Cut(t.Name, "-")
			f(`<text x="%.1f" y="%d" text-anchor="middle">%s<tspan x="%.1f" dy="14">%s</tspan></text>`,
				gx+group*0.35, h-bottom+18, first, gx+group*0.35, second)
		}
		for j, size := range sizes {
			x := left + 160*j
			f(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s messages</text>`, x, h-30, colours[j%len(colours)], x+18, h-20, sizeLabel(size))
		}
		f(`<text x="%d" y="%d" fill="#555">bars: median of %s; whiskers: range</text>`, left+340, h-20, repsLabel(r))
	}
	f(`</svg>`)
	return s.String()
}

func repsLabel(r *results) string {
	n := 0
	for _, p := range r.Production {
		n = max(n, p.Rep)
	}
	return fmt.Sprintf("%d repetitions", n)
}
