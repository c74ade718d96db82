package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/ui/taprun"
)

// tapLong is the tap's description in --help: one line, so that --help
// fits on two screens. tapDocs and tapExample are for docs/usage.md.
const tapLong = `shoveltap — peek at live RabbitMQ traffic without disturbing it.`

const tapDocs = `shoveltap — peek at live RabbitMQ traffic without disturbing it.

It binds a small, bounded queue of its own to the exchange you name, carries
what arrives there to itself through a temporary dynamic shovel, and shows
each message live. Production queues, bindings and consumers are untouched.
Everything it creates is removed when it exits.

Usage:
  shoveltap --exchange NAME [--key KEY] [flags]   tap an exchange
  shoveltap --queue NAME [flags]                  tap what is routed to a queue
  shoveltap --queue STREAM [--from -10m] [flags]  read a stream, history first (nothing removed)
  shoveltap [flags]                               in a terminal: pick what to tap from a list
  shoveltap COMMAND [flags]                       one of the commands below

Credentials come from --password-file, an environment (--env), SHOVELTAP_USER /
SHOVELTAP_PASSWORD, or the prompt when stdin is a terminal; a client
certificate with no password logs in by x509. A password in --url works but
every user of the machine can read it. Passwords are never printed.`

const tapExample = `  shoveltap --url amqp://guest@localhost:5672/ --exchange orders --key 'order.#'
  shoveltap --url amqps://ops@mq.example.com/prod --ca-cert ca.pem --exchange events   # asks for the password
  shoveltap --url amqps://mq.example.com/prod --ca-cert ca.pem --cert me.pem --cert-key me.key \
      --no-shovel --exchange events                   # x509 login, no password
  shoveltap --env prod --exchange events              # a named environment (shoveltap env)
  shoveltap --exchange orders --json --count 100 > orders.jsonl
  shoveltap --queue celery --firehose --json --filter 'task:tasks.*' --idle-timeout 5s --redact
  shoveltap --queue celery --firehose      # Celery's tasks, sent through the default exchange
  shoveltap --queue celery --firehose --deliveries   # …and which worker got each one
  shoveltap --url amqp://ops@mirror/ --queue shoveltap-mirror-orders-history --from -1h`

// newTapCmd is shoveltap without a command, the root of the tree. Its
// flags are many and tested where they are read, so taprun.Options
// registers them.
func newTapCmd(con cmdline.Console) *cobra.Command {
	o := &taprun.Options{}
	cmd := &cobra.Command{
		Use:         "shoveltap",
		Short:       "tap live RabbitMQ traffic",
		Long:        tapLong,
		Example:     tapExample,
		Annotations: map[string]string{cmdline.DocsAnnotation: tapDocs},
		Args:        cmdline.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.ExpandCelery(); err != nil {
				return cmdline.Usagef(c, "%v", err)
			}
			if err := o.Check(args); err != nil {
				return cmdline.Usagef(c, "%v", err)
			}
			return status(taprun.Run(c.Context(), o, con))
		},
	}
	o.Register(cmd.Flags())
	taprun.Completions(cmd, &o.Conn, con)
	return cmd
}
