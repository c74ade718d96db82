package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/check"
)

const checkUsage = `Usage: shoveltap check [--url URL] [--exchange NAME]... [--queue NAME]... [--json]

Says what the broker user of --url may do on its vhost with shoveltap —
shovel tap, binding tap (--no-shovel), firehose, tap broker (--tap-url),
picker, cleanup, setup — which plugins are enabled and the broker version;
and for each thing it may not do, the rabbitmqctl command an administrator
runs to allow it.

It creates nothing that outlives it: permissions are tried on exclusive,
empty queues of shoveltap's own that vanish with its connection, and the
management API is only read (and asked to store an invalid shovel, which
it refuses: that tells whether the user may declare shovels). Name the
exchanges (--exchange) or queues (--queue) to tap, to have read on them
tried too.

Exit status: 0 when the check ran (whatever it found), 1 when it could not
reach or log in to the broker, 2 for a wrong command line.

Flags:
`

// runCheck is "shoveltap check".
func runCheck(ctx context.Context, args []string, con console) int {
	var (
		conn              connFlags
		exchanges, queues listFlag
		asJSON            bool
	)
	fs := flag.NewFlagSet("shoveltap check", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), checkUsage)
		fs.PrintDefaults()
	}
	conn.register(fs)
	fs.Var(&exchanges, "exchange", "also try read on this exchange `NAME`, one to tap or mirror (repeatable)")
	fs.Var(&queues, "queue", "also try read on the exchanges queue `NAME` is bound to, as --queue taps them (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(con.stderr, "shoveltap check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ep, err := conn.endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap check:", err)
		return 2
	}
	report, err := check.Check(ctx, check.CheckConfig{Endpoint: ep, Exchanges: exchanges, Queues: queues})
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap check:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(con.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			fmt.Fprintln(con.stderr, "shoveltap check:", err)
			return 1
		}
		return 0
	}
	writeCheck(con.stdout, report)
	return 0
}
