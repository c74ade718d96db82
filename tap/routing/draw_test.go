package routing

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// drawModel has every kind of edge: a topic exchange with bindings, an
// exchange-to-exchange chain to a headers exchange, an alternate exchange,
// a queue dead-lettering to an exchange that routes back (a cycle), an
// exchange of an unknown type, a dead-letter exchange that does not exist
// and, with own, a tap's own binding, left out.
func drawModel(own ...bool) *Topology {
	bs := drawBindings
	if len(own) > 0 && own[0] {
		bs = append(bs, Binding{Source: "orders", Destination: "shoveltap-q-1", DestinationType: ToQueue, Key: "#"},
			Binding{Source: "shoveltap-tap-1", Destination: "all", DestinationType: ToQueue})
	}
	return New("/",
		[]Exchange{
			{Name: "orders", Type: Topic, Alternate: "unrouted", AlternateFrom: "argument"},
			{Name: "unrouted", Type: Fanout},
			{Name: "billing", Type: Headers, Internal: true},
			{Name: "dlx", Type: Direct},
			{Name: "hash", Type: "x-consistent-hash"},
			{Name: "shoveltap-tap-1", Type: Fanout},
		},
		[]Queue{
			{Name: "paid", DeadLetter: &DeadLetter{Exchange: "dlx", RoutingKey: "retry", HasRoutingKey: true, From: "policy dl"}},
			{Name: "all"},
			{Name: "lost"},
			{Name: "retry", DeadLetter: &DeadLetter{Exchange: "orders", From: "argument"}},
			{Name: "invoices"},
			{Name: "eu-invoices-with-a-rather-long-name-to-wrap-at-eighty-columns"},
			{Name: "orphan", DeadLetter: &DeadLetter{Exchange: "gone", From: "argument"}},
		}, bs)
}

var drawBindings = []Binding{
	{Source: "orders", Destination: "paid", DestinationType: ToQueue, Key: "order.paid"},
	{Source: "orders", Destination: "all", DestinationType: ToQueue, Key: "order.#"},
	{Source: "orders", Destination: "billing", DestinationType: ToExchange, Key: "order.*.invoice"},
	{Source: "orders", Destination: "hash", DestinationType: ToExchange, Key: "order.hash"},
	{Source: "billing", Destination: "invoices", DestinationType: ToQueue, Args: map[string]any{"x-match": "any", "region": "eu", "vip": nil}},
	{Source: "billing", Destination: "eu-invoices-with-a-rather-long-name-to-wrap-at-eighty-columns", DestinationType: ToQueue, Args: map[string]any{"x-match": "all", "region": "eu", "country": "a rather long header value", "x-trace": "1"}},
	{Source: "billing", Destination: "orphan", DestinationType: ToQueue, Args: map[string]any{"x-match": "all-with-x"}},
	{Source: "unrouted", Destination: "lost", DestinationType: ToQueue},
	{Source: "unrouted", Destination: "billing", DestinationType: ToExchange},
	{Source: "dlx", Destination: "retry", DestinationType: ToQueue, Key: "retry"},
	{Source: "hash", Destination: "all", DestinationType: ToQueue, Key: "1"},
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update ./tap/routing/ writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the drawing:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestTreeGolden(t *testing.T) {
	g := drawModel().Graph([]string{"orders", "dlx"})
	text := g.Text(80)
	golden(t, "topology-80.txt", text)
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if w := runewidth.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, w, l)
		}
	}
	golden(t, "topology.dot", g.Dot())
}

func TestTreeSaysEachEdge(t *testing.T) {
	text := drawModel(true).Graph([]string{"orders", "shoveltap-tap-1"}).Text(0)
	for _, want := range []string{
		`├─ key "order.paid" → queue paid`,
		`└─ dead letters, key "retry" (policy dl) → exchange dlx (direct)`,
		`key "order.*.invoice" → exchange billing (headers) [internal]`,
		`x-match any: region="eu", vip=(void) → queue invoices`,
		`x-match all-with-x, no headers → queue orphan`,
		`dead letters → exchange gone (not found`,
		`exchange hash (x-consistent-hash: a type shoveltap does not evaluate`,
		`alternate exchange → exchange unrouted (fanout)`,
		`every message → exchange billing (headers) [internal], drawn above`,
		`dead letters → exchange orders (topic) ↺ cycle`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the tree lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "shoveltap-q-1") || strings.Contains(text, "→ queue all\n"+"exchange shoveltap") {
		t.Errorf("the tree draws shoveltap's own objects:\n%s", text)
	}
}

