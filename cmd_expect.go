package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/ui/taprun"
)

const expectLong = `Taps the sources (as shoveltap does: --exchange, --queue, --firehose, a
stream with --from) and checks that, within --within, at least --count
messages match each --match query and none matches a --forbid query. The
queries are the filter language of the UI and --filter. Everything the tap
creates is removed on every exit.

Without --forbid it stops as soon as every count is reached; with one it
watches the whole window (a forbidden message may still come).

Exit status: 0 every expectation holds, 1 one does not (which, and the
messages that broke it, on stderr), 2 the command line is wrong, 3 the tap
could not be made or failed.`

const expectExample = `  shoveltap expect --exchange orders --match rk:order.paid --count 3 \
      --forbid rk:order.failed --within 30s
  shoveltap expect --queue events --from first --match 'type:OrderPaid' --json`

// newExpectCmd is "shoveltap expect".
func newExpectCmd(con cmdline.Console) *cobra.Command {
	o := &taprun.ExpectOptions{}
	cmd := &cobra.Command{
		Use:     "expect",
		Short:   "assert on live traffic, with an exit status for scripts",
		Long:    expectLong,
		Example: expectExample,
		Args:    cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(taprun.RunExpect(c.Context(), o, con))
		},
	}
	o.Register(cmd.Flags())
	taprun.Completions(cmd, o.Conn(), con)
	return cmd
}
