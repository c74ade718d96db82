package capture

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
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

// ReplayMain is "shoveltap replay".
func ReplayMain(args []string, stdout, stderr io.Writer) int {
	return replayMain(args, os.Stdin, term.IsTerminal(os.Stdin.Fd()), stdout, stderr)
}

func replayMain(args []string, stdin io.Reader, stdinTTY bool, stdout, stderr io.Writer) int {
	var (
		url, exchange, routingKey string
		rate                      float64
		originalTiming, yes       bool
		insecureTLS               bool
	)
	fs := flag.NewFlagSet("shoveltap replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), replayUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&url, "url", "", "AMQP URL of the target broker, amqp[s]://USER@HOST:PORT/VHOST (env "+tap.EnvURL+"; default "+tap.DefaultURL+")")
	fs.BoolVar(&insecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate")
	fs.StringVar(&exchange, "exchange", "", "exchange to publish to (required; '' is the default exchange)")
	fs.StringVar(&routingKey, "routing-key", "", "publish every message with this routing key instead of its own")
	fs.Float64Var(&rate, "rate", 0, "messages per second (default: as fast as the broker confirms)")
	fs.BoolVar(&originalTiming, "original-timing", false, "keep the gaps between messages as they were captured")
	fs.BoolVar(&yes, "yes", false, "publish without asking")
	// FILE may come before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shoveltap replay: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case file == "":
		fmt.Fprintln(stderr, "shoveltap replay: which capture? give FILE: shoveltap replay FILE --exchange NAME")
		return 2
	case !set["exchange"]:
		fmt.Fprintln(stderr, "shoveltap replay: no target: give --exchange NAME (or --exchange '' for the default exchange); nothing was published")
		return 2
	case rate < 0:
		fmt.Fprintln(stderr, "shoveltap replay: --rate must be positive")
		return 2
	case rate > 0 && originalTiming:
		fmt.Fprintln(stderr, "shoveltap replay: give --rate or --original-timing, not both")
		return 2
	}
	opts := ReplayOptions{Exchange: exchange, Rate: rate, OriginalTiming: originalTiming}
	if set["routing-key"] {
		opts.RoutingKey = &routingKey
	}

	ep, err := tap.ResolveEndpoint(url, "", os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap replay:", err)
		return 2
	}
	opts.User = ep.User
	rd, err := Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap replay:", err)
		return 1
	}
	defer rd.Close()

	target := fmt.Sprintf("exchange %q", exchange)
	if exchange == "" {
		target = "the default exchange (routing key = queue name)"
	}
	if !yes {
		if !stdinTTY {
			fmt.Fprintln(stderr, "shoveltap replay: stdin is not a terminal, so there is no one to ask: add --yes to publish; nothing was published")
			return 2
		}
		lines, _ := countLines(file)
		fmt.Fprintf(stdout, "Publish the messages of %[2]s (%[1]d lines) to %[3]s on %[4]s (vhost %[5]s)? [y/N] ",
			lines, file, target, ep.Address(), ep.Vhost)
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Nothing published.")
			return 0
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	conn, err := dial(ep, insecureTLS)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap replay:", err)
		return 1
	}
	defer conn.Close()
	if err := checkExchange(conn, ep, exchange); err != nil {
		fmt.Fprintln(stderr, "shoveltap replay:", err)
		return 1
	}
	ch, err := conn.Channel()
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap replay: opening a channel:", err)
		return 1
	}
	fmt.Fprintf(stderr, "shoveltap replay: publishing %s to %s on %s (vhost %s)…\n", file, target, ep.Address(), ep.Vhost)
	res, err := Replay(ctx, ch, rd, opts)
	fmt.Fprintf(stdout, "Replayed %s: %s.\n", file, res)
	if note := rd.Note(); note != "" {
		fmt.Fprintf(stdout, "Not replayed: %s.\n", note)
	}
	if res.UserIDCleared > 0 {
		fmt.Fprintf(stdout, "Cleared user_id on %d messages: it named another user than %q, which the broker refuses.\n", res.UserIDCleared, ep.User)
	}
	if res.Returned > 0 {
		fmt.Fprintf(stdout, "%d messages were returned: no queue is bound to %s for their routing keys.\n", res.Returned, target)
	}
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap replay:", err)
		return 1
	}
	if res.Nacked > 0 || res.Returned > 0 {
		return 1
	}
	return 0
}

func dial(ep tap.Endpoint, insecureTLS bool) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName("shoveltap replay")
	cfg := amqp.Config{Dial: amqp.DefaultDial(10 * time.Second), Heartbeat: 10 * time.Second, Properties: props}
	if ep.AMQP.Scheme == "amqps" {
		cfg.TLSClientConfig = &tls.Config{ServerName: ep.AMQP.Host, InsecureSkipVerify: insecureTLS} //nolint:gosec // opt-in flag
	}
	conn, err := amqp.DialConfig(ep.AMQP.String(), cfg)
	if err != nil {
		// The error never holds the URL, so never the password.
		return nil, fmt.Errorf("connecting to %s as %q: %w; check --url and the credentials", ep.Address(), ep.User, err)
	}
	return conn, nil
}

// checkExchange fails clearly when the target exchange does not exist,
// before anything is published. A passive declare closes its channel on
// failure, so it gets one of its own.
func checkExchange(conn *amqp.Connection, ep tap.Endpoint, name string) error {
	if name == "" {
		return nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("opening a channel: %w", err)
	}
	defer ch.Close()
	if err := ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil); err != nil {
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.NotFound {
			return fmt.Errorf("exchange %q does not exist in vhost %q on %s: create it first or pick another --exchange; nothing was published", name, ep.Vhost, ep.Address())
		}
		return fmt.Errorf("checking exchange %q: %w", name, err)
	}
	return nil
}

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
