package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/explain"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func TestTopologyUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"topology"}, "--exchange is required"},
		{[]string{"topology", "-e", "x", "--format", "svg"}, `--format "svg": want text or dot`},
		{[]string{"topology", "-e", "shoveltap-tap-1"}, "shoveltap's own"},
	} {
		r := runArgs(t, "", false, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
}

// TestTopologyCommand draws, in a vhost of its own, a topic exchange with
// bindings, an exchange-to-exchange chain to a headers exchange, an
// alternate exchange and a queue dead-lettering to an exchange, as text,
// Graphviz and JSON.
func TestTopologyCommand(t *testing.T) {
	ep := taptest.Endpoint(t)
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Overview(context.Background()); err != nil {
		taptest.NeedBroker(t, "management API at "+ep.API, err)
	}
	ep = taptest.Vhost(t, ep)
	ch := taptest.Channel(t, ep)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ch.ExchangeDeclare("unrouted", "fanout", false, false, false, false, nil))
	must(ch.ExchangeDeclare("orders", "topic", false, false, false, false, amqp.Table{"alternate-exchange": "unrouted"}))
	must(ch.ExchangeDeclare("billing", "headers", false, false, false, false, nil))
	must(ch.ExchangeDeclare("dlx", "direct", false, false, false, false, nil))
	for _, q := range []string{"all", "invoices", "lost", "retry"} {
		_, err = ch.QueueDeclare(q, true, false, false, false, nil)
		must(err)
	}
	_, err = ch.QueueDeclare("paid", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "retry"})
	must(err)
	must(ch.QueueBind("paid", "order.*.paid", "orders", false, nil))
	must(ch.QueueBind("all", "order.#", "orders", false, nil))
	must(ch.ExchangeBind("billing", "order.*.invoice", "orders", false, nil))
	must(ch.QueueBind("invoices", "", "billing", false, amqp.Table{"x-match": "any", "region": "eu"}))
	must(ch.QueueBind("lost", "", "unrouted", false, nil))
	must(ch.QueueBind("retry", "retry", "dlx", false, nil))

	conn := []string{"--url", ep.AMQP.String(), "--api", ep.API}
	r := runArgs(t, "", false, append([]string{"topology", "--exchange", "orders", "--format", "text"}, conn...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("shoveltap topology prints:\n%s", r.stdout)
	for _, want := range []string{
		"exchange orders (topic)\n",
		`├─ key "order.#" → queue all`,
		`├─ key "order.*.invoice" → exchange billing (headers)`,
		`│  └─ x-match any: region="eu" → queue invoices`,
		`├─ key "order.*.paid" → queue paid`,
		`│  └─ dead letters, key "retry" → exchange dlx (direct)`,
		`│     └─ key "retry" → queue retry`,
		`└─ alternate exchange → exchange unrouted (fanout)`,
		`   └─ every message → queue lost`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the tree lacks %q", want)
		}
	}

	r = runArgs(t, "", false, append([]string{"topology", "-e", "orders", "--format", "dot"}, conn...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`"x:orders" -> "q:all" [label="key \"order.#\""];`,
		`"x:orders" -> "x:billing" [label="key \"order.*.invoice\""];`,
		`"x:billing" -> "q:invoices" [label="x-match any: region=\"eu\""];`,
		`"x:orders" -> "x:unrouted" [label="alternate exchange", style=dotted];`,
		`"q:paid" -> "x:dlx" [label="dead letters, key \"retry\"", style=dashed, color=gray40];`,
		`"x:dlx" -> "q:retry" [label="key \"retry\""];`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the dot drawing lacks %s:\n%s", want, r.stdout)
		}
	}
	if dot, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command(dot, "-Tsvg")
		cmd.Stdin = strings.NewReader(r.stdout)
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "<svg") {
			t.Errorf("dot -Tsvg does not read the drawing: %v\n%s", err, out)
		}
	}
	if strings.Contains(r.stdout, "shoveltap-") || strings.Contains(r.stdout, `"x:"`) {
		t.Errorf("the drawing has shoveltap's own objects or the default exchange:\n%s", r.stdout)
	}

	r = runArgs(t, "", false, append([]string{"topology", "-e", "orders", "--json"}, conn...)...)
	var ans explain.TopologyAnswer
	if err := json.Unmarshal([]byte(r.stdout), &ans); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if len(ans.Nodes) != 9 || len(ans.Edges) != 8 {
		t.Errorf("%d nodes and %d edges, want 9 and 8:\n%s", len(ans.Nodes), len(ans.Edges), r.stdout)
	}
}
