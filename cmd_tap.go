package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/picker"
)

const usageHead = `shoveltap — peek at live RabbitMQ traffic without disturbing it.

It binds a small, bounded queue of its own to the exchange you name, carries
what arrives there to itself through a temporary dynamic shovel, and shows
each message live. Production queues, bindings and consumers are untouched.
Everything it creates is removed when it exits.

Usage:
  shoveltap --exchange NAME [--key KEY] [flags]   tap an exchange
  shoveltap --queue NAME [flags]                  tap what is routed to a queue
  shoveltap --queue STREAM [--from -10m] [flags]  read a stream, history first (nothing removed)
  shoveltap [flags]                               in a terminal: pick what to tap from a list
  shoveltap cleanup [--yes] [--url URL]           remove taps left by crashed runs
  shoveltap setup plan|apply|status|teardown      a lasting mirror of production on another broker
  shoveltap open FILE                             browse a capture (--record, --json) offline
  shoveltap replay FILE --exchange NAME [--yes]   republish a capture
  shoveltap version                               print the version

Examples:
  shoveltap --url amqp://guest@localhost:5672/ --exchange orders --key 'order.#'
  SHOVELTAP_PASSWORD=secret shoveltap --url amqps://ops@mq.example.com/prod --exchange events
  shoveltap --exchange orders --json --count 100 > orders.jsonl
  shoveltap --queue celery --firehose      # Celery's tasks, sent through the default exchange
  shoveltap --url amqp://ops@mirror/ --queue shoveltap-mirror-orders-history --from -1h

Credentials come from the URL or from SHOVELTAP_USER / SHOVELTAP_PASSWORD;
the URL itself may come from SHOVELTAP_URL. Passwords are never printed.

Flags:
`

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// tapFlags are the flags of shoveltap without a command: the tap.
type tapFlags struct {
	conn        connFlags
	exchanges   listFlag
	keys        listFlag
	queues      listFlag
	noShovel    bool
	firehose    bool
	tapURL      string
	tapAPI      string
	retain      int
	maxLength   int
	maxBytes    string
	expires     time.Duration
	prefetch    int
	shovelPF    int
	ackMode     string
	noReconnect bool
	noDiscovery bool
	from        string
	json        bool
	count       int
	duration    time.Duration
	record      string
}

func (f *tapFlags) register(fs *flag.FlagSet) {
	f.conn.register(fs)
	fs.Var(&f.exchanges, "exchange", "`NAME` of an exchange to tap (repeatable)")
	fs.Var(&f.keys, "key", "binding `KEY` for --exchange (default #: everything, whatever the exchange type); one key for all exchanges, or one per --exchange in order")
	fs.Var(&f.queues, "queue", "tap what is routed to the queue `NAME` by copying its bindings (repeatable); the queue itself is never consumed from")
	fs.StringVar(&f.tapURL, "tap-url", "", "put the tap queue and the consumer on this other broker (amqp[s]://USER@HOST:PORT/VHOST; password in the URL or "+tap.EnvTapPassword+"): the shovel carries messages across, so the tracer's load never lands on the tapped broker")
	fs.StringVar(&f.tapAPI, "tap-api", "", "management API of the --tap-url broker (default: its host on port 15672)")
	fs.BoolVar(&f.firehose, "firehose", false, "with --queue: see what is published to the queue through the default exchange too (Celery's default), using the vhost's firehose; turns tracing on if needed (costly, needs the administrator tag) and off again on exit")
	fs.BoolVar(&f.noShovel, "no-shovel", false, "bind shoveltap's own exclusive queue to the sources instead of using a shovel (no policymaker tag or shovel plugin needed)")
	fs.IntVar(&f.retain, "retain", ui.DefaultRetain, "messages kept in memory for the UI (oldest evicted first)")
	fs.IntVar(&f.maxLength, "max-length", tap.DefaultLimits.MaxLength, "bound of each tap queue on the broker, in messages (oldest dropped first)")
	fs.StringVar(&f.maxBytes, "max-bytes", tap.FormatSize(tap.DefaultLimits.MaxBytes), "bound of each tap queue on the broker, in body bytes (e.g. 16MiB, 512KiB)")
	fs.DurationVar(&f.expires, "expires", tap.DefaultLimits.Expires, "how long the tap's source queue outlives a crashed shoveltap")
	fs.IntVar(&f.prefetch, "prefetch", tap.DefaultPrefetch, "deliveries in flight to shoveltap")
	fs.IntVar(&f.shovelPF, "shovel-prefetch", tap.DefaultShovelPrefetch, "deliveries in flight inside the shovel")
	fs.StringVar(&f.ackMode, "ack-mode", tap.DefaultAckMode, "shovel ack mode: "+strings.Join(tap.AckModes, ", "))
	fs.BoolVar(&f.noReconnect, "no-reconnect", false, "exit when the broker connection drops instead of re-creating the tap")
	fs.StringVar(&f.from, "from", "", "where a stream (--queue naming a stream) starts: next (default: what is published from now on), first, last, offset:N, a time (2025-03-14T09:26:53Z, \"2025-03-14 09:26\", 09:26; local unless it has a zone) or -DURATION back from now (-10m, -2h, -1d); other queues and exchanges keep no history and refuse it")
	fs.BoolVar(&f.noDiscovery, "no-discovery", false, "use only the --url nodes given, not also the cluster's other nodes that the management API lists")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per message instead of the UI (automatic when stdout is not a terminal)")
	fs.IntVar(&f.count, "count", 0, "with JSON output: stop after this many messages")
	fs.DurationVar(&f.duration, "duration", 0, "with JSON output: stop after this long")
	fs.StringVar(&f.record, "record", "", "also append every message to `FILE` as JSON lines (shoveltap open FILE / replay FILE read it)")
}

