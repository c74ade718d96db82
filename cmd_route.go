package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/explain"
)

const routeLong = `Says where the broker sends a message published to --exchange with
--key and the given headers, from the vhost's exchanges, bindings and
queues as the management API lists them: the queues reached and by which
bindings, whether an alternate exchange took it, where those queues' dead
letters go, or that it is unroutable. Nothing is published. With --queue,
it explains each binding on the way to that queue and why it did or did
not match. Shoveltap's own objects (names starting shoveltap-) are left
out; an exchange type shoveltap does not know (x-consistent-hash, plugins)
is reported as unknown, never guessed.

--header k=v sets a string header; --header k:=JSON a typed one, e.g.
--header n:=5, --header flag:=true, --header 'CC:=["other.key"]'.
--exchange "" is the default exchange.

Exit status: 0 when it answered, 1 when it could not read the vhost's
topology, 2 for a wrong command line.`

const routeExample = `  shoveltap route --exchange orders --key order.paid --queue paid
  shoveltap route --exchange events --header region=eu --header 'n:=5' --json
  shoveltap route --exchange "" --key celery   # the default exchange`

// newRouteCmd is "shoveltap route".
func newRouteCmd(con cmdline.Console) *cobra.Command {
	o := &explain.RouteOptions{}
	cmd := &cobra.Command{
		Use:     "route",
		Short:   "where a message would go, and why not to a queue",
		Long:    routeLong,
		Example: routeExample,
		Args:    cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.ExchangeSet = c.Flags().Changed("exchange")
			return status(explain.Route(c.Context(), o, con))
		},
	}
	fs := cmd.Flags()
	o.Conn.Register(fs)
	fs.StringVarP(&o.Exchange, "exchange", "e", "", "the exchange `NAME` the message is published to (required; \"\" is the default exchange)")
	fs.StringVarP(&o.Key, "key", "k", "", "the message's routing `KEY`")
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "a message header `k=v` (a string) or k:=JSON (typed: a number, true, an array such as CC); repeatable")
	fs.StringVarP(&o.Queue, "queue", "q", "", "explain why the message does or does not reach the queue `NAME`")
	fs.BoolVarP(&o.JSON, "json", "j", false, "print the answer as JSON")
	cmdline.Brief(fs, map[string]string{
		"exchange": "the exchange NAME it is published to (required)",
		"header":   "a header k=v, or k:=JSON (repeatable)",
		"queue":    "explain why it does or does not reach queue NAME",
	})
	cmdline.NameCompletion(cmd, "exchange", &o.Conn, con)
	cmdline.NameCompletion(cmd, "queue", &o.Conn, con)
	return cmd
}
