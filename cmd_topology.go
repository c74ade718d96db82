package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/explain"
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

// newTopologyCmd is "shoveltap topology".
func newTopologyCmd(con cmdline.Console) *cobra.Command {
	o := &explain.TopologyOptions{}
	cmd := &cobra.Command{
		Use:     "topology",
		Short:   "draw exchanges' bindings, alternate and dead-letter edges",
		Long:    topologyLong,
		Example: topologyExample,
		Args:    cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(explain.Topology(c.Context(), o, con))
		},
	}
	fs := cmd.Flags()
	o.Conn.Register(fs)
	fs.StringArrayVarP(&o.Exchanges, "exchange", "e", nil, "draw from the exchange `NAME` (required; repeatable; \"\" is the default exchange)")
	fs.StringVar(&o.Format, "format", "text", "`FORMAT` of the drawing: text (an indented tree) or dot (Graphviz)")
	fs.BoolVarP(&o.JSON, "json", "j", false, "print the graph (nodes and edges) as JSON")
	cmdline.Brief(fs, map[string]string{
		"exchange": "draw from exchange NAME (required; repeatable)",
		"format":   "text (an indented tree) or dot (Graphviz)",
		"json":     "print the graph (nodes and edges) as JSON",
	})
	cmdline.NameCompletion(cmd, "exchange", &o.Conn, con)
	cmdline.FixedCompletion(cmd, "format", "text", "dot")
	return cmd
}