// check finds what the flag package cannot: arguments that are not flags
// and keys that do not pair with the exchanges.
func (f *tapFlags) check(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", args[0])
	}
	if len(f.keys) > 1 && len(f.keys) != len(f.exchanges) {
		return fmt.Errorf("%d --key values for %d --exchange values: give one key for all, or one per exchange in the same order", len(f.keys), len(f.exchanges))
	}
	return nil
}

// sources pairs exchanges with their keys and adds the queues.
func (f *tapFlags) sources() []tap.Source {
	var out []tap.Source
	for i, x := range f.exchanges {
		key := tap.AllKeys
		switch {
		case len(f.keys) == 1:
			key = f.keys[0]
		case len(f.keys) > 1:
			key = f.keys[i]
		}
		out = append(out, tap.Source{Exchange: x, Key: key})
	}
	for _, q := range f.queues {
		out = append(out, tap.Source{Queue: q})
	}
	return out
}

// config is the tap the flags describe, sources aside.
func (f *tapFlags) config(con console) (tap.Config, error) {
	ep, err := f.conn.endpoint()
	if err != nil {
		return tap.Config{}, err
	}
	var tapEP *tap.Endpoint
	if f.tapURL != "" {
		t, err := tap.ResolveTapEndpoint(f.tapURL, f.tapAPI, os.Getenv)
		if err != nil {
			return tap.Config{}, err
		}
		tapEP = &t
	}
	maxBytes, err := tap.ParseSize(f.maxBytes)
	if err != nil {
		return tap.Config{}, fmt.Errorf("--max-bytes: %w", err)
	}
	from, err := tap.ParseFrom(f.from, time.Now())
	if err != nil {
		return tap.Config{}, err
	}
	return tap.Config{
		Endpoint:       ep,
		NoShovel:       f.noShovel,
		Firehose:       f.firehose,
		TapEndpoint:    tapEP,
		Warn:           func(w string) { fmt.Fprintln(con.stderr, "shoveltap: warning:", w) },
		Limits:         tap.Limits{MaxLength: f.maxLength, MaxBytes: maxBytes, Expires: f.expires},
		Prefetch:       f.prefetch,
		ShovelPrefetch: f.shovelPF,
		AckMode:        f.ackMode,
		Reconnect:      !f.noReconnect,
		NoDiscovery:    f.noDiscovery,
		InsecureTLS:    f.conn.insecureTLS,
		From:           from,
	}, nil
}

// runTap is shoveltap without a command: tap the sources the flags name,
// or the ones picked in the terminal, until the user or a signal ends it.
func runTap(ctx context.Context, args []string, con console) int {
	var f tapFlags
	fs := flag.NewFlagSet("shoveltap", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if err := f.check(fs.Args()); err != nil {
		fmt.Fprintf(con.stderr, "shoveltap: %v\nRun shoveltap --help for every flag.\n", err)
		return 2
	}
	cfg, err := f.config(con)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap:", err)
		return 2
	}
	sources := f.sources()
	useJSON := f.json || !isTerminal(con.stdout)
	// Without a source, a terminal gets the picker; a pipe cannot.
	if len(sources) == 0 && useJSON {
		fmt.Fprintln(con.stderr, "shoveltap: nothing to tap: give --exchange NAME or --queue NAME\nRun shoveltap --help for every flag.")
		return 2
	}
	taps := &tapSessions{cfg: cfg, flags: &f, useJSON: useJSON, con: con}
	if f.record != "" {
		// Opened before anything else so that a wrong path fails at once.
		if taps.rec, err = capture.Create(f.record); err != nil {
			fmt.Fprintln(con.stderr, "shoveltap:", err)
			return 2
		}
		defer taps.closeUnused()
	}
	loop := tapLoop{
		pick: func(ctx context.Context, selected []tap.Source, problem string) ([]tap.Source, error) {
			return picker.Run(ctx, cfg.Endpoint, f.conn.insecureTLS, selected, problem)
		},
		session: taps.run,
		stderr:  con.stderr,
	}
	return loop.run(ctx, sources)
}
