package ui

import (
	"slices"
	"strconv"

	"charm.land/bubbles/v2/key"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// edgeCounts count, per edge of the routing model (a binding or an
// alternate exchange, by routing.EdgeKey), the messages of this session
// whose route went through it: the topology view's live share of each
// binding. They are fed as batches arrive (retained.ingest), so that
// drawing the view reads counts and never routes.
type edgeCounts struct {
	routed     uint64 // messages with a route (the model was loaded)
	unroutable uint64
	byEdge     map[string]uint64
	// exchanges are the exchanges the routed messages were published to,
	// in order of first appearance: the roots of the drawing besides the
	// model's own.
	exchanges []string
}

func (c *edgeCounts) count(r *reading.Reading) {
	if r.Route == nil {
		return
	}
	c.routed++
	if r.Unroutable() {
		c.unroutable++
	}
	res := &r.Route.Result
	if !slices.Contains(c.exchanges, res.Exchange) && len(c.exchanges) < maxTopologyRoots {
		c.exchanges = append(c.exchanges, res.Exchange)
	}
	if c.byEdge == nil {
		c.byEdge = map[string]uint64{}
	}
	// One message counts once per edge, however many of its queues' ways
	// share it.
	var seen []string
	for _, q := range res.Queues {
		for _, s := range q.Path {
			k := routing.EdgeKey(s)
			if !slices.Contains(seen, k) {
				seen = append(seen, k)
				c.byEdge[k]++
			}
		}
	}
}

// maxTopologyRoots bounds the exchanges drawn from the messages' own: a
// queue tap fed by many exchanges still draws a bounded tree.
const maxTopologyRoots = 32

// Topology is what the topology view draws from: the routing model in
// use and the exchanges it was loaded from (routing.Live).
type Topology interface {
	Current() *routing.Topology
	Roots() []string
}

// A live tap's routing draws its topology too.
var _ Topology = (*routing.Live)(nil)

// topologyView is the topology of the tapped exchanges (T), drawn in place
// of the table: each exchange's bindings, alternate and dead-letter edges
// as routing.Graph's tree, with the messages of this session that went
// through each binding.
type topologyView struct {
	com      common.Common
	keyState keys.State
	top      int

	// The tree is made again only when the model or the roots change;
	// the counts are put beside it on every refresh.
	model *routing.Topology
	roots []string
	tree  []routing.TreeLine
	// Prepared by refresh for View.
	title string
	lines []string
}

var _ common.Component = (*topologyView)(nil)

func newTopologyView(com common.Common) topologyView { return topologyView{com: com} }

// SetSize sets the size of the view.
func (v *topologyView) SetSize(width, height int) { v.com.SetSize(width, height) }

// ShortHelp lists the keys of the view for the help line.
func (v topologyView) ShortHelp() []key.Binding {
	k := v.com.Keys.For(keys.ModeTopology, v.keyState)
	return []key.Binding{k.Close, k.Down, k.PageDown, k.Pause, k.Help, k.Quit}
}

// FullHelp lists every key of the view.
func (v topologyView) FullHelp() [][]key.Binding {
	k := v.com.Keys.For(keys.ModeTopology, v.keyState)
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Close, k.Pause, k.Help, k.Quit},
	}
}

// refresh prepares the lines of the view from the model in use and the
// counts so far.
func (v *topologyView) refresh(src Topology, c *edgeCounts) {
	var model *routing.Topology
	var roots []string
	if src != nil {
		model = src.Current()
		roots = src.Roots()
	}
	for _, x := range c.exchanges {
		if !slices.Contains(roots, x) {
			roots = append(roots, x)
		}
	}
	if model != v.model || !slices.Equal(roots, v.roots) {
		v.model, v.roots, v.tree = model, roots, nil
		if model != nil {
			v.tree = model.Graph(roots).Tree()
			for i := range v.tree {
				v.tree[i].Text = sanitize.Line(v.tree[i].Text)
			}
		}
	}
	v.title = "topology · " + thousands(c.routed) + " message(s) this session"
	if c.unroutable > 0 {
		v.title += ", " + thousands(c.unroutable) + " unroutable"
	}
	if model != nil {
		v.title += " · vhost " + sanitize.Line(model.Vhost)
	}
	switch {
	case model == nil:
		v.lines = []string{"  the routing model is not loaded yet: the view fills in when it is"}
	case len(roots) == 0:
		v.lines = []string{"  no tapped exchange yet: the view fills in when messages arrive"}
	default:
		v.lines = routing.Wrap(v.tree, v.com.Width, func(l routing.TreeLine) string {
			if l.Edge == "" {
				return ""
			}
			return " · " + share(c.byEdge[l.Edge], c.routed)
		})
	}
	v.scroll(0)
}

// share is n of total, with its percentage: "12 (40%)".
func share(n, total uint64) string {
	s := thousands(n)
	if total > 0 && n > 0 {
		s += " (" + strconv.FormatUint((n*100+total/2)/total, 10) + "%)"
	}
	return s
}

// rows are the lines that fit under the title.
func (v *topologyView) rows() int { return max(1, v.com.Height-1) }

// scroll moves the view by n lines, kept in range.
func (v *topologyView) scroll(n int) {
	v.top = max(0, min(v.top+n, len(v.lines)-v.rows()))
}

func (v *topologyView) page(n int) { v.scroll(n * max(1, v.rows()-1)) }
func (v *topologyView) home()      { v.top = 0 }
func (v *topologyView) end()       { v.top = max(0, len(v.lines)-v.rows()) }

// View draws the title and the lines in view; refresh prepared them.
func (v topologyView) View() string {
	w, h := v.com.Width, v.com.Height
	title := v.title
	if len(v.lines) > v.rows() {
		title += " · " + strconv.Itoa(v.top+1) + "–" + strconv.Itoa(min(len(v.lines), v.top+v.rows())) + " of " + strconv.Itoa(len(v.lines))
	}
	out := make([]string, 0, h)
	out = append(out, v.com.Styles.Muted.Render(common.Truncate(title, w)))
	for i := v.top; i < len(v.lines) && len(out) < h; i++ {
		out = append(out, common.Truncate(v.lines[i], w))
	}
	return common.Block(out, h)
}

// topologyOf is the routing model's source when opts.Routing has one.
func topologyOf(r Routing) Topology {
	t, _ := r.(Topology)
	return t
}

// openTopology shows the topology view from the table.
func (m *Model) openTopology() {
	m.topoOpen = true
	m.topo.home()
}
