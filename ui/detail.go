package ui

import (
	"fmt"
	"github.com/shoveltap/shoveltap/tap/reading"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// detail is the pane that shows one message in full. Its content is built
// when the selected message changes and wrapped when the width changes.
type detail struct {
	com      common.Common
	vp       viewport.Model
	entry    *entry     // the message shown, nil for none
	lines    []string   // content before wrapping
	keyState keys.State // what decides which of the pane's keys work now
	// deliveries is how many deliveries of the entry the content lists.
	deliveries int
	// extras are the routing and trace lines' settings (ui/routing.go).
	extras detailExtras
}

var _ common.Component = (*detail)(nil)

func newDetail(com common.Common) detail {
	vp := viewport.New()
	vp.FillHeight = true
	return detail{com: com, vp: vp}
}

// SetSize sets the pane's size including its title line.
func (d *detail) SetSize(width, height int) {
	d.vp.SetHeight(max(0, height-1))
	wrap := width != d.com.Width
	d.com.SetSize(width, height)
	if wrap {
		d.vp.SetWidth(width)
		d.wrap()
	}
}

// ShortHelp lists the pane's keys that work now, most useful first.
func (d detail) ShortHelp() []key.Binding {
	k := d.com.Keys.For(keys.ModeDetail, d.keyState)
	return []key.Binding{
		k.Close, k.Next, k.Prev, k.Trace, k.WhyNot, k.Pause, k.Help, k.Quit, k.Bottom,
		k.CopyMessage, k.CopyBody, k.SaveMessage,
	}
}

// FullHelp lists every key of the pane, one column per group.
func (d detail) FullHelp() [][]key.Binding {
	k := d.com.Keys.For(keys.ModeDetail, d.keyState.Lasting())
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Close, k.Next, k.Prev, k.Trace, k.WhyNot},
		{k.Pause},
		{k.Help, k.Quit},
		{k.CopyMessage, k.CopyBody, k.SaveMessage},
	}
}

// show makes e the message on display. The content is rebuilt and scrolled
// to the top only when e is another message.
func (d *detail) show(e *entry) {
	if e == d.entry {
		if e != nil && len(e.deliveries) != d.deliveries {
			// A delivery arrived for the message on display: rebuild in
			// place, keeping the reader's scroll position.
			d.deliveries = len(e.deliveries)
			d.lines = detailLinesWith(d.com.Styles, e, d.extras)
			d.wrap()
		}
		return
	}
	d.entry = e
	d.lines = nil
	d.deliveries = 0
	d.extras.whyNot = nil // asked for again with r
	if e != nil {
		d.lines = detailLinesWith(d.com.Styles, e, d.extras)
		d.deliveries = len(e.deliveries)
	}
	d.wrap()
	d.vp.GotoTop()
}

// wrap cuts the content lines to the pane's width: the viewport then only
// slices lines, whatever the body's size.
func (d *detail) wrap() {
	if d.com.Width <= 0 {
		return
	}
	out := make([]string, 0, len(d.lines))
	for _, l := range d.lines {
		if ansi.StringWidth(l) <= d.com.Width {
			out = append(out, l)
			continue
		}
		out = append(out, strings.Split(ansi.Hardwrap(l, d.com.Width, true), "\n")...)
	}
	d.vp.SetContentLines(out)
}

func (d *detail) scroll(lines int) {
	if lines < 0 {
		d.vp.ScrollUp(-lines)
	} else {
		d.vp.ScrollDown(lines)
	}
}

func (d *detail) page(dir int) {
	if dir < 0 {
		d.vp.PageUp()
	} else {
		d.vp.PageDown()
	}
}

func (d *detail) home() { d.vp.GotoTop() }
func (d *detail) end()  { d.vp.GotoBottom() }

// View draws the title line and the visible part of the content.
func (d detail) View() string {
	body := ""
	if d.vp.Height() > 0 {
		body = "\n" + d.vp.View()
	}
	if d.entry == nil {
		return d.titleLine("no message selected", "") + body
	}
	m := d.entry.msg
	title := fmt.Sprintf("#%d  %s  %s → %s", m.Seq, d.entry.r.Cells.Time,
		d.entry.r.Cells.Exchange, d.entry.r.Cells.RoutingKey)
	pos := "all"
	if d.vp.TotalLineCount() > d.vp.Height() {
		pos = strconv.Itoa(int(d.vp.ScrollPercent()*100)) + "%"
	}
	return d.titleLine(title, pos) + body
}

// titleLine is "title ──────── pos", one line across the pane.
func (d detail) titleLine(title, pos string) string {
	return titleLine(d.com.Styles, title, pos, d.com.Width)
}

