package explain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// TopologyOptions are the flags of "shoveltap topology".
type TopologyOptions struct {
	Conn      cmdline.Conn
	Exchanges []string
	Format    string
	JSON      bool
}

// Topology is "shoveltap topology".
func Topology(ctx context.Context, o *TopologyOptions, con cmdline.Console) int {
	const name = "shoveltap topology"
	if len(o.Exchanges) == 0 {
		return cmdline.UsageFail(con, name, errors.New("--exchange is required (--exchange \"\" for the default exchange)"))
	}
	if o.Format != "text" && o.Format != "dot" {
		return cmdline.UsageFail(con, name, fmt.Errorf("--format %q: want text or dot", o.Format))
	}
	for _, x := range o.Exchanges {
		if routing.Own(x) {
			return cmdline.UsageFail(con, name, fmt.Errorf("exchange %q is shoveltap's own, not a production exchange: name one of yours", x))
		}
	}
	admin, ep, code := o.Conn.API(ctx, con, name)
	if code != 0 {
		return code
	}
	if err := drawTopology(ctx, admin, ep.Vhost, o, con.Stdout); err != nil {
		fmt.Fprintln(con.Stderr, name+":", err)
		return 1
	}
	return 0
}

// TopologyAnswer is what topology prints with --json.
type TopologyAnswer struct {
	Vhost      string         `json:"vhost"`
	Roots      []string       `json:"roots"`
	Nodes      []routing.Node `json:"nodes"`
	Edges      []routing.Edge `json:"edges"`
	ModelNotes []string       `json:"model_notes,omitempty"`
}

// drawTopology loads the model of vhost reachable from the exchanges of o
// and draws it on stdout.
func drawTopology(ctx context.Context, admin *broker.Admin, vhost string, o *TopologyOptions, stdout io.Writer) error {
	top, err := routing.LoadFrom(ctx, admin, vhost, o.Exchanges, 0)
	if err != nil {
		return fmt.Errorf("reading the topology of vhost %q: %w", vhost, err)
	}
	g := top.Graph(o.Exchanges)
	switch {
	case o.JSON:
		ans := TopologyAnswer{Vhost: top.Vhost, Roots: g.Roots, Nodes: g.Nodes, Edges: []routing.Edge{}, ModelNotes: top.Notes()}
		for _, n := range g.Nodes {
			ans.Edges = append(ans.Edges, g.Out[n.ID]...)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans)
	case o.Format == "dot":
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
