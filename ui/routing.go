package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// Routing answers "why not?" for a selected message (routing.Live, from
// the management API); nil without one.
type Routing interface {
	NearMisses(exchange, key string, headers map[string]any, limit int) ([]routing.WhyNot, bool)
}

// nearMissLimit caps the "why not" section: the queues bound on the
// message's way that it did not reach.
const nearMissLimit = 20

// unroutableMark is what the table's marker column shows on an unroutable
// message's row (the selected row shows ▸ instead).
const unroutableMark = "!"

// routingSections are the detail pane's sections about where the message
// went: routed to, dead letter (its x-death), trace (with the
// environment's link). Every string from the broker is sanitised here:
// the reading keeps the routing result as found.
func routingSections(st *styles.Styles, r *reading.Reading, trace *traceLink, section func(string), fields func([]reading.Field), add func(string)) {
	note := func(s string) { add("  " + st.Detail.Note.Render("! "+sanitize.Line(s))) }
	if w := r.Route; w != nil {
		res := w.Result
		switch res.Verdict {
		case routing.Unroutable:
			section("routed to · UNROUTABLE")
			add("  " + st.Detail.Note.Render("no production queue got this message: the broker dropped it (or returned it to a mandatory publisher)"))
		case routing.Unknown:
			section("routed to · unknown")
		default:
			section("routed to · " + strconv.Itoa(len(res.Queues)) + " queue(s)")
		}
		for _, q := range res.Queues {
			add("  → queue " + sanitize.Line(q.Queue))
			for _, s := range q.Path {
				add("      " + st.Muted.Render("via "+sanitize.Line(s.String())))
			}
		}
		if res.UsedAlternate {
			add("  " + st.Muted.Render("an alternate exchange was used (an exchange on the way matched nothing)"))
		}
		for _, u := range res.Unknowns {
			note("cannot say: " + u)
		}
		for _, n := range res.Notes {
			add("  " + st.Muted.Render(sanitize.Line(n)))
		}
		for _, d := range w.DeadLetters {
			to := "to exchange " + quoteName(d.DeadLetter.Exchange)
			if d.DeadLetter.HasRoutingKey {
				to += " with key " + quoteName(d.DeadLetter.RoutingKey)
			}
			add("  " + sanitize.Line("dead letters of "+d.Queue+" go "+to+": "+d.Result.Summary()))
		}
	}
	if dl := r.DeadLetter; dl != nil {
		section("dead letter · " + sanitize.Line(dl.Summary()))
		fields(deathFields(dl))
		for _, p := range dl.Problems {
			note(p)
		}
	}
	if c := r.Decoded.Trace; c != nil && c.Valid() {
		section("trace")
		fs := []reading.Field{{Name: "trace id", Value: c.TraceID}, {Name: "span id", Value: c.SpanID}}
		if trace != nil && trace.template != "" {
			fs = append(fs, reading.Field{Name: "link", Value: sanitize.Line(c.Link(trace.template))})
		}
		fields(fs)
	}
}

// detailExtras are what the detail pane shows besides the reading: the
// trace link template and the "why not" lines asked for with r.
type detailExtras struct {
	trace  *traceLink
	whyNot []string // nil: not asked for this message
}

// setWhyNot shows the "why not" lines of e, if e is still on display.
func (d *detail) setWhyNot(msg whyNotMsg) {
	if msg.e != d.entry || d.entry == nil {
		return
	}
	d.extras.whyNot = msg.lines
	d.lines = detailLinesWith(d.com.Styles, d.entry, d.extras)
	d.wrap()
}

// traceLink is the environment's trace-url template (tracectx.Link).
type traceLink struct{ template string }

func quoteName(s string) string {
	if s == "" {
		return "(default)"
	}
	return strconv.Quote(s)
}

// deathFields are a dead letter's x-death entries, one line each.
func deathFields(dl *decode.DeadLetter) []reading.Field {
	var fs []reading.Field
	for _, d := range dl.Deaths {
		v := d.Reason + " from queue " + d.Queue
		if d.Count > 1 {
			v += " (" + strconv.FormatInt(d.Count, 10) + " times)"
		}
		if d.Exchange != "" || len(d.Keys) > 0 {
			v += ", published to " + quoteName(d.Exchange) + " with " + strings.Join(d.Keys, ", ")
		}
		if !d.Time.IsZero() {
			v += ", " + reading.FormatTimestamp(d.Time)
		}
		fs = append(fs, reading.Field{Name: "x-death", Value: sanitize.Line(v)})
	}
	if f := dl.First; f != nil {
		fs = append(fs, reading.Field{Name: "first death", Value: sanitize.Line(f.Reason + " from queue " + f.Queue)})
	}
	if l := dl.Last; l != nil {
		fs = append(fs, reading.Field{Name: "last death", Value: sanitize.Line(l.Reason + " from queue " + l.Queue)})
	}
	return fs
}

// whyNotMsg carries the "why not" lines of an entry, worked out off the
// UI goroutine.
type whyNotMsg struct {
	e     *entry
	lines []string
}

