package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/setup"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

const setupLong = `A durable, bounded mirror queue on production is bound to each exchange; a
dynamic shovel (ack-mode on-confirm) carries it into a fanout exchange on the
mirror broker, where outside consumers bind their own queues. Production's
exchange, queues and bindings stay as they are (default layout).

Examples:
  shoveltap setup apply --url amqp://ops@prod:5672/ --mirror-url amqp://mirror@mirror:5672/ \
      --exchange orders --key 'order.#' --max-length 500000 --overflow drop-head
  shoveltap setup apply --config mirror.yaml
  shoveltap --url amqp://reader@mirror:5672/ --exchange orders    # watch the copy
  shoveltap setup apply --url amqp://ops@prod:5672/ --mirror-url amqp://mirror@mirror:5672/ \
      --exchange orders --history 24h --history-bytes 5GiB     # and keep a day of it
  shoveltap --url amqp://reader@mirror:5672/ --queue shoveltap-mirror-orders-history --from -1h

Passwords come from --password-file / --mirror-password-file, SHOVELTAP_PASSWORD
(production) / SHOVELTAP_MIRROR_PASSWORD (mirror), the URLs, or a prompt at a
terminal; they are never printed. Over TLS see --ca-cert and --mirror-shovel-ca-cert.`

// newSetupCmd is "shoveltap setup" and its commands, which share flags.
func newSetupCmd(con cmdline.Console) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "a lasting mirror of production on another broker",
		Long:  setupLong,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "help" {
				return nil
			}
			return cmdline.OneOf("command", setup.Commands...)(c, args)
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	about := map[string]string{
		"plan":     "show what apply would create or change",
		"apply":    "create or fix the mirror (idempotent)",
		"status":   "show every piece, queue depth and rates, shovel state",
		"teardown": "remove exactly what apply created",
	}
	for _, name := range setup.Commands {
		f := &setup.Flags{}
		sub := &cobra.Command{
			Use:   name,
			Short: about[name],
			Long:  "shoveltap setup " + name + ": " + about[name] + ".",
			Args:  cmdline.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				return status(setup.RunCommand(c.Context(), name, f, con))
			},
		}
		f.Register(sub.Flags())
		cmdline.FixedCompletion(sub, "overflow", setup.OverflowDropHead, setup.OverflowRejectPublish)
		cmdline.FixedCompletion(sub, "layout", setup.LayoutQueue, setup.LayoutFanout)
		cmd.AddCommand(sub)
	}
	return cmd
}
