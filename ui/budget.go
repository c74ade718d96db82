package ui

import (
	"strconv"

	"github.com/shoveltap/shoveltap/tap"
)

// budgetLine says, in plain words, that the production budget (--max-rate)
// has the tap copying only part of the time, and what that leaves out:
// "sampling ~8 %: 12.3 k/s > max 1 k/s · ~45.1k sampled away (not drops)".
// Empty while the tap copies everything.
func budgetLine(b tap.BudgetStatus) string {
	if !b.Sampling {
		return ""
	}
	s := "sampling ~" + formatShare(b.Share) + ": " + perSecond(b.TappedRate) + " > max " + perSecond(float64(b.MaxRate))
	if b.SampledAway > 0 {
		s += " · ~" + compactCount(b.SampledAway) + " sampled away (not drops)"
	}
	return s
}

// formatShare is a share (0–1) as a percentage with the digits that
// matter: 0.4 %, 8 %, 63 %.
func formatShare(f float64) string {
	p := 100 * f
	if p < 9.95 {
		return strconv.FormatFloat(p, 'f', 1, 64) + " %"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + " %"
}

// perSecond is a rate in short form: 950/s, 1 k/s, 12.3 k/s, 1.2 M/s.
func perSecond(r float64) string {
	switch {
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 0, 64) + "/s"
	case r < 999_500:
		return trimmed(r/1000) + " k/s"
	}
	return trimmed(r/1_000_000) + " M/s"
}

// trimmed is v with one decimal under 100, none above, and no ".0".
func trimmed(v float64) string {
	prec := 1
	if v >= 99.95 {
		prec = 0
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s
}
