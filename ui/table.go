package ui

import (
	"github.com/shoveltap/shoveltap/tap/reading"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

type colID int

const (
	colTime colID = iota
	colSource
	colExchange
	colRoutingKey
	colSize
	colContentType
	colFormat
	colSummary
	colTrace // the short trace ID (ui/routing.go: traceColumn)
)

type column struct {
	id    colID
	title string
	width int
	right bool
}

// columns is the table's column set for one terminal width.
type columns struct {
	width int // the terminal width they were made for
	key   int // the row cache key: the width, and whether a trace column is in
	list  []column
}

// Column widths. The summary takes what is left; exchange and content type
// are shown only when the summary keeps summaryRoom cells with them.
const (
	markerWidth  = 1 // "▸" on the selected row
	summaryMin   = 16
	summaryRoom  = 32
	summaryGrown = 48 // beyond this the routing key and exchange grow too
)

// columnsFor decides the columns for a terminal width. withSource adds a
// column saying which source each message came from, for sessions that tap
// more than one.
func columnsFor(width int, withSource bool) columns {
	rk, format := 18, 11
	if width < 80 {
		rk, format = 14, 8
	}
	cols := []column{
		{id: colTime, title: "time", width: len("15:04:05.000")},
		{id: colRoutingKey, title: "routing key", width: rk},
		{id: colSize, title: "size", width: 5, right: true},
		{id: colFormat, title: "format", width: format},
	}
	if withSource && width >= 80 { // below 80 the summary needs every cell
		sw := 14
		if width < 100 {
			sw = 10 // keep the summary at least summaryMin wide at 80 columns
		}
		cols = append(cols[:1], append([]column{{id: colSource, title: "source", width: sw}}, cols[1:]...)...)
	}
	summary := func() int {
		used := markerWidth
		for _, c := range cols {
			used += c.width + 1
		}
		return width - used
	}
	insert := func(at int, c column) {
		cols = append(cols[:at], append([]column{c}, cols[at:]...)...)
	}
	if summary()-15 >= summaryRoom {
		insert(1, column{id: colExchange, title: "exchange", width: 14})
	}
	if summary()-17 >= summaryRoom {
		insert(len(cols)-1, column{id: colContentType, title: "content type", width: 16})
	}
	// On wide terminals give the routing key and exchange more room, half
	// of what the summary has beyond summaryGrown each.
	if extra := (summary() - summaryGrown) / 2; extra > 0 {
		for i := range cols {
			switch cols[i].id {
			case colRoutingKey:
				cols[i].width += min(extra, 40-rk)
			case colExchange:
				cols[i].width += min(extra/2, 10)
			}
		}
	}
	cols = append(cols, column{id: colSummary, title: "summary", width: max(summaryMin, summary())})
	return columns{width: width, key: width, list: cols}
}

func cellOf(c *reading.Cells, id colID) string {
	switch id {
	case colTime:
		return c.Time
	case colSource:
		return c.Source
	case colExchange:
		return c.Exchange
	case colRoutingKey:
		return c.RoutingKey
	case colSize:
		return c.Size
	case colContentType:
		return c.ContentType
	case colFormat:
		return c.Format
	}
	return c.Summary
}

// table draws the visible rows of the retained messages. It keeps no rows of its own:
// each entry caches its rendered row for the current columns, and show
// hands it, after every Update, the window of them to draw.
type table struct {
	com        common.Common
	withSource bool // several sources: show which one each message came from
	withTrace  bool // a retained message carries a trace: show the trace column (wide terminals)
	cols       columns
	header     string
	rows       int        // message rows under the header
	keyState   keys.State // what decides which of the table's keys work now
	// The cell styles a row is built with, reduced once.
	timeStyle, formatStyle, selectedStyle inlineStyle

	// What View draws, set by show.
	shown           []*entry
	win             rowWindow
	sel             int
	empty, boundary string
}

var _ common.Component = (*table)(nil)

func newTable(com common.Common, withSource bool) table {
	st := com.Styles.Table
	return table{com: com, withSource: withSource,
		timeStyle: newInlineStyle(st.Time), formatStyle: newInlineStyle(st.Format), selectedStyle: newInlineStyle(st.Selected)}
}

// SetSize sets the width and the height, header line included. A new
// width makes new columns, and with them every cached row stale.
func (t *table) SetSize(width, height int) {
	t.com.SetSize(width, height)
	t.rows = max(0, height-1)
	if width == t.cols.width && t.withTrace == t.cols.trace() {
		return
	}
	t.cols = withTraceColumn(columnsFor(width, t.withSource), t.withTrace)
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerWidth))
	for i, c := range t.cols.list {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.right {
			b.WriteString(fitRight(c.title, c.width))
		} else {
			b.WriteString(fit(c.title, c.width))
		}
	}
	t.header = t.com.Styles.Table.Header.Render(fit(b.String(), width))
}

// show sets what View draws: the window w of shown, index sel selected,
// empty when there is nothing to show and boundary as the label of the
// line between history and live. It fills the row cache of the entries in
// the window, so that View only reads.
func (t *table) show(shown []*entry, w rowWindow, sel int, empty, boundary string) {
	t.shown, t.win, t.sel, t.empty, t.boundary = shown, w, sel, empty, boundary
	t.warm(shown, w)
}

