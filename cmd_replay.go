package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

const replayLong = `Republishes the messages of a capture (a --record file or --json output)
to an exchange, with their properties, headers and bodies as captured and
their routing keys unless --routing-key replaces them. Every message is
published mandatory and with publisher confirms; the counts of confirmed,
nacked and returned (unroutable) messages are reported at the end.

There is no default target: --exchange is required. --exchange '' is the
default exchange, where the routing key names the queue. When stdin is not
a terminal, --yes is required; otherwise shoveltap asks first.`

// replayOptions are the flags and argument of "shoveltap replay".
type replayOptions struct {
	conn                 cmdline.Conn
	file                 string
	exchange, routingKey string
	// An empty --exchange is the default exchange: given is not the same
	// as set.
	exchangeGiven, routingKeyGiven bool
	rate                           float64
	originalTiming, yes            bool
}

func newReplayCmd(con cmdline.Console) *cobra.Command {
	o := &replayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE --exchange NAME",
		Short: "republish a capture",
		Long:  replayLong,
		Args:  cmdline.MaxOneArg,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.file = args[0]
			}
			o.exchangeGiven = c.Flags().Changed("exchange")
			o.routingKeyGiven = c.Flags().Changed("routing-key")
			return status(runReplay(c.Context(), o, con))
		},
		ValidArgsFunction: fileArg,
	}
	fs := cmd.Flags()
	o.conn.Register(fs)
	fs.StringVarP(&o.exchange, "exchange", "e", "", "exchange `NAME` to publish to (required; '' is the default exchange)")
	fs.StringVar(&o.routingKey, "routing-key", "", "publish every message with this routing `KEY` instead of its own")
	fs.Float64Var(&o.rate, "rate", 0, "messages per second (default: as fast as the broker confirms)")
	fs.BoolVar(&o.originalTiming, "original-timing", false, "keep the gaps between messages as they were captured")
	fs.BoolVarP(&o.yes, "yes", "y", false, "publish without asking")
	cmdline.Brief(fs, map[string]string{"routing-key": "publish every message with routing KEY"})
	registerNameCompletion(cmd, "exchange", &o.conn, con)
	return cmd
}

// runReplay is "shoveltap replay".
func runReplay(ctx context.Context, o *replayOptions, con cmdline.Console) int {
	conn, file, exchange, rate := &o.conn, o.file, o.exchange, o.rate
	switch {
	case file == "":
		return usageFail(con, "shoveltap replay", errors.New("which capture? give FILE: shoveltap replay FILE --exchange NAME"))
	case !o.exchangeGiven:
		return usageFail(con, "shoveltap replay", errors.New("no target: give --exchange NAME (or --exchange '' for the default exchange); nothing was published"))
	case rate < 0:
		return usageFail(con, "shoveltap replay", errors.New("--rate must be positive"))
	case rate > 0 && o.originalTiming:
		return usageFail(con, "shoveltap replay", errors.New("give --rate or --original-timing, not both"))
	}
	ep, err := conn.Endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap replay:", err)
		return 2
	}
	rd, err := capture.Open(file)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap replay:", err)
		return 1
	}
	defer rd.Close()

	target := fmt.Sprintf("exchange %q", exchange)
	if exchange == "" {
		target = "the default exchange (routing key = queue name)"
	}
	ok, err := con.Confirm(ctx, o.yes, func() string {
		lines, _ := countLines(file)
		q := fmt.Sprintf("Publish the messages of %s (%d lines) to %s on %s (vhost %s)?", file, lines, target, ep.Address(), ep.Vhost)
		if env := conn.Env(); env != nil && env.Production {
			q = fmt.Sprintf("%s is a PRODUCTION environment. %s", env.DisplayLabel(), q)
		}
		return q
	})
	switch {
	case errors.Is(err, cmdline.ErrNoTerminal):
		fmt.Fprintln(con.Stderr, "shoveltap replay: stdin is not a terminal, so there is no one to ask: add --yes to publish; nothing was published")
		return 2
	case !ok:
		fmt.Fprintln(con.Stdout, "Nothing published.")
		return 0
	}

	cfg := capture.ReplayConfig{
		Endpoint:       ep,
		Reader:         rd,
		Exchange:       exchange,
		Rate:           rate,
		OriginalTiming: o.originalTiming,
	}
	if o.routingKeyGiven {
		cfg.RoutingKey = &o.routingKey
	}
	started := false
	cfg.Started = func() {
		started = true
		fmt.Fprintf(con.Stderr, "shoveltap replay: publishing %s to %s on %s (vhost %s)…\n", file, target, ep.Address(), ep.Vhost)
	}
	res, err := capture.Replay(ctx, cfg)
	if err != nil && !started { // nothing was published: no counts to show
		fmt.Fprintln(con.Stderr, "shoveltap replay:", err)
		return 1
	}
	fmt.Fprintf(con.Stdout, "Replayed %s: %s.\n", file, res)
	if note := rd.Note(); note != "" {
		fmt.Fprintf(con.Stdout, "Not replayed: %s.\n", note)
	}
	if res.Deliveries > 0 {
		fmt.Fprintf(con.Stdout, "Left out %d delivery events (--deliveries): they record a message reaching a consumer, not a publish.\n", res.Deliveries)
	}
	if res.UserIDCleared > 0 {
		fmt.Fprintf(con.Stdout, "Cleared user_id on %d messages: it named another user than %q, which the broker refuses.\n", res.UserIDCleared, ep.User)
	}
	if res.Returned > 0 {
		fmt.Fprintf(con.Stdout, "%d messages were returned: no queue is bound to %s for their routing keys.\n", res.Returned, target)
	}
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap replay:", err)
		return 1
	}
	if res.Nacked > 0 || res.Returned > 0 {
		return 1
	}
	return 0
}

// countLines counts the lines of the capture at path, for the question.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
