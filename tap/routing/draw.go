package routing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mattn/go-runewidth"
)

// Edge kinds of a Graph.
const (
	EdgeBinding    = "binding"
	EdgeAlternate  = "alternate"
	EdgeDeadLetter = "dead-letter"
)

// Node kinds of a Graph.
const (
	NodeExchange = "exchange"
	NodeQueue    = "queue"
)

// Graph is what a message published to one of Roots can meet: the
// exchanges and queues reachable through bindings, alternate exchanges
// and dead-letter exchanges, shoveltap's own objects left out. It is the
// one walk that the tree (Tree, Text) and the Graphviz drawing (Dot)
// both draw.
type Graph struct {
	Roots []string
	// Nodes in the order found; IDs are NodeID's.
	Nodes []Node
	// Edges by source node ID, in drawing order.
	Out map[string][]Edge
	// index is each node's position in Nodes.
	index map[string]int
}

// Node is an exchange or a queue of a Graph.
type Node struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // NodeExchange or NodeQueue
	Name string `json:"name"`
	Type string `json:"type,omitempty"` // exchange or queue type; "" when not in the model
	// Missing says the model does not have it (it does not exist, or
	// this user may not see it).
	Missing bool `json:"missing,omitempty"`
	// Unknown says the exchange's type is one shoveltap does not evaluate:
	// its bindings are drawn as listed, what it does with them is not said.
	Unknown bool `json:"unknown_type,omitempty"`
	// Notes are what else is worth saying (internal, out of scope, a
	// policy that could not be read).
	Notes []string `json:"notes,omitempty"`
}

// Edge is a binding, an alternate-exchange or a dead-letter edge.
type Edge struct {
	From string `json:"from"` // node IDs
	To   string `json:"to"`
	Kind string `json:"kind"` // EdgeBinding, EdgeAlternate or EdgeDeadLetter
	// Label says what the edge takes: a binding's key or header
	// arguments, a dead-letter routing key.
	Label string `json:"label"`
	// Key is the edge's EdgeKey for binding and alternate edges, which
	// a message's route (Step) names too; "" for dead-letter edges.
	Key string `json:"-"`
}

// NodeID is the ID of an exchange or queue in a Graph.
func NodeID(kind, name string) string {
	if kind == NodeExchange {
		return "x:" + name
	}
	return "q:" + name
}

// EdgeKey names the edge a Step of a route went through, the same as the
// Key of that edge in a Graph: a view counts messages per edge with it.
func EdgeKey(s Step) string {
	if s.Binding == nil {
		return "a\x00" + s.Exchange
	}
	return bindingKey(*s.Binding)
}

func bindingKey(b Binding) string {
	return strings.Join([]string{"b", b.Source, b.DestinationType, b.Destination, b.Key, formatArgs(b.Args)}, "\x00")
}

// Graph walks the model from roots (exchange names; "" is the default
// exchange).
func (t *Topology) Graph(roots []string) *Graph {
	g := &Graph{Roots: roots, Out: map[string][]Edge{}, index: map[string]int{}}
	seen := map[string]bool{}
	node := func(n Node) string {
		if !seen[n.ID] {
			seen[n.ID] = true
			g.index[n.ID] = len(g.Nodes)
			g.Nodes = append(g.Nodes, n)
		}
		return n.ID
	}
	var work []string
	exchange := func(name string) string {
		id := NodeID(NodeExchange, name)
		if seen[id] {
			return id
		}
		n := Node{ID: id, Kind: NodeExchange, Name: name}
		if x, ok := t.exchanges[name]; ok {
			n.Type = x.Type
			n.Unknown = !knownType(x.Type)
			if x.Internal {
				n.Notes = append(n.Notes, "internal")
			}
			if x.PolicyUnknown {
				n.Notes = append(n.Notes, "a policy applies that this user cannot read: an alternate exchange it may set is unknown")
			}
			if !t.InScope(name) {
				n.Notes = append(n.Notes, "its bindings were not loaded")
			}
		} else {
			n.Missing = true
		}
		work = append(work, name)
		return node(n)
	}
	queue := func(name string) string {
		id := NodeID(NodeQueue, name)
		if seen[id] {
			return id
		}
		n := Node{ID: id, Kind: NodeQueue, Name: name}
		q, ok := t.queues[name]
		if ok {
			n.Type = q.Type
		} else {
			n.Missing = true
		}
		node(n)
		if ok && q.DeadLetter != nil {
			d := q.DeadLetter
			label := "dead letters"
			if d.HasRoutingKey {
				label += fmt.Sprintf(", key %q", d.RoutingKey)
			}
			if d.From != "" && d.From != "argument" {
				label += " (" + d.From + ")"
			}
			to := exchange(d.Exchange)
			g.Out[id] = append(g.Out[id], Edge{From: id, To: to, Kind: EdgeDeadLetter, Label: label})
		}
		return id
	}
	for _, r := range roots {
		exchange(r)
	}
	for len(work) > 0 {
		name := work[0]
		work = work[1:]
		x, ok := t.exchanges[name]
		if !ok || name == "" {
			// The default exchange's bindings are implicit: every queue by
			// its name; drawing them all would draw the vhost.
			continue
		}
		from := NodeID(NodeExchange, name)
		bs := make([]Binding, 0, len(t.from[name]))
		for _, b := range t.from[name] {
			if !b.own {
				bs = append(bs, b)
			}
		}
		sort.SliceStable(bs, func(i, j int) bool {
			a, b := bs[i], bs[j]
			if a.Key != b.Key {
				return a.Key < b.Key
			}
			if fa, fb := formatArgs(a.Args), formatArgs(b.Args); fa != fb {
				return fa < fb
			}
			if a.DestinationType != b.DestinationType {
				return a.DestinationType > b.DestinationType // queues first
			}
			return a.Destination < b.Destination
		})
		for _, b := range bs {
			var to string
			if b.DestinationType == ToQueue {
				to = queue(b.Destination)
			} else {
				to = exchange(b.Destination)
			}
			g.Out[from] = append(g.Out[from], Edge{From: from, To: to, Kind: EdgeBinding, Label: bindingLabel(x.Type, b), Key: bindingKey(b)})
		}
		if x.Alternate != "" {
			label := "alternate exchange"
			if x.AlternateFrom != "" && x.AlternateFrom != "argument" {
				label += " (" + x.AlternateFrom + ")"
			}
			to := exchange(x.Alternate)
			g.Out[from] = append(g.Out[from], Edge{From: from, To: to, Kind: EdgeAlternate, Label: label, Key: EdgeKey(Step{Exchange: name, Alternate: x.Alternate})})
		}
	}
	return g
}