func TestTreeEdgesMatchRouteSteps(t *testing.T) {
	top := drawModel()
	lines := top.Graph([]string{"orders"}).Tree()
	edges := map[string]bool{}
	for _, l := range lines {
		if l.Edge != "" {
			edges[l.Edge] = true
		}
	}
	for _, m := range []Message{
		{Exchange: "orders", RoutingKey: "order.paid"},
		{Exchange: "orders", RoutingKey: "order.eu.invoice", Headers: map[string]any{"region": "eu"}},
		{Exchange: "orders", RoutingKey: "nothing", Headers: map[string]any{"vip": true}},
	} {
		res := top.Route(m)
		if len(res.Queues) == 0 {
			t.Fatalf("%+v reached no queue", m)
		}
		for _, q := range res.Queues {
			for _, s := range q.Path {
				if !edges[EdgeKey(s)] {
					t.Errorf("%+v: step %s is no line of the tree", m, s)
				}
			}
		}
	}
}

func TestWrapKeepsWordsAndIndent(t *testing.T) {
	lines := []TreeLine{{Prefix: "│  ├─ ", Cont: "│  │  ", Text: "key \"a.b\" → queue with a name that is far too long for twenty"}}
	got := Wrap(lines, 30, nil)
	if len(got) < 2 {
		t.Fatalf("not wrapped: %q", got)
	}
	for i, l := range got {
		if runewidth.StringWidth(l) > 30 {
			t.Errorf("line %d too wide: %q", i, l)
		}
		if i > 0 && !strings.HasPrefix(l, "│  │    ") {
			t.Errorf("line %d does not go on under its text: %q", i, l)
		}
	}
	joined := strings.Join(got, " ")
	for _, w := range strings.Fields(lines[0].Text) {
		if !strings.Contains(joined, w) {
			t.Errorf("word %q lost: %q", w, got)
		}
	}
}

func TestDotQuotes(t *testing.T) {
	top := New("/", []Exchange{{Name: `we"ird\x`, Type: Direct}}, []Queue{{Name: "q\nnl"}},
		[]Binding{{Source: `we"ird\x`, Destination: "q\nnl", DestinationType: ToQueue, Key: `k"ey`}})
	dot := top.Graph([]string{`we"ird\x`}).Dot()
	checkDot(t, dot)
	if !strings.Contains(dot, `"x:we\"ird\\x" -> "q:q\nnl" [label="key \"k\\\"ey\""]`) {
		t.Errorf("edge not quoted as Graphviz wants:\n%s", dot)
	}
}

// dotStatement is one node or edge statement of what Dot writes.
var dotStatement = regexp.MustCompile(`^  ("(?:[^"\\]|\\.)*")( -> ("(?:[^"\\]|\\.)*"))? \[(?:[a-z]+=(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9]+)(?:, )?)+\];$`)

// checkDot checks Dot's output: its frame, every statement well formed,
// every edge between declared nodes; with Graphviz installed, dot itself
// reads it.
func checkDot(t *testing.T, dot string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(dot, "\n"), "\n")
	if lines[0] != "digraph topology {" || lines[len(lines)-1] != "}" {
		t.Fatalf("not a digraph:\n%s", dot)
	}
	nodes := map[string]bool{}
	for _, l := range lines[4 : len(lines)-1] {
		m := dotStatement.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a node or edge statement: %q", l)
			continue
		}
		if m[2] == "" {
			nodes[m[1]] = true
			continue
		}
		if !nodes[m[1]] || !nodes[m[3]] {
			t.Errorf("edge between undeclared nodes: %q", l)
		}
	}
	if path, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command(path, "-Tsvg")
		cmd.Stdin = strings.NewReader(dot)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil || !bytes.Contains(out, []byte("<svg")) {
			t.Errorf("dot -Tsvg: %v %s\n%s", err, stderr.String(), dot)
		}
	}
}

func TestDotGolden(t *testing.T) {
	dot := drawModel().Graph([]string{"orders"}).Dot()
	checkDot(t, dot)
	for _, want := range []string{
		`"x:orders" -> "q:paid" [label="key \"order.paid\""];`,
		`"x:orders" -> "x:unrouted" [label="alternate exchange", style=dotted];`,
		`"q:paid" -> "x:dlx" [label="dead letters, key \"retry\" (policy dl)", style=dashed, color=gray40];`,
		`"x:hash" [shape=box, color=red, label="hash\nx-consistent-hash\n(type not evaluated)"];`,
		`"x:gone" [shape=box, color=red, fontcolor=red, label="gone\nnot found"];`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("dot lacks %s:\n%s", want, dot)
		}
	}
}

// BenchmarkDrawTree5000 draws an exchange with 5,000 queue bindings, as
// the topology view does when the model is refreshed.
func BenchmarkDrawTree5000(b *testing.B) {
	var qs []Queue
	var bs []Binding
	for i := range 5000 {
		name := "q" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + itoa(i)
		qs = append(qs, Queue{Name: name})
		bs = append(bs, Binding{Source: "events", Destination: name, DestinationType: ToQueue, Key: "events." + itoa(i) + ".#"})
	}
	top := New("/", []Exchange{{Name: "events", Type: Topic}}, qs, bs)
	b.ResetTimer()
	for b.Loop() {
		if lines := Wrap(top.Graph([]string{"events"}).Tree(), 80, nil); len(lines) < 5001 {
			b.Fatal(len(lines))
		}
	}
}
