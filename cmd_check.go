package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/check"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

const checkLong = `Says what the broker user of --url may do on its vhost with shoveltap —
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
reach or log in to the broker, 2 for a wrong command line.`

// newCheckCmd is "shoveltap check".
func newCheckCmd(con cmdline.Console) *cobra.Command {
	o := &check.Options{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "what this user may do here, and how to allow the rest",
		Long:  checkLong,
		Args:  cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(check.Run(c.Context(), o, con))
		},
	}
	fs := cmd.Flags()
	o.Conn.Register(fs)
	fs.StringArrayVarP(&o.Exchanges, "exchange", "e", nil, "also try read on this exchange `NAME`, one to tap or mirror (repeatable)")
	fs.StringArrayVarP(&o.Queues, "queue", "q", nil, "also try read on the exchanges queue `NAME` is bound to, as --queue taps them (repeatable)")
	fs.BoolVarP(&o.JSON, "json", "j", false, "print the report as JSON")
	cmdline.Brief(fs, map[string]string{"exchange": "also try read on exchange NAME", "queue": "also try read on what queue NAME is bound to"})
	cmdline.NameCompletion(cmd, "exchange", &o.Conn, con)
	cmdline.NameCompletion(cmd, "queue", &o.Conn, con)
	return cmd
}
