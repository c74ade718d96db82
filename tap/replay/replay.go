// Package replay is shoveltap replay: it republishes a capture to an
// exchange (tap/capture publishes), after asking at a terminal, and
// reports what the broker confirmed, nacked and returned.
package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// Options are the flags and argument of "shoveltap replay".
type Options struct {
	Conn                 cmdline.Conn
	File                 string
	Exchange, RoutingKey string
	// An empty --exchange is the default exchange: given is not the same
	// as set.
	ExchangeGiven, RoutingKeyGiven bool
	Rate                           float64
	OriginalTiming, Yes            bool
}

// Run is "shoveltap replay": it asks, then republishes the capture.
func Run(ctx context.Context, o *Options, con cmdline.Console) int {
	conn, file, exchange, rate := &o.Conn, o.File, o.Exchange, o.Rate
	switch {
	case file == "":
		return cmdline.UsageFail(con, "shoveltap replay", errors.New("which capture? give FILE: shoveltap replay FILE --exchange NAME"))
	case !o.ExchangeGiven:
		return cmdline.UsageFail(con, "shoveltap replay", errors.New("no target: give --exchange NAME (or --exchange '' for the default exchange); nothing was published"))
	case rate < 0:
		return cmdline.UsageFail(con, "shoveltap replay", errors.New("--rate must be positive"))
	case rate > 0 && o.OriginalTiming:
		return cmdline.UsageFail(con, "shoveltap replay", errors.New("give --rate or --original-timing, not both"))
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
	ok, err := con.Confirm(ctx, o.Yes, func() string {
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
		OriginalTiming: o.OriginalTiming,
	}
	if o.RoutingKeyGiven {
		cfg.RoutingKey = &o.RoutingKey
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
