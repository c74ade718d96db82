package taprun

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// Completions completes the values of the tap's flags on cmd: the tap's,
// and expect's, which has them too.
func Completions(cmd *cobra.Command, conn *cmdline.Conn, con cmdline.Console) {
	cmdline.NameCompletion(cmd, "exchange", conn, con)
	cmdline.NameCompletion(cmd, "queue", conn, con)
	cmdline.FixedCompletion(cmd, "ack-mode", tap.AckModes...)
	cmdline.FixedCompletion(cmd, "shovel-protocol", tap.ShovelProtocols...)
}
