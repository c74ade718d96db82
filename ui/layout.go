package ui

// The smallest terminal the UI draws itself in. Below it, a short message
// says so instead of a garbled screen.
const (
	minWidth  = 60
	minHeight = 12
)

// splitMinBody is the smallest body (the rows between the top of the screen
// and the filter bar) that is split between table and detail; smaller bodies
// show the detail pane alone, because a table of three rows above a detail
// pane of seven helps nobody.
const splitMinBody = 28

// layoutState is what the layout depends on besides the terminal size.
type layoutState struct {
	detailOpen  bool
	helpOpen    bool
	filterBar   bool
	statusLines int // 1 to 4, decided by the status bar for this width (warning and notice lines included)
}

// screenLayout says how many lines each part of the screen gets, top to
// bottom. Parts that are not shown get zero lines.
type screenLayout struct {
	tooSmall    bool
	table       int // table lines including its header line
	detail      int // detail lines including its title line
	help        int // full help
	filter      int
	status      int
	shortHelp   int
	width       int
	totalHeight int
}

// layout decides the screen's arrangement. It is pure so that it can be
// tested at many sizes.
func layout(w, h int, st layoutState) screenLayout {
	l := screenLayout{width: w, totalHeight: h}
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	l.status = max(1, min(4, st.statusLines))
	l.shortHelp = 1
	if st.filterBar {
		l.filter = 1
	}
	body := h - l.status - l.shortHelp - l.filter

	switch {
	case st.helpOpen:
		l.help = body
	case !st.detailOpen:
		l.table = body
	case body >= splitMinBody:
		// Table on top with about two fifths, detail below.
		l.table = body * 2 / 5
		l.detail = body - l.table
	default:
		l.detail = body
	}
	return l
}

// tableRows is how many message rows fit under the table's header.
func (l screenLayout) tableRows() int { return max(0, l.table-1) }
