package picker

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/table"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// wideFrom is the width from which the headers are spelled out; below it
// they are abbreviated so that names keep room at 80 columns.
const wideFrom = 100

// minNameWidth is the least room the name column gets.
const minNameWidth = 12

// columns lays the table out for a terminal width. Every cell is followed
// by one space of padding, so the widths add up to width minus the number
// of columns.
func columns(width int) []table.Column {
	cols := []table.Column{
		{Title: "", Width: 3}, // cursor, space, selection mark
		{Title: "kind", Width: 8},
		{Title: "name"},
		{Title: "type", Width: 8},
		{Title: "bindings", Width: 8},
		{Title: "msg/s", Width: 7},
		{Title: "messages", Width: 8},
		{Title: "consumers", Width: 9},
	}
	if width < wideFrom {
		cols[4] = table.Column{Title: "binds", Width: 5}
		cols[5] = table.Column{Title: "msg/s", Width: 6}
		cols[6] = table.Column{Title: "msgs", Width: 6}
		cols[7] = table.Column{Title: "cons", Width: 4}
	}
	used := len(cols)
	for _, c := range cols {
		used += c.Width
	}
	cols[2].Width = max(minNameWidth, width-used)
	return cols
}

// row formats one resource. Names come from whoever may declare exchanges
// and queues, so they are sanitised.
func row(r broker.Resource, selected bool, cols []table.Column) table.Row {
	mark := "   "
	if selected {
		mark = "  ✓"
	}
	right := func(s string, col int) string {
		if w := cols[col].Width; len(s) < w {
			return strings.Repeat(" ", w-len(s)) + s
		}
		return s
	}
	messages, consumers := "", ""
	if r.Kind == broker.KindQueue {
		messages, consumers = right(count(r.Messages), 6), right(count(r.Consumers), 7)
	}
	return table.Row{
		mark,
		r.Kind,
		sanitize.Line(r.Name),
		sanitize.Line(r.Type),
		right(count(r.Bindings), 4),
		right(rate(r.Rate), 5),
		messages,
		consumers,
	}
}

// rate formats messages per second in at most five cells: 0, 2.5, 340,
// 12.3k, 456k.
func rate(v float64) string {
	switch {
	case v <= 0:
		return "0"
	case v < 9.95:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v < 9999.5:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 99950:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v/1000, 'f', 0, 64) + "k"
}

// count formats a count in at most six cells: 12345, 123k, 1.2M.
func count(n int) string {
	switch {
	case n < 100_000:
		return strconv.Itoa(n)
	case n < 999_500:
		return strconv.Itoa((n+500)/1000) + "k"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
}

// id names a resource for the selection: kind and name.
func id(kind, name string) string { return kind + "\x00" + name }

// sourceID is the id of the resource a source taps.
func sourceID(s tap.Source) string {
	if s.Queue != "" {
		return id(broker.KindQueue, s.Queue)
	}
	return id(broker.KindExchange, s.Exchange)
}

// source is what tapping a resource means: every message of an exchange,
// or what is routed to a queue.
func source(r broker.Resource) tap.Source {
	if r.Kind == broker.KindQueue {
		return tap.Source{Queue: r.Name}
	}
	return tap.Source{Exchange: r.Name, Key: tap.AllKeys}
}

// matches reports whether a resource's name contains the query, ignoring
// case.
func matches(r broker.Resource, query string) bool {
	return query == "" || strings.Contains(strings.ToLower(r.Name), strings.ToLower(query))
}