// titleLine is the first line of the detail pane and of the trace tree:
// "title ──────── pos" across width cells.
func titleLine(st *styles.Styles, title, pos string, width int) string {
	right := ""
	if pos != "" {
		right = " " + pos
	}
	title = common.Truncate(title, width-ansi.StringWidth(right)-4)
	rule := max(0, width-ansi.StringWidth(title)-ansi.StringWidth(right)-2)
	line := st.Detail.Title.Render(title) + " " + st.Detail.Rule.Render(strings.Repeat("─", rule)+right) + " "
	if width < ansi.StringWidth(right)+2 {
		return common.Truncate(line, width) // a pane too narrow for pos
	}
	return line
}

// maxLabel caps the label column so that a long header name does not push
// every value off the screen.
const maxLabel = 24

// detailLines builds the pane's content for e: decoded section, message,
// properties, headers, body. Every string in e is already sanitised.
func detailLines(st *styles.Styles, e *entry) []string {
	return detailLinesWith(st, e, detailExtras{})
}

// detailLinesWith is detailLines with the routing and trace extras.
func detailLinesWith(st *styles.Styles, e *entry, x detailExtras) []string {
	var out []string
	section := func(title string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Detail.Section.Render(title))
	}
	fields := func(fs []reading.Field) {
		w := 0
		for _, f := range fs {
			w = max(w, ansi.StringWidth(f.Name))
		}
		w = min(w, maxLabel)
		for _, f := range fs {
			out = append(out, "  "+st.Detail.Label.Render(fit(f.Name, w))+"  "+f.Value)
		}
	}

	res := e.r.Shown
	if decoded := e.r.Fields(); len(decoded) > 0 || len(res.Notes) > 0 {
		section("decoded · " + res.Format)
		fs := make([]reading.Field, len(decoded))
		for i, f := range decoded {
			fs[i] = reading.Field{Name: f.Name, Value: f.Value}
		}
		fields(fs)
		for _, n := range res.Notes {
			out = append(out, "  "+st.Detail.Note.Render("! "+n))
		}
	}

	deliverySections(e, section, fields, func(l string) { out = append(out, l) })

	m := e.msg
	section("message")
	msgFields := []reading.Field{
		{Name: "exchange", Value: e.r.Cells.Exchange},
		{Name: "routing key", Value: e.r.Cells.RoutingKey},
		{Name: "received", Value: m.Time.Local().Format("2006-01-02 15:04:05.000 MST")},
		{Name: "size", Value: thousands(uint64(m.Size())) + " bytes"},
	}
	if m.HasOffset {
		// Plain digits: --from offset:N takes them as they are.
		msgFields = append(msgFields, reading.Field{Name: "stream offset", Value: strconv.FormatInt(m.Offset, 10)})
	}
	if m.Redelivered {
		msgFields = append(msgFields, reading.Field{Name: "redelivered", Value: "yes"})
	}
	if m.Source != "" {
		msgFields = append(msgFields, reading.Field{Name: "tapped from", Value: sanitize.Line(m.Source)})
	}
	fields(msgFields)

	routingSections(st, e.r, x.trace, section, fields, func(l string) { out = append(out, l) })
	if x.whyNot != nil {
		section("why not? · the queues bound on the way it did not reach")
		out = append(out, x.whyNot...)
	}

	if len(e.r.Properties) > 0 {
		section("properties")
		fields(e.r.Properties)
	}

	if headers := e.r.Headers(); len(headers) > 0 {
		section("headers")
		out = append(out, headerLines(st, headers)...)
	}

	body := e.body()
	section(bodyTitle(body, m.Size()))
	switch body.Kind {
	case decode.BodyEmpty:
		out = append(out, st.Muted.Render("(empty)"))
	case decode.BodyJSON:
		for _, l := range strings.Split(body.Text, "\n") {
			out = append(out, colorJSON(st, l))
		}
	default:
		out = append(out, strings.Split(body.Text, "\n")...)
	}
	if body.Omitted > 0 {
		out = append(out, st.Detail.Omitted.Render(
			fmt.Sprintf("… %s more bytes not shown", thousands(uint64(body.Omitted)))))
	}
	return out
}

func bodyTitle(b decode.Body, size int) string {
	kind := map[decode.BodyKind]string{
		decode.BodyEmpty: "empty", decode.BodyJSON: "json", decode.BodyText: "text", decode.BodyHex: "hex",
	}[b.Kind]
	return fmt.Sprintf("body · %s · %s bytes", kind, thousands(uint64(size)))
}

// headerLines lays out flattened headers: nested keys indented under their
// parent, values aligned per depth.
func headerLines(st *styles.Styles, hs []reading.HeaderLine) []string {
	w := 0
	for _, h := range hs {
		w = max(w, 2*h.Depth+ansi.StringWidth(h.Key))
	}
	w = min(w, maxLabel)
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		indent := strings.Repeat("  ", h.Depth)
		if h.Value == "" {
			out = append(out, "  "+indent+st.Detail.Label.Render(h.Key))
			continue
		}
		label := fit(h.Key, max(w-2*h.Depth, ansi.StringWidth(h.Key)))
		out = append(out, "  "+indent+st.Detail.Label.Render(label)+"  "+h.Value)
	}
	return out
}