// ShortHelp lists the table's keys that work now, most useful first: the
// help line is cut at the terminal's width.
func (t table) ShortHelp() []key.Binding {
	k := t.com.Keys.For(keys.ModeTable, t.keyState)
	return []key.Binding{k.Open, k.Filter, k.ClearFilter, k.Pause, k.Sources, k.Help, k.Quit, k.Bottom, k.SaveShown}
}

// FullHelp lists every key of the table, one column per group.
func (t table) FullHelp() [][]key.Binding {
	k := t.com.Keys.For(keys.ModeTable, t.keyState.Lasting())
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Lifecycle, k.Topology},
		{k.Filter, k.ClearFilter, k.Pause},
		{k.Help, k.Sources, k.Quit},
		{k.SaveShown},
	}
}

// rowWindow is what the table draws: the entries [first, end) of shown,
// and the line between a stream's history and its live messages before
// entry sep (after the last one when sep == end; -1: no line). limit is
// how many entries are on display in all.
type rowWindow struct{ first, end, sep, limit int }

// windowFor decides what a table of rows lines draws from top, with limit
// entries on display, sel selected and the first live entry at boundary
// (-1 or 0: none, or no history before it). The boundary line takes a row
// of its own: when the entries fill the table, the last one gives way,
// unless it is the selected one; then the first does.
func windowFor(top, limit, rows, sel, boundary int) rowWindow {
	w := rowWindow{first: top, end: min(top+rows, limit), sep: -1, limit: limit}
	if boundary <= 0 || boundary < top || boundary >= w.end {
		return w
	}
	w.sep = boundary
	if w.end-w.first < rows {
		return w // room for the line
	}
	if sel < w.end-1 {
		w.end--
	} else {
		w.first++
		w.sep = max(w.sep, w.first)
	}
	return w
}

// lines is how many table lines the window takes.
func (w rowWindow) lines() int {
	n := w.end - w.first
	if w.sep >= 0 {
		n++
	}
	return n
}

// warm fills the row cache of the entries about to be drawn. It runs in
// Update, so that View only reads.
func (t *table) warm(shown []*entry, w rowWindow) {
	for i := w.first; i < w.end; i++ {
		if e := shown[i]; e.rowCols != t.cols.key {
			e.row, e.rowSel = t.build(e)
			e.rowCols = t.cols.key
		}
	}
}

// row returns the rendered row of e, from its cache when it was built for
// the current columns.
func (t *table) row(e *entry, selected bool) string {
	row, rowSel := e.row, e.rowSel
	if e.rowCols != t.cols.key {
		row, rowSel = t.build(e)
	}
	if selected {
		return rowSel
	}
	return row
}

// build renders e's row: the cells fitted to their columns, styled for an
// ordinary row and reversed for the selected one.
func (t *table) build(e *entry) (row, rowSel string) {
	var plain, styled strings.Builder
	for i, c := range t.cols.list {
		if i > 0 {
			plain.WriteByte(' ')
			styled.WriteByte(' ')
		}
		text := cellOf(&e.r.Cells, c.id)
		if c.id == colTrace {
			text = traceCell(e.r)
		}
		var cell string
		if c.right {
			cell = fitRight(text, c.width)
		} else {
			cell = fit(text, c.width)
		}
		plain.WriteString(cell)
		switch c.id {
		case colTime:
			styled.WriteString(t.timeStyle.render(cell))
		case colFormat:
			styled.WriteString(t.formatStyle.render(cell))
		default:
			styled.WriteString(cell)
		}
	}
	mark := " "
	if e.r.Unroutable() {
		mark = t.com.Styles.Detail.Note.Render(unroutableMark)
	}
	row, sel := mark+styled.String(), "▸"+plain.String()
	if w := t.cols.width; common.TextWidth(sel) > w {
		// Narrower than the narrowest columns (a pane, not the whole
		// screen, can be): cut the row rather than draw past the edge.
		row, sel = common.Truncate(row, w), common.Truncate(sel, w)
	}
	return row, t.selectedStyle.render(sel)
}

// View draws the header and the rows show set. Missing rows are left
// blank; the empty text is shown when there are no rows at all.
func (t table) View() string {
	w := t.win
	lines := make([]string, 0, t.rows+2)
	lines = append(lines, t.header)
	if w.limit == 0 {
		lines = append(lines, "", "  "+t.com.Styles.Table.Empty.Render(common.Truncate(t.empty, t.cols.width-2)))
	}
	for i := w.first; i < w.end; i++ {
		if i == w.sep {
			lines = append(lines, t.boundaryLine(t.boundary))
		}
		lines = append(lines, t.row(t.shown[i], i == t.sel))
	}
	if w.sep == w.end {
		lines = append(lines, t.boundaryLine(t.boundary))
	}
	for len(lines) < t.rows+1 {
		lines = append(lines, "")
	}
	return strings.Join(lines[:t.rows+1], "\n")
}

// boundaryLine is "── label ─────", across the table.
func (t table) boundaryLine(label string) string {
	width := t.cols.width
	text := common.Truncate("── "+label+" ", width)
	return t.com.Styles.Table.Boundary.Render(text + strings.Repeat("─", max(0, width-ansi.StringWidth(text))))
}