func knownType(typ string) bool {
	switch typ {
	case Direct, Fanout, Topic, Headers:
		return true
	}
	return false
}

// bindingLabel says what a binding of an exchange of type typ takes.
func bindingLabel(typ string, b Binding) string {
	switch typ {
	case Fanout:
		return "every message"
	case Headers:
		match := "all"
		var rest []string
		keys := make([]string, 0, len(b.Args))
		for k := range b.Args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "x-match" {
				match = fmt.Sprint(b.Args[k])
				continue
			}
			if strings.HasPrefix(k, "x-") && match != "all-with-x" && match != "any-with-x" {
				// Only the -with-x modes compare x- arguments; say them,
				// they are part of the binding.
				rest = append(rest, fmt.Sprintf("%s=%s (not compared)", k, formatValue(b.Args[k])))
				continue
			}
			rest = append(rest, fmt.Sprintf("%s=%s", k, formatValue(b.Args[k])))
		}
		if len(rest) == 0 {
			return "x-match " + match + ", no headers"
		}
		return "x-match " + match + ": " + strings.Join(rest, ", ")
	}
	s := fmt.Sprintf("key %q", b.Key)
	if len(b.Args) > 0 {
		s += " " + formatArgs(b.Args)
	}
	return s
}

// node returns the node of id.
func (g *Graph) node(id string) Node {
	if i, ok := g.index[id]; ok {
		return g.Nodes[i]
	}
	return Node{ID: id}
}

// describe is a node as the tree names it.
func (n Node) describe() string {
	if n.Kind == NodeExchange && n.Name == "" {
		return "the default exchange (every queue by its name)"
	}
	s := n.Kind + " " + n.Name
	switch {
	case n.Missing && n.Kind == NodeExchange:
		return s + " (not found: it does not exist, or this user may not see it; messages sent there are dropped)"
	case n.Missing:
		return s + " (not found)"
	case n.Unknown:
		s += " (" + n.Type + ": a type shoveltap does not evaluate; bindings as listed, where it routes is unknown)"
	case n.Kind == NodeExchange:
		s += " (" + n.Type + ")"
	}
	if len(n.Notes) > 0 {
		s += " [" + strings.Join(n.Notes, "; ") + "]"
	}
	return s
}

// TreeLine is one line of the tree drawing of a Graph.
type TreeLine struct {
	// Prefix is the tree's glyphs before the text ("│  ├─ "); Cont is
	// what a wrapped line's next lines start with.
	Prefix, Cont string
	Text         string
	// Edge is the Key of the edge this line draws ("" for a root or a
	// dead-letter edge): a view shows its count beside it.
	Edge string
}

