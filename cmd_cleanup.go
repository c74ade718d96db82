package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

const cleanupUsage = `Usage: shoveltap cleanup [--yes] [--url URL] [--api URL]

Lists what crashed shoveltap runs left on the broker's vhost (a stopped
shovel definition, an expiring source queue) and removes it when confirmed.
Taps of running shoveltaps — yours or another operator's — are never touched:
a tap whose owner is alive still has its exclusive queue.

Flags:
`

// runCleanup is "shoveltap cleanup".
func runCleanup(ctx context.Context, args []string, con console) int {
	var conn connFlags
	var yes bool
	fs := flag.NewFlagSet("shoveltap cleanup", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), cleanupUsage)
		fs.PrintDefaults()
	}
	conn.register(fs)
	fs.BoolVar(&yes, "yes", false, "remove without asking")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(con.stderr, "shoveltap cleanup: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ep, err := conn.endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap:", err)
		return 2
	}
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap:", err)
		return 1
	}
	// On a cluster, tracing left on is per node: know every node.
	admin, _ = admin.WithClusterNodes(ctx)
	orphans, err := tap.FindOrphans(ctx, admin, ep.Vhost)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap:", broker.WithNeeds(err, tap.CleanupNeeds()))
		return 1
	}
	// Tracing left on by a crashed --firehose tap costs every publish.
	firehose, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", false)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap:", broker.WithNeeds(err, tap.CleanupNeeds()))
		return 1
	}
	if len(orphans) == 0 && len(firehose) == 0 {
		fmt.Fprintf(con.stdout, "Nothing to clean up on %s (vhost %s).\n", ep.Address(), ep.Vhost)
		return 0
	}
	fmt.Fprintf(con.stdout, "Left behind by shoveltap runs that are gone, on %s (vhost %s):\n", ep.Address(), ep.Vhost)
	for _, o := range orphans {
		fmt.Fprintln(con.stdout, "  "+o.String())
	}
	for _, d := range firehose {
		fmt.Fprintln(con.stdout, "  "+d)
	}
	ok, err := con.confirm(ctx, yes, func() string { return "Remove these?" })
	switch {
	case errors.Is(err, errNoTerminal):
		fmt.Fprintln(con.stdout, "Dry run: nothing removed. Run with --yes to remove these.")
		return 0
	case !ok:
		fmt.Fprintln(con.stdout, "Nothing removed.")
		return 0
	}
	failed := 0
	if len(firehose) > 0 {
		did, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", true)
		for _, d := range did {
			fmt.Fprintln(con.stdout, strings.ToUpper(d[:1])+d[1:]+".")
		}
		if err != nil {
			fmt.Fprintln(con.stderr, "shoveltap:", broker.WithNeeds(err, tap.CleanupNeeds()))
			failed++
		}
	}
	for _, o := range orphans {
		if err := o.Remove(ctx, admin); err != nil {
			fmt.Fprintf(con.stderr, "shoveltap: %s: %v\n", o.Base, broker.WithNeeds(err, tap.CleanupNeeds()))
			failed++
			continue
		}
		fmt.Fprintf(con.stdout, "Removed %s\n", o.String())
	}
	if failed > 0 {
		return 1
	}
	return 0
}
