// Package tracetree builds the trace tree of a Celery workflow from the
// retained messages: the task messages that share a root id, linked by
// parent id, with the results and events seen for each task. It is pure
// code, so that odd workflows (orphans, cycles, evicted parents) are tested
// without a terminal.
package tracetree

import (
	"slices"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Item is one retained message that a decoder recognised as a Celery task,
// result or event.
type Item struct {
	Seq   uint64
	Task  decode.Task
	Label string // what the row shows, e.g. the table's summary
}

// Node is one task of the workflow.
type Node struct {
	ID, Name, ParentID string
	// Seq is the newest task message with this id (a retried task is sent
	// again under the same id); 0 when only its results or events were
	// retained.
	Seq   uint64
	Label string
	// Results are the result messages for the task, oldest first.
	Results []Item
	// Status is the newest status seen in a result or event, e.g. SUCCESS
	// or task-started; "" when none was seen.
	Status string
	// MissingParent says the task names a parent that no retained message
	// has: the parent was evicted, not tapped, or is not a Celery task.
	MissingParent bool
	// Cycle says the parent links loop back to this task; it is shown as a
	// top-level task so that the loop is drawn once.
	Cycle    bool
	Children []*Node

	first uint64 // oldest message of the task, for ordering
}

// Tree is the workflow of one root id.
type Tree struct {
	RootID  string
	Roots   []*Node // the root task first when retained, then orphans
	Tasks   int     // tasks in the tree
	Results int     // result messages in the tree
}

// Build returns the tree of the workflow whose root id is rootID, from
// items in any order. Tasks belong to it when their root id is rootID or
// when they are the root; results and events belong to the tasks they name.
func Build(rootID string, items []Item) Tree {
	t := Tree{RootID: rootID}
	if rootID == "" {
		return t
	}
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b Item) int { return cmpSeq(a.Seq, b.Seq) })

	nodes := map[string]*Node{}
	var order []*Node
	node := func(id string, seq uint64) *Node {
		n := nodes[id]
		if n == nil {
			n = &Node{ID: id, first: seq}
			nodes[id] = n
			order = append(order, n)
		}
		return n
	}
	inWorkflow := func(task decode.Task) bool {
		return task.ID != "" && (task.RootID == rootID || task.ID == rootID)
	}

	// Tasks first, so that results and events find them whatever the order
	// of arrival.
	for _, it := range items {
		task := it.Task
		isTask := task.Kind == "task"
		// Events such as task-received carry the root and parent ids: they
		// put a task in the tree even when its message was not retained.
		isEvent := task.Kind == "event" && task.RootID != ""
		if !(isTask || isEvent) || !inWorkflow(task) {
			continue
		}
		n := node(task.ID, it.Seq)
		if n.ParentID == "" && task.ParentID != task.ID {
			n.ParentID = task.ParentID
		}
		if n.Name == "" {
			n.Name = task.Name
		}
		if isTask {
			n.Seq, n.Label, n.Name = it.Seq, it.Label, task.Name
		}
	}
	for _, it := range items {
		n := nodes[it.Task.ID]
		if n == nil || it.Task.Status == "" {
			continue
		}
		switch it.Task.Kind {
		case "result":
			n.Results = append(n.Results, it)
			t.Results++
			n.Status = it.Task.Status
		case "event":
			n.Status = it.Task.Status
		}
	}
	for _, n := range order {
		if n.Label == "" {
			n.Label = n.Name
		}
	}
	t.Tasks = len(order)
	t.Roots = link(nodes, order)
	return t
}

// link sets the children of every node and returns the top-level nodes: the
// tasks without a parent, those whose parent is missing, and one task of
// each cycle. Every node is reached exactly once.
func link(nodes map[string]*Node, order []*Node) []*Node {
	var roots []*Node
	for _, n := range order {
		switch p := nodes[n.ParentID]; {
		case n.ParentID == "":
			roots = append(roots, n)
		case p == nil:
			n.MissingParent = true
			roots = append(roots, n)
		default:
			p.Children = append(p.Children, n)
		}
	}
	// Nodes in a cycle are reachable from no root: break each cycle at its
	// oldest task.
	reached := map[*Node]bool{}
	var mark func(n *Node)
	mark = func(n *Node) {
		if reached[n] {
			return
		}
		reached[n] = true
		for _, c := range n.Children {
			mark(c)
		}
	}
	for _, r := range roots {
		mark(r)
	}
	for _, n := range order {
		if reached[n] {
			continue
		}
		if p := nodes[n.ParentID]; p != nil {
			p.Children = slices.DeleteFunc(p.Children, func(c *Node) bool { return c == n })
		}
		n.Cycle = true
		roots = append(roots, n)
		mark(n)
	}
	// The root task first, then the others in the order they were seen.
	slices.SortStableFunc(roots, func(a, b *Node) int {
		return cmpSeq(a.first, b.first)
	})
	for _, n := range order {
		slices.SortStableFunc(n.Children, func(a, b *Node) int { return cmpSeq(a.first, b.first) })
	}
	return roots
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// maxIndent is the deepest level drawn with its own indentation; deeper
// levels (a chain of thousands) are drawn at this level, marked, so that a
// row's prefix stays short.
const maxIndent = 16

// Row is one line of the tree: a task, or a result under its task.
type Row struct {
	Prefix string // tree drawing, e.g. "│  └─ "
	Node   *Node
	Result *Item // set for a result row
	Depth  int
}

// Seq is the message the row opens; 0 when none was retained.
func (r Row) Seq() uint64 {
	if r.Result != nil {
		return r.Result.Seq
	}
	return r.Node.Seq
}

// Rows flattens the tree, depth first, children in the order seen.
func (t Tree) Rows() []Row {
	var rows []Row
	type frame struct {
		n      *Node
		depth  int
		indent string // drawing of the ancestors' columns
		last   bool
	}
	// An explicit stack: a chain of thousands must not recurse as deep.
	var stack []frame
	for i := len(t.Roots) - 1; i >= 0; i-- {
		stack = append(stack, frame{n: t.Roots[i], last: true})
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]

		prefix, below := "", f.indent
		switch {
		case f.depth == 0:
		case f.depth > maxIndent:
			// Too deep to indent further: same column, marked.
			prefix = f.indent + "┄  "
		case f.last:
			prefix, below = f.indent+"└─ ", f.indent+"   "
		default:
			prefix, below = f.indent+"├─ ", f.indent+"│  "
		}
		rows = append(rows, Row{Prefix: prefix, Node: f.n, Depth: f.depth})
		resultIndent := below + "   "
		if len(f.n.Children) > 0 {
			resultIndent = below + "│  "
		}
		for i := range f.n.Results {
			res := &f.n.Results[i]
			rows = append(rows, Row{Prefix: resultIndent + "= ", Node: f.n, Result: res, Depth: f.depth})
		}
		for i := len(f.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, frame{n: f.n.Children[i], depth: f.depth + 1, indent: below, last: i == len(f.n.Children)-1})
		}
	}
	return rows
}
