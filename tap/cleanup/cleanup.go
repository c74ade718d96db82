// Package cleanup is shoveltap cleanup: it lists what crashed shoveltap
// runs left on a vhost (stopped shovels, expiring source queues, tracing
// left on) and removes it when confirmed. Taps whose owner is alive are
// never touched.
package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// Options are the flags of "shoveltap cleanup".
type Options struct {
	Conn cmdline.Conn
	Yes  bool
}

// Run is "shoveltap cleanup".
func Run(ctx context.Context, o *Options, con cmdline.Console) int {
	conn, yes := &o.Conn, o.Yes
	admin, ep, code := conn.API(ctx, con, "shoveltap")
	if code != 0 {
		return code
	}
	// On a cluster, tracing left on is per node: know every node.
	admin, _ = admin.WithClusterNodes(ctx)
	orphans, err := tap.FindOrphans(ctx, admin, ep.Vhost)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", broker.WithNeeds(err, broker.CleanupNeeds()))
		return 1
	}
	// Tracing left on by a crashed --firehose tap costs every publish.
	firehose, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", false)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", broker.WithNeeds(err, broker.CleanupNeeds()))
		return 1
	}
	if len(orphans) == 0 && len(firehose) == 0 {
		fmt.Fprintf(con.Stdout, "Nothing to clean up on %s (vhost %s).\n", ep.Address(), ep.Vhost)
		return 0
	}
	fmt.Fprintf(con.Stdout, "Left behind by shoveltap runs that are gone, on %s (vhost %s):\n", ep.Address(), ep.Vhost)
	for _, o := range orphans {
		fmt.Fprintln(con.Stdout, "  "+o.String())
	}
	for _, d := range firehose {
		fmt.Fprintln(con.Stdout, "  "+d)
	}
	ok, err := con.Confirm(ctx, yes, func() string { return "Remove these?" })
	switch {
	case errors.Is(err, cmdline.ErrNoTerminal):
		fmt.Fprintln(con.Stdout, "Dry run: nothing removed. Run with --yes to remove these.")
		return 0
	case !ok:
		fmt.Fprintln(con.Stdout, "Nothing removed.")
		return 0
	}
	failed := 0
	if len(firehose) > 0 {
		did, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", true)
		for _, d := range did {
			fmt.Fprintln(con.Stdout, strings.ToUpper(d[:1])+d[1:]+".")
		}
		if err != nil {
			fmt.Fprintln(con.Stderr, "shoveltap:", broker.WithNeeds(err, broker.CleanupNeeds()))
			failed++
		}
	}
	for _, o := range orphans {
		if err := o.Remove(ctx, admin); err != nil {
			fmt.Fprintf(con.Stderr, "shoveltap: %s: %v\n", o.Base, broker.WithNeeds(err, broker.CleanupNeeds()))
			failed++
			continue
		}
		fmt.Fprintf(con.Stdout, "Removed %s\n", o.String())
	}
	if failed > 0 {
		return 1
	}
	return 0
}
