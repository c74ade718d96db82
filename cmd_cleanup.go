package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cleanup"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

const cleanupLong = `Lists what crashed shoveltap runs left on the broker's vhost (a stopped
shovel definition, an expiring source queue) and removes it when confirmed.
Taps of running shoveltaps — yours or another operator's — are never touched:
a tap whose owner is alive still has its exclusive queue.`

// newCleanupCmd is "shoveltap cleanup".
func newCleanupCmd(con cmdline.Console) *cobra.Command {
	o := &cleanup.Options{}
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "remove taps left by crashed runs",
		Long:  cleanupLong,
		Args:  cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(cleanup.Run(c.Context(), o, con))
		},
	}
	o.Conn.Register(cmd.Flags())
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "remove without asking")
	return cmd
}
