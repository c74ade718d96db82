package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

const topologyLong = `Draws what a message published to the --exchange exchanges can meet,
from the vhost's exchanges, bindings and queues as the management API
lists them: each exchange's bindings (key, or header arguments and
x-match) to queues and to other exchanges, its alternate exchange, and
where each queue's dead letters go. Shoveltap's own objects (names
starting shoveltap-) are left out; an exchange type shoveltap does not
evaluate (x-consistent-hash, plugins) is said plainly. Each exchange is
drawn once: met again it says "drawn above", and a cycle is marked.

--format text is an indented tree at 80 columns; --format dot is Graphviz
(shoveltap topology -e orders --format dot | dot -Tsvg > orders.svg).
--exchange "" is the default exchange (every queue by its name).

Exit status: 0 when it drew, 1 when it could not read the vhost's
topology, 2 for a wrong command line.`

const topologyExample = `  shoveltap topology --exchange orders
  shoveltap topology -e orders -e billing --format dot | dot -Tsvg > t.svg
  shoveltap topology -e orders --json`

// topologyOptions are the flags of "shoveltap topology".
type topologyOptions struct {
	conn      cmdline.Conn
	exchanges []string
	format    string
	json      bool
}

// newTopologyCmd is "shoveltap topology".
func newTopologyCmd(con cmdline.Console) *cobra.Command {
	o := &topologyOptions{}
	cmd := &cobra.Command{
		Use:     "topology",
		Short:   "draw exchanges' bindings, alternate and dead-letter edges",
		Long:    topologyLong,
		Example: topologyExample,
		Args:    cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(runTopology(c.Context(), o, con))
		},
	}
	fs := cmd.Flags()
	o.conn.Register(fs)
	fs.StringArrayVarP(&o.exchanges, "exchange", "e", nil, "draw from the exchange `NAME` (required; repeatable; \"\" is the default exchange)")
	fs.StringVar(&o.format, "format", "text", "`FORMAT` of the drawing: text (an indented tree) or dot (Graphviz)")
	fs.BoolVarP(&o.json, "json", "j", false, "print the graph (nodes and edges) as JSON")
	cmdline.Brief(fs, map[string]string{
		"exchange": "draw from exchange NAME (required; repeatable)",
		"format":   "text (an indented tree) or dot (Graphviz)",
		"json":     "print the graph (nodes and edges) as JSON",
	})
	registerNameCompletion(cmd, "exchange", &o.conn, con)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "dot"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// runTopology is "shoveltap topology".
func runTopology(ctx context.Context, o *topologyOptions, con cmdline.Console) int {
	const name = "shoveltap topology"
	if len(o.exchanges) == 0 {
		return usageFail(con, name, errors.New("--exchange is required (--exchange \"\" for the default exchange)"))
	}
	if o.format != "text" && o.format != "dot" {
		return usageFail(con, name, fmt.Errorf("--format %q: want text or dot", o.format))
	}
	for _, x := range o.exchanges {
		if routing.Own(x) {
			return usageFail(con, name, fmt.Errorf("exchange %q is shoveltap's own, not a production exchange: name one of yours", x))
		}
	}
	ep, err := o.conn.Endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, name+":", err)
		return 2
	}
	if err := drawTopology(ctx, ep, o, con.Stdout); err != nil {
		fmt.Fprintln(con.Stderr, name+":", err)
		return 1
	}
	return 0
}

// topologyAnswer is what topology prints with --json.
type topologyAnswer struct {
	Vhost      string         `json:"vhost"`
	Roots      []string       `json:"roots"`
	Nodes      []routing.Node `json:"nodes"`
	Edges      []routing.Edge `json:"edges"`
	ModelNotes []string       `json:"model_notes,omitempty"`
}

// drawTopology loads the model reachable from the exchanges of o and
// draws it on stdout.
func drawTopology(ctx context.Context, ep broker.Endpoint, o *topologyOptions, stdout io.Writer) error {
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return err
	}
	top, err := routing.LoadFrom(ctx, admin, ep.Vhost, o.exchanges, 0)
	if err != nil {
		return fmt.Errorf("reading the topology of vhost %q: %w", ep.Vhost, err)
	}
	g := top.Graph(o.exchanges)
	switch {
	case o.json:
		ans := topologyAnswer{Vhost: top.Vhost, Roots: g.Roots, Nodes: g.Nodes, Edges: []routing.Edge{}, ModelNotes: top.Notes()}
		for _, n := range g.Nodes {
			ans.Edges = append(ans.Edges, g.Out[n.ID]...)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans)
	case o.format == "dot":
		_, err = io.WriteString(stdout, g.Dot())
		return err
	}
	// Names come from the broker, and any client may declare one with
	// escape sequences in it: they reach the terminal as visible escapes.
	var text strings.Builder
	fmt.Fprintf(&text, "vhost %s\n", top.Vhost)
	text.WriteString(g.Text(80))
	for _, n := range top.Notes() {
		fmt.Fprintf(&text, "note: %s\n", n)
	}
	_, err = io.WriteString(stdout, sanitize.Block(text.String()))
	return err
}