// whyNot works out, in a command, why the message of e did not reach the
// queues bound on its way.
func whyNot(st *styles.Styles, rt Routing, e *entry) tea.Cmd {
	m := e.msg
	return func() tea.Msg {
		ws, ok := rt.NearMisses(m.Exchange, m.RoutingKey, m.Headers, nearMissLimit)
		var out []string
		switch {
		case !ok:
			out = append(out, st.Muted.Render("  the routing model is not loaded yet: try again in a moment"))
		case len(ws) == 0:
			out = append(out, st.Muted.Render("  no other queue is bound on this message's way"))
		}
		for _, w := range ws {
			out = append(out, "  "+sanitize.Line(w.Summary))
			for _, c := range w.Checks {
				mark := "[no ]"
				if c.Matched {
					mark = "[yes]"
				}
				out = append(out, "    "+st.Muted.Render(mark+" "+sanitize.Line(c.Binding.String())))
				out = append(out, "          "+sanitize.Line(c.Why))
			}
		}
		if len(ws) == nearMissLimit {
			out = append(out, st.Muted.Render(fmt.Sprintf("  (the first %d queues only)", nearMissLimit)))
		}
		return whyNotMsg{e: e, lines: out}
	}
}

// routeCounts are the unroutable messages and the dead letters the UI
// received, for the status line. Dead letters are grouped by reason and
// original queue (the most recent x-death entry): a tap of a dead-letter
// queue then says what is dying where.
type routeCounts struct {
	traced     uint64 // messages with a trace: the table then has a trace column
	unroutable uint64
	deaths     []deathCount // in order of first appearance
}

type deathCount struct {
	reason, queue string
	n             uint64
}

// maxDeathGroups bounds the groups kept: a dead-letter queue fed by many
// queues still gets a bounded status line.
const maxDeathGroups = 16

func (c *routeCounts) count(r *reading.Reading) {
	if r.Decoded.Trace != nil {
		c.traced++
	}
	if r.Unroutable() {
		c.unroutable++
	}
	dl := r.DeadLetter
	if dl == nil {
		return
	}
	reason, queue := "", ""
	switch {
	case len(dl.Deaths) > 0:
		reason, queue = dl.Deaths[0].Reason, dl.Deaths[0].Queue
	case dl.Last != nil:
		reason, queue = dl.Last.Reason, dl.Last.Queue
	default:
		return
	}
	for i := range c.deaths {
		if c.deaths[i].reason == reason && c.deaths[i].queue == queue {
			c.deaths[i].n++
			return
		}
	}
	if len(c.deaths) >= maxDeathGroups {
		reason, queue = "other", "other queues"
		for i := range c.deaths {
			if c.deaths[i].reason == reason && c.deaths[i].queue == queue {
				c.deaths[i].n++
				return
			}
		}
	}
	// A copy: the slice is shared with the status info of the last frame.
	c.deaths = append(c.deaths[:len(c.deaths):len(c.deaths)], deathCount{reason: reason, queue: queue, n: 1})
}

// deadLetterLine is the status line's dead-letter summary, most first:
// "☠ dead letters: 12 rejected from orders · 3 expired from payments";
// "" when none was seen.
// (The status line shows it on a queue tap only.)
func (c routeCounts) deadLetterLine() string {
	if len(c.deaths) == 0 {
		return ""
	}
	ds := append([]deathCount(nil), c.deaths...)
	slices.SortStableFunc(ds, func(a, b deathCount) int { return cmp.Compare(b.n, a.n) })
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = thousands(d.n) + " " + sanitize.Line(d.reason) + " from " + sanitize.Line(d.queue)
	}
	return "☠ dead letters: " + strings.Join(parts, " · ")
}

// Trace column: the first traceColumnWidth hex digits of the trace ID,
// enough to tell traces apart on one screen (the filter's trace: term
// takes any part of it). It is shown from traceColumnMin columns on, and
// only once a retained message carries a trace: at 80 columns the
// summary needs every cell.
const (
	traceColumnWidth = 8
	traceColumnMin   = 100
)

// withTraceColumn adds the trace column before the summary, taken from
// the summary's width, when on and wide enough.
func withTraceColumn(c columns, on bool) columns {
	if !on {
		return c
	}
	c.key = c.width | 1<<24
	if c.width < traceColumnMin {
		return c
	}
	last := len(c.list) - 1
	if c.list[last].width-traceColumnWidth-1 < summaryMin {
		return c
	}
	list := append([]column(nil), c.list[:last]...)
	list = append(list, column{id: colTrace, title: "trace", width: traceColumnWidth})
	sum := c.list[last]
	sum.width -= traceColumnWidth + 1
	c.list = append(list, sum)
	return c
}

// trace reports whether the trace column was asked for (it is in the
// key even when the width leaves it out).
func (c columns) trace() bool { return c.key&(1<<24) != 0 }

// traceCell is a row's trace cell: the trace ID's first digits.
func traceCell(r *reading.Reading) string {
	if c := r.Decoded.Trace; c != nil && len(c.TraceID) >= traceColumnWidth {
		return c.TraceID[:traceColumnWidth]
	}
	return ""
}
