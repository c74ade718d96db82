package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
)

// statusInfo is everything the status bar shows, gathered by the root
// model so that the bar itself is a pure function of it.
type statusInfo struct {
	broker, vhost  string
	sources        []string
	state          tap.State
	detail         string // why the tap is reconnecting or failed
	closed         bool   // the batch channel was closed
	rate           float64
	seen, dropped  uint64
	droppedUnknown bool
	evicted        uint64
	shown          int // matching the filter
	retained       int
	filtered       bool
	paused         bool
	newPaused      uint64
	following      bool
	newer          int    // rows below the selection
	capture        bool   // reading a capture file, not a live tap
	notice         string // what the last action did
	warning        string // what the tap cannot see (tap.Status.Notes), --insecure-tls
	env            string // the environment's label, already styled
	budget         tap.BudgetStatus
	routes         routeCounts
	deadLetters    bool // show the dead letters' groups (a queue tap)
}

// statusBar renders statusInfo in one line when it fits the width and in
// two otherwise: the tap on the first, the counters on the second; notices
// and warnings go on lines above them.
type statusBar struct {
	com  common.Common
	info statusInfo
	out  []string // the lines for info at the width, made by set
}

var _ common.Component = (*statusBar)(nil)

// set gives the bar what to show at width and returns how many lines it
// needs for it; the layout then gives it its height with SetSize.
func (b *statusBar) set(in statusInfo, width int) int {
	b.info = in
	b.com.Width = width
	b.out = b.lines(in, width)
	return len(b.out)
}

// SetSize sets the bar's width and the lines it gets. When it gets fewer
// than it needs, the first ones (notices) give way to the tap's state.
func (b *statusBar) SetSize(width, height int) {
	if width != b.com.Width {
		b.out = b.lines(b.info, width)
	}
	b.com.SetSize(width, height)
}

func (b statusBar) View() string {
	out := b.out
	if len(out) > b.com.Height {
		out = out[len(out)-max(0, b.com.Height):]
	}
	return strings.Join(out, "\n")
}

// The status bar never has the keyboard: it has no keys of its own.
func (b statusBar) ShortHelp() []key.Binding  { return nil }
func (b statusBar) FullHelp() [][]key.Binding { return nil }

// lines returns the bar's lines for a width; every line fits in it.
func (b statusBar) lines(in statusInfo, width int) []string {
	tapPart := b.tapPart(in)
	counts := b.counts(in, false)
	mode := b.mode(in)
	sep := b.com.Styles.Status.Label.Render("  │  ")

	var notice []string
	if in.warning != "" {
		notice = append(notice, common.Truncate(b.com.Styles.Status.Warn.Render("⚠ "+sanitize.Line(in.warning)), width))
	}
	if in.notice != "" {
		notice = append(notice, common.Truncate(b.com.Styles.Status.Value.Render(sanitize.Line(in.notice)), width))
	}
	if line := in.routes.deadLetterLine(); line != "" && in.deadLetters {
		notice = append(notice, common.Truncate(b.com.Styles.Status.Warn.Render(line), width))
	}
	if line := budgetLine(in.budget); line != "" {
		notice = append(notice, common.Truncate(b.com.Styles.Status.Warn.Render("◐ "+line), width))
	}
	one := tapPart + sep + counts
	if ansi.StringWidth(one)+2+ansi.StringWidth(mode) <= width {
		return append(notice, spread(one, mode, width))
	}
	if ansi.StringWidth(counts) > width {
		// Big numbers: round them rather than lose the last counters.
		counts = b.counts(in, true)
	}
	return append(notice,
		spread(tapPart, mode, width),
		common.Truncate(counts, width),
	)
}