// Tree draws g as an indented tree, one root exchange after another: each
// edge a line under its source, "→" its destination. An exchange is
// drawn once: met again, it says "drawn above", and an exchange on its
// own way (a cycle) says so.
func (g *Graph) Tree() []TreeLine {
	var out []TreeLine
	drawn := map[string]bool{}
	var walk func(id, indent string, onPath map[string]bool)
	walk = func(id, indent string, onPath map[string]bool) {
		edges := g.Out[id]
		for i, e := range edges {
			last := i == len(edges)-1
			branch, next := "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
			to := g.node(e.To)
			text := e.Label + " → " + to.describe()
			follow := false
			switch {
			case to.Kind == NodeExchange && onPath[to.ID]:
				text += " ↺ cycle: it routes back here, not followed again"
			case to.Kind == NodeExchange && drawn[to.ID]:
				if len(g.Out[to.ID]) > 0 {
					text += ", drawn above"
				}
			default:
				follow = len(g.Out[to.ID]) > 0
			}
			cont := indent + next
			if follow {
				cont += "│  "
			} else {
				cont += "   "
			}
			out = append(out, TreeLine{Prefix: indent + branch, Cont: cont, Text: text, Edge: e.Key})
			if follow {
				if to.Kind == NodeExchange {
					drawn[to.ID] = true
				}
				onPath[to.ID] = true
				walk(to.ID, indent+next, onPath)
				delete(onPath, to.ID)
			}
		}
	}
	for _, r := range g.Roots {
		id := NodeID(NodeExchange, r)
		n := g.node(id)
		text := n.describe()
		if drawn[id] {
			text += ", drawn above"
		}
		cont := "   "
		if !drawn[id] && len(g.Out[id]) > 0 {
			cont = "│  "
		}
		out = append(out, TreeLine{Cont: cont, Text: text})
		if drawn[id] {
			continue
		}
		drawn[id] = true
		walk(id, "", map[string]bool{id: true})
	}
	return out
}

// Wrap lays tree lines out at width columns (0: no limit): a line too
// long goes on at the next under its own text, broken between words.
// suffix, when not nil, adds to each line's text (a view's counts).
func Wrap(lines []TreeLine, width int, suffix func(TreeLine) string) []string {
	var out []string
	for _, l := range lines {
		text := l.Text
		if suffix != nil {
			text += suffix(l)
		}
		prefix := l.Prefix
		for {
			room := width - runewidth.StringWidth(prefix)
			if width <= 0 || runewidth.StringWidth(text) <= room || room < 10 {
				out = append(out, prefix+text)
				break
			}
			head, rest := breakAt(text, room)
			out = append(out, prefix+head)
			text, prefix = rest, l.Cont+"  "
		}
	}
	return out
}

// breakAt splits s at the last space that leaves at most room columns
// before it, or at room columns when there is no such space.
func breakAt(s string, room int) (string, string) {
	w, cut, space := 0, len(s), -1
	for i, r := range s {
		if r == ' ' {
			space = i
		}
		w += runewidth.RuneWidth(r)
		if w > room {
			cut = i
			break
		}
	}
	if space > 0 {
		return s[:space], strings.TrimLeft(s[space:], " ")
	}
	return s[:cut], s[cut:]
}

// Text is the tree of g at width columns, one string with a newline after
// every line.
func (g *Graph) Text(width int) string {
	var b strings.Builder
	for _, l := range Wrap(g.Tree(), width, nil) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Dot is g in Graphviz's language: exchanges as boxes, queues as
// ellipses, bindings as edges labelled by key or headers, alternate
// exchanges dotted and dead letters dashed. Unknown exchange types and
// missing objects are drawn red and say so.
func (g *Graph) Dot() string {
	var b strings.Builder
	b.WriteString("digraph topology {\n")
	b.WriteString("  rankdir=LR;\n")
	b.WriteString("  node [fontname=\"Helvetica\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for _, n := range g.Nodes {
		label, attrs := n.Name, []string{}
		if n.Kind == NodeExchange {
			attrs = append(attrs, "shape=box")
			if n.Name == "" {
				label = "(default exchange)"
			}
			if n.Type != "" {
				label += "\n" + n.Type
			}
		} else {
			attrs = append(attrs, "shape=ellipse")
		}
		switch {
		case n.Missing:
			label += "\nnot found"
			attrs = append(attrs, "color=red", "fontcolor=red")
		case n.Unknown:
			label += "\n(type not evaluated)"
			attrs = append(attrs, "color=red")
		}
		for _, note := range n.Notes {
			label += "\n" + note
		}
		attrs = append(attrs, "label="+dotQuote(label))
		fmt.Fprintf(&b, "  %s [%s];\n", dotQuote(n.ID), strings.Join(attrs, ", "))
	}
	for _, n := range g.Nodes {
		for _, e := range g.Out[n.ID] {
			attrs := []string{"label=" + dotQuote(e.Label)}
			switch e.Kind {
			case EdgeAlternate:
				attrs = append(attrs, "style=dotted")
			case EdgeDeadLetter:
				attrs = append(attrs, "style=dashed", "color=gray40")
			}
			fmt.Fprintf(&b, "  %s -> %s [%s];\n", dotQuote(e.From), dotQuote(e.To), strings.Join(attrs, ", "))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote is s as a Graphviz quoted string: backslashes and quotes
// escaped, newlines as \n, other control characters dropped.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
