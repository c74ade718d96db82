package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/shoveltap/shoveltap/tap/capture"
)

const replayUsage = `Usage: shoveltap replay FILE --exchange NAME [--url URL] [flags]

Republishes the messages of a capture (a --record file or --json output)
to an exchange, with their properties, headers and bodies as captured and
their routing keys unless --routing-key replaces them. Every message is
published mandatory and with publisher confirms; the counts of confirmed,
nacked and returned (unroutable) messages are reported at the end.

There is no default target: --exchange is required. --exchange '' is the
default exchange, where the routing key names the queue. When stdin is not
a terminal, --yes is required; otherwise shoveltap asks first.

Flags:
`

// runReplay is "shoveltap replay".
func runReplay(ctx context.Context, args []string, con console) int {
	var (
		conn                 connFlags
		exchange, routingKey string
		rate                 float64
		originalTiming, yes  bool
	)
	fs := flag.NewFlagSet("shoveltap replay", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), replayUsage)
		fs.PrintDefaults()
	}
	conn.register(fs)
	fs.StringVar(&exchange, "exchange", "", "exchange to publish to (required; '' is the default exchange)")
	fs.StringVar(&routingKey, "routing-key", "", "publish every message with this routing key instead of its own")
	fs.Float64Var(&rate, "rate", 0, "messages per second (default: as fast as the broker confirms)")
	fs.BoolVar(&originalTiming, "original-timing", false, "keep the gaps between messages as they were captured")
	fs.BoolVar(&yes, "yes", false, "publish without asking")
	file, err := parseFileArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	// An empty --exchange is the default exchange: given is not the same
	// as set.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case file == "":
		fmt.Fprintln(con.stderr, "shoveltap replay: which capture? give FILE: shoveltap replay FILE --exchange NAME")
		return 2
	case !given["exchange"]:
		fmt.Fprintln(con.stderr, "shoveltap replay: no target: give --exchange NAME (or --exchange '' for the default exchange); nothing was published")
		return 2
	case rate < 0:
		fmt.Fprintln(con.stderr, "shoveltap replay: --rate must be positive")
		return 2
	case rate > 0 && originalTiming:
		fmt.Fprintln(con.stderr, "shoveltap replay: give --rate or --original-timing, not both")
		return 2
	}
	ep, err := conn.endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap replay:", err)
		return 2
	}
	rd, err := capture.Open(file)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap replay:", err)
		return 1
	}
	defer rd.Close()

	target := fmt.Sprintf("exchange %q", exchange)
	if exchange == "" {
		target = "the default exchange (routing key = queue name)"
	}
	ok, err := con.confirm(ctx, yes, func() string {
		lines, _ := countLines(file)
		q := fmt.Sprintf("Publish the messages of %s (%d lines) to %s on %s (vhost %s)?", file, lines, target, ep.Address(), ep.Vhost)
		if env := conn.env; env != nil && env.Production {
			q = fmt.Sprintf("%s is a PRODUCTION environment. %s", env.DisplayLabel(), q)
		}
		return q
	})
	switch {
	case errors.Is(err, errNoTerminal):
		fmt.Fprintln(con.stderr, "shoveltap replay: stdin is not a terminal, so there is no one to ask: add --yes to publish; nothing was published")
		return 2
	case !ok:
		fmt.Fprintln(con.stdout, "Nothing published.")
		return 0
	}

	cfg := capture.ReplayConfig{
		Endpoint:       ep,
		Reader:         rd,
		Exchange:       exchange,
		Rate:           rate,
		OriginalTiming: originalTiming,
	}
	if given["routing-key"] {
		cfg.RoutingKey = &routingKey
	}
	started := false
	cfg.Started = func() {
		started = true
		fmt.Fprintf(con.stderr, "shoveltap replay: publishing %s to %s on %s (vhost %s)…\n", file, target, ep.Address(), ep.Vhost)
	}
	res, err := capture.Replay(ctx, cfg)
	if err != nil && !started { // nothing was published: no counts to show
		fmt.Fprintln(con.stderr, "shoveltap replay:", err)
		return 1
	}
	fmt.Fprintf(con.stdout, "Replayed %s: %s.\n", file, res)
	if note := rd.Note(); note != "" {
		fmt.Fprintf(con.stdout, "Not replayed: %s.\n", note)
	}
	if res.UserIDCleared > 0 {
		fmt.Fprintf(con.stdout, "Cleared user_id on %d messages: it named another user than %q, which the broker refuses.\n", res.UserIDCleared, ep.User)
	}
	if res.Returned > 0 {
		fmt.Fprintf(con.stdout, "%d messages were returned: no queue is bound to %s for their routing keys.\n", res.Returned, target)
	}
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap replay:", err)
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