// spread puts left and right on one line of width cells, at least two
// cells apart, cutting left when both do not fit.
func spread(left, right string, width int) string {
	rw := ansi.StringWidth(right)
	left = common.Truncate(left, width-rw-2)
	gap := width - ansi.StringWidth(left) - rw
	if gap < 2 {
		return common.Truncate(left+"  "+right, width)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (b statusBar) tapPart(in statusInfo) string {
	s := b.com.Styles.Status
	var badge string
	state := in.state
	if in.closed && state != tap.StateFailed {
		state = tap.StateStopped
	}
	detail := sanitize.Line(in.detail)
	if in.capture {
		return b.capturePart(in.state, detail, in.broker)
	}
	switch state {
	case tap.StateStarting:
		badge = s.Starting.Render("◌ starting")
	case tap.StateRunning:
		badge = s.Running.Render("● running")
		if detail != "" {
			// e.g. the tap was re-created after a gap: say so.
			badge += " " + s.Warn.Render(detail) + " ·"
		}
	case tap.StateReconnecting:
		badge = s.Reconnecting.Render(" RECONNECTING ")
		if detail != "" {
			badge += " " + s.Warn.Render(detail) + " ·"
		}
		badge += s.Label.Render(" messages kept")
	case tap.StateStopping:
		badge = s.Starting.Render("◌ removing tap")
	case tap.StateStopped:
		badge = s.Stopped.Render("■ stopped")
	case tap.StateFailed:
		badge = s.Failed.Render(" ✗ FAILED ")
		if detail != "" {
			badge += " " + s.Warn.Render(detail)
		}
	default:
		badge = s.Stopped.Render(state.String())
	}

	where := sanitize.Line(in.broker)
	if in.vhost != "" {
		where += s.Label.Render("  vhost ") + sanitize.Line(in.vhost)
	}
	if len(in.sources) > 0 {
		where += s.Label.Render("  tapping ") + sanitize.Line(strings.Join(in.sources, ", "))
	}
	if in.env != "" {
		// First, so that a cut line still says which environment this is.
		badge = in.env + " " + badge
	}
	return badge + "  " + where
}

// counts are the rate and counters; compact rounds large numbers.
func (b statusBar) counts(in statusInfo, compact bool) string {
	s := b.com.Styles.Status
	num := thousands
	if compact {
		num = compactCount
	}
	item := func(label, value string) string {
		return s.Label.Render(label+" ") + s.Value.Render(value)
	}
	dot := s.Label.Render(" · ")
	rate := s.Value.Render(formatRate(in.rate)) + s.Label.Render(" msg/s")
	if in.budget.MaxRate > 0 {
		rate += s.Label.Render(" (max " + perSecond(float64(in.budget.MaxRate)) + ")")
	}
	parts := []string{rate, item("seen", num(in.seen))}
	if in.filtered {
		parts = append(parts, item("matching", num(uint64(in.shown))+"/"+num(uint64(in.retained))))
	} else {
		parts = append(parts, item("retained", num(uint64(in.retained))))
	}
	dropped := item("dropped", num(in.dropped))
	if in.droppedUnknown {
		// The broker keeps no message statistics: say so rather than
		// show a zero that means nothing.
		dropped = s.Label.Render("dropped ") + s.Value.Render("unknown")
	} else if in.dropped > 0 {
		dropped = s.Label.Render("dropped ") + s.Warn.Render(num(in.dropped))
	}
	parts = append(parts, dropped, item("evicted", num(in.evicted)))
	if in.routes.unroutable > 0 {
		// Only when there are some: the silent drop made visible.
		parts = append(parts, s.Label.Render("unroutable ")+s.Warn.Render(num(in.routes.unroutable)))
	}
	return strings.Join(parts, dot)
}

func (b statusBar) mode(in statusInfo) string {
	s := b.com.Styles.Status
	switch {
	case in.paused:
		return s.Paused.Render(" PAUSED · " + thousands(in.newPaused) + " new ")
	case in.following:
		return s.Label.Render("following")
	case in.newer == 0:
		return s.Label.Render("not following")
	default:
		return s.Label.Render(thousands(uint64(in.newer)) + " newer ↓")
	}
}

func formatRate(r float64) string {
	switch {
	case r <= 0:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return thousands(uint64(r + 0.5))
}
