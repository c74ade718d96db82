package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/replay"
)

const replayLong = `Republishes the messages of a capture (a --record file or --json output)
to an exchange, with their properties, headers and bodies as captured and
their routing keys unless --routing-key replaces them. Every message is
published mandatory and with publisher confirms; the counts of confirmed,
nacked and returned (unroutable) messages are reported at the end.

There is no default target: --exchange is required. --exchange '' is the
default exchange, where the routing key names the queue. When stdin is not
a terminal, --yes is required; otherwise shoveltap asks first.`

// newReplayCmd is "shoveltap replay".
func newReplayCmd(con cmdline.Console) *cobra.Command {
	o := &replay.Options{}
	cmd := &cobra.Command{
		Use:   "replay FILE --exchange NAME",
		Short: "republish a capture",
		Long:  replayLong,
		Args:  cmdline.MaxOneArg,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			o.ExchangeGiven = c.Flags().Changed("exchange")
			o.RoutingKeyGiven = c.Flags().Changed("routing-key")
			return status(replay.Run(c.Context(), o, con))
		},
		ValidArgsFunction: cmdline.FileArg,
	}
	fs := cmd.Flags()
	o.Conn.Register(fs)
	fs.StringVarP(&o.Exchange, "exchange", "e", "", "exchange `NAME` to publish to (required; '' is the default exchange)")
	fs.StringVar(&o.RoutingKey, "routing-key", "", "publish every message with this routing `KEY` instead of its own")
	fs.Float64Var(&o.Rate, "rate", 0, "messages per second (default: as fast as the broker confirms)")
	fs.BoolVar(&o.OriginalTiming, "original-timing", false, "keep the gaps between messages as they were captured")
	fs.BoolVarP(&o.Yes, "yes", "y", false, "publish without asking")
	cmdline.Brief(fs, map[string]string{"routing-key": "publish every message with routing KEY"})
	cmdline.NameCompletion(cmd, "exchange", &o.Conn, con)
	return cmd
}
