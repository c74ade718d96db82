package check

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// Options are the flags of "shoveltap check".
type Options struct {
	Conn              cmdline.Conn
	Exchanges, Queues []string
	JSON              bool
}

// Run is "shoveltap check": it checks and prints the report.
func Run(ctx context.Context, o *Options, con cmdline.Console) int {
	ep, err := o.Conn.Endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap check:", err)
		return 2
	}
	report, err := Check(ctx, CheckConfig{Endpoint: ep, Exchanges: o.Exchanges, Queues: o.Queues})
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap check:", err)
		return 1
	}
	if o.JSON {
		enc := json.NewEncoder(con.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			fmt.Fprintln(con.Stderr, "shoveltap check:", err)
			return 1
		}
		return 0
	}
	WriteText(con.Stdout, report)
	return 0
}
