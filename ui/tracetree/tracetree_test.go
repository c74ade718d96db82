package tracetree

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
)

func task(seq uint64, name, id, root, parent string) Item {
	return Item{Seq: seq, Label: name, Task: decode.Task{Kind: "task", Name: name, ID: id, RootID: root, ParentID: parent}}
}

func groupTask(seq uint64, name, id, root, parent, group string) Item {
	it := task(seq, name, id, root, parent)
	it.Task.GroupID = group
	return it
}

func result(seq uint64, id, status string) Item {
	return Item{Seq: seq, Label: status, Task: decode.Task{Kind: "result", ID: id, Status: status}}
}

func event(seq uint64, id, root, parent, status string) Item {
	return Item{Seq: seq, Task: decode.Task{Kind: "event", Name: "ev", ID: id, RootID: root, ParentID: parent, Status: status}}
}

// draw renders the rows as "prefix label [seq] flags" lines.
func draw(t Tree) string {
	var b strings.Builder
	for _, r := range t.Rows() {
		if r.Result != nil {
			fmt.Fprintf(&b, "%s%s #%d\n", r.Prefix, r.Result.Task.Status, r.Seq())
			continue
		}
		n := r.Node
		fmt.Fprintf(&b, "%s%s #%d", r.Prefix, n.Label, r.Seq())
		if n.Status != "" {
			b.WriteString(" " + n.Status)
		}
		if n.MissingParent {
			b.WriteString(" (parent " + n.ParentID + " missing)")
		}
		if n.Cycle {
			b.WriteString(" (cycle)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		root  string
		items []Item
		want  string
	}{
		{
			name: "chain as a worker runs it, with results",
			root: "a",
			items: []Item{
				task(1, "add(1, 2)", "a", "a", ""),
				result(2, "a", "SUCCESS"),
				task(3, "add(3, 3)", "b", "a", "a"),
				task(5, "mul(6, 4)", "c", "a", "b"),
				result(4, "b", "SUCCESS"),
				task(9, "other()", "x", "x", ""), // another workflow
			},
			want: "add(1, 2) #1 SUCCESS\n" +
				"│  = SUCCESS #2\n" +
				"└─ add(3, 3) #3 SUCCESS\n" +
				"   │  = SUCCESS #4\n" +
				"   └─ mul(6, 4) #5\n",
		},
		{
			name: "group started by a task: siblings under one parent",
			root: "r",
			items: []Item{
				task(1, "fan()", "r", "r", ""),
				groupTask(2, "add(0, 0)", "g1", "r", "r", "G"),
				groupTask(3, "add(1, 1)", "g2", "r", "r", "G"),
				groupTask(4, "add(2, 2)", "g3", "r", "r", "G"),
				result(5, "g2", "FAILURE"),
			},
			want: "fan() #1\n" +
				"├─ add(0, 0) #2\n" +
				"├─ add(1, 1) #3 FAILURE\n" +
				"│     = FAILURE #5\n" +
				"└─ add(2, 2) #4\n",
		},
		{
			name: "chord: header tasks, then the callback as the last header's child",
			root: "r",
			items: []Item{
				task(1, "start()", "r", "r", ""),
				groupTask(2, "add(0, 1)", "h1", "r", "r", "G"),
				groupTask(3, "add(1, 1)", "h2", "r", "r", "G"),
				task(6, "xsum([1, 2])", "cb", "r", "h2"),
				result(7, "cb", "SUCCESS"),
			},
			want: "start() #1\n" +
				"├─ add(0, 1) #2\n" +
				"└─ add(1, 1) #3\n" +
				"   └─ xsum([1, 2]) #6 SUCCESS\n" +
				"         = SUCCESS #7\n",
		},
		{
			name: "evicted root and parent: orphans at the top, marked",
			root: "r",
			items: []Item{
				task(10, "b()", "b", "r", "a"),
				task(11, "c()", "c", "r", "b"),
				task(12, "d()", "d", "r", "gone"),
			},
			want: "b() #10 (parent a missing)\n" +
				"└─ c() #11\n" +
				"d() #12 (parent gone missing)\n",
		},
		{
			name: "a cycle is drawn once, broken at its oldest task",
			root: "r",
			items: []Item{
				task(1, "root()", "r", "r", ""),
				task(2, "x()", "x", "r", "y"),
				task(3, "y()", "y", "r", "x"),
				task(4, "self()", "s", "r", "s"), // its own parent: no parent
			},
			want: "root() #1\n" +
				"x() #2 (cycle)\n" +
				"└─ y() #3\n" +
				"self() #4\n",
		},
		{
			name: "a retried task sent again under its id is one node, the newest message",
			root: "r",
			items: []Item{
				task(1, "pay()", "r", "r", ""),
				event(2, "r", "r", "", "task-retried"),
				task(3, "pay() · retry 1", "r", "r", ""),
			},
			want: "pay() · retry 1 #3 task-retried\n",
		},
		{
			name: "a task known only from events",
			root: "r",
			items: []Item{
				task(1, "root()", "r", "r", ""),
				event(2, "k", "r", "r", "task-received"),
				event(3, "k", "r", "r", "task-started"),
				event(4, "unrelated", "z", "", "task-started"),
			},
			want: "root() #1\n" +
				"└─ ev #0 task-started\n",
		},
		{
			name:  "no root id, no tree",
			root:  "",
			items: []Item{task(1, "a()", "a", "", "")},
			want:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := draw(Build(tt.root, tt.items))
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	tr := Build("a", []Item{task(1, "a", "a", "a", ""), result(2, "a", "SUCCESS"), task(3, "b", "b", "a", "a")})
	if tr.Tasks != 2 || tr.Results != 1 {
		t.Errorf("tasks %d results %d, want 2 and 1", tr.Tasks, tr.Results)
	}
}

// TestDeepChainStaysBounded checks that a chain of thousands neither
// recurses without bound nor draws prefixes as wide as the chain is long.
func TestDeepChainStaysBounded(t *testing.T) {
	const n = 5000
	items := []Item{task(1, "t0", "t0", "t0", "")}
	for i := 1; i < n; i++ {
		items = append(items, task(uint64(i+1), fmt.Sprint("t", i), fmt.Sprint("t", i), "t0", fmt.Sprint("t", i-1)))
	}
	rows := Build("t0", items).Rows()
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if w := len([]rune(r.Prefix)); w > 3*(maxIndent+1) {
			t.Fatalf("row %s has a prefix of %d runes", r.Node.ID, w)
		}
	}
	if last := rows[n-1]; !strings.HasSuffix(last.Prefix, "┄  ") || last.Depth != n-1 {
		t.Errorf("deepest row: prefix %q depth %d", last.Prefix, last.Depth)
	}
}

// TestAllCyclic has no task without a parent: every task is in one loop.
func TestAllCyclic(t *testing.T) {
	items := []Item{task(1, "a", "a", "r", "c"), task(2, "b", "b", "r", "a"), task(3, "c", "c", "r", "b")}
	got := draw(Build("r", items))
	want := "a #1 (cycle)\n└─ b #2\n   └─ c #3\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRandomParentsReachEveryTaskOnce links tasks to random parents,
// cycles and missing ones included: every task is drawn exactly once.
func TestRandomParentsReachEveryTaskOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := 1 + rng.IntN(30)
		var items []Item
		for i := range n {
			parent := fmt.Sprint("t", rng.IntN(n+5)) // some parents missing
			if rng.IntN(5) == 0 {
				parent = ""
			}
			items = append(items, task(uint64(i+1), fmt.Sprint("t", i), fmt.Sprint("t", i), "r", parent))
		}
		seen := map[string]int{}
		for _, r := range Build("r", items).Rows() {
			seen[r.Node.ID]++
		}
		for i := range n {
			if id := fmt.Sprint("t", i); seen[id] != 1 {
				t.Fatalf("round %d: task %s drawn %d times", round, id, seen[id])
			}
		}
	}
}
