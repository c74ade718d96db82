package taprun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/ui"
)

// Options are the flags of shoveltap without a command, the tap: the
// command registers them (Register), then ExpandCelery, Check and Run read
// them.
type Options struct {
	Conn        cmdline.Conn
	exchanges   []string
	keys        []string
	queues      []string
	noShovel    bool
	firehose    bool
	deliveries  bool
	tapURL      string
	tapAPI      string
	tapTLS      tapTLSFlags
	yes         bool
	retain      int
	maxLength   int
	maxBytes    string
	expires     time.Duration
	prefetch    int
	shovelPF    int
	ackMode     string
	shovelProto string
	noReconnect bool
	noDiscovery bool
	maxRate     cmdline.Rate
	from        string
	json        bool
	count       int
	duration    time.Duration
	idle        time.Duration
	filter      string
	redact      bool
	record      string
	web         webFlags
	metrics     metricsFlags
	decoding    cmdline.Decoding
	celery      bool // --celery: the task queues and celeryev (celery.go)
	lifecycle   bool // --lifecycle: lifecycle lines with --json
}

func (f *Options) Register(fs *pflag.FlagSet) {
	f.Conn.Register(fs)
	fs.StringArrayVarP(&f.exchanges, "exchange", "e", nil, "`NAME` of an exchange to tap (repeatable)")
	fs.StringArrayVarP(&f.keys, "key", "k", nil, "binding `KEY` for --exchange (default #: everything, whatever the exchange type); one key for all exchanges, or one per --exchange in order")
	fs.StringArrayVarP(&f.queues, "queue", "q", nil, "tap what is routed to the queue `NAME` by copying its bindings (repeatable); the queue itself is never consumed from")
	fs.BoolVar(&f.firehose, "firehose", false, "with --queue: see what is published to the queue through the default exchange too (Celery's default), using the vhost's firehose; turns tracing on if needed (costly, needs the administrator tag) and off again on exit")
	fs.BoolVar(&f.deliveries, "deliveries", false, "with --queue and --firehose: also show each delivery of the queue's messages to a consumer (its connection and channel, redeliveries), linked to the published message")
	fs.StringVar(&f.from, "from", "", "`WHERE` a stream (--queue naming a stream) starts: next (default: what is published from now on), first, last, offset:N, a time (2025-03-14T09:26:53Z, \"2025-03-14 09:26\", 09:26; local unless it has a zone) or -DURATION back from now (-10m, -2h, -1d); other queues and exchanges keep no history and refuse it")
	fs.BoolVar(&f.celery, "celery", false, "Celery's task lifecycles: tap the task queues (--queue, default celery) with the firehose, as --firehose does (administrator tag; asks first in production), and the celeryev exchange; open the lifecycle view, or with --json print --lifecycle lines")
	cmdline.Group(fs, cmdline.GroupWhat, "exchange", "key", "queue", "firehose", "deliveries", "celery", "from")

	fs.BoolVar(&f.noShovel, "no-shovel", false, "bind shoveltap's own exclusive queue to the sources instead of using a shovel (no policymaker tag or shovel plugin needed)")
	fs.BoolVar(&f.noReconnect, "no-reconnect", false, "exit when the broker connection drops instead of re-creating the tap")
	fs.BoolVar(&f.noDiscovery, "no-discovery", false, "use only the --url nodes given, not also the cluster's other nodes that the management API lists")
	fs.BoolVarP(&f.yes, "yes", "y", false, "answer yes to the question before --firehose in a production environment (--env)")
	fs.StringVar(&f.tapURL, "tap-url", "", "`URL`: put the tap queue and the consumer on this other broker (amqp[s]://USER@HOST:PORT/VHOST; its password from --tap-password-file, "+broker.EnvTapPassword+" or the prompt): the shovel carries messages across, so the tracer's load never lands on the tapped broker")
	fs.StringVar(&f.tapAPI, "tap-api", "", "`ADDRESS`: management API of the --tap-url broker (default: its host on port 15672, or https on 15671 for amqps)")
	fs.IntVar(&f.retain, "retain", ui.DefaultRetain, "messages kept in memory for the UI (oldest evicted first)")
	fs.IntVar(&f.maxLength, "max-length", tap.DefaultLimits.MaxLength, "bound of each tap queue on the broker, in messages (oldest dropped first)")
	fs.StringVar(&f.maxBytes, "max-bytes", broker.FormatSize(tap.DefaultLimits.MaxBytes), "bound of each tap queue on the broker, in body bytes (e.g. 16MiB, 512KiB)")
	fs.DurationVar(&f.expires, "expires", tap.DefaultLimits.Expires, "how long the tap's source queue outlives a crashed shoveltap")
	fs.IntVar(&f.prefetch, "prefetch", tap.DefaultPrefetch, "deliveries in flight to shoveltap")
	fs.IntVar(&f.shovelPF, "shovel-prefetch", tap.DefaultShovelPrefetch, "deliveries in flight inside an amqp091 shovel")
	fs.StringVar(&f.ackMode, "ack-mode", "", "shovel ack mode: "+strings.Join(tap.AckModes, ", ")+" (default "+tap.DefaultAckMode+", "+tap.DefaultLocalAckMode+" for a local shovel)")
	fs.StringVar(&f.shovelProto, "shovel-protocol", tap.ShovelAuto, "the shovel's protocol: "+strings.Join(tap.ShovelProtocols, ", ")+" (auto: local on RabbitMQ 4.2+, where it costs the broker less, unless --tap-url)")
	cmdline.Group(fs, cmdline.GroupBehaviour, "no-shovel", "no-reconnect", "no-discovery", "yes", "tap-url", "tap-api", "retain", "max-length", "max-bytes", "expires", "prefetch", "shovel-prefetch", "ack-mode", "shovel-protocol")
	cmdline.Rare(fs, "yes", "no-discovery", "tap-api", "retain", "max-length", "max-bytes", "expires", "prefetch", "shovel-prefetch", "ack-mode", "shovel-protocol")
	f.tapTLS.register(fs)

	fs.BoolVarP(&f.json, "json", "j", false, "print one JSON object per message instead of the UI (automatic when stdout is not a terminal)")
	fs.IntVarP(&f.count, "count", "n", 0, "with JSON output or --web-only: stop after this many messages")
	fs.DurationVar(&f.duration, "duration", 0, "with JSON output or --web-only: stop after this long (e.g. 30s, 5m)")
	fs.DurationVar(&f.idle, "idle-timeout", 0, "with JSON output: stop when no message was printed for this long (e.g. 5s), to drain a tap in a script")
	fs.StringVarP(&f.filter, "filter", "f", "", "print only messages matching `EXPR` (JSON output), or start the UI with this filter; the UI's filter language, e.g. 'rk:order.# -task:tasks.ping'")
	fs.StringVar(&f.record, "record", "", "also append every message to `FILE` as JSON lines (shoveltap open FILE / replay FILE read it)")
	fs.BoolVar(&f.redact, "redact", false, "take the values of secret-looking keys (password, token, secret, api_key, …) out of the headers and JSON bodies of what is shown, printed, recorded, saved and copied")
	fs.BoolVar(&f.lifecycle, "lifecycle", false, "with --json: one JSON object per finished Celery task or answered oslo RPC call instead of per message (docs/json-lines.md)")
	cmdline.Group(fs, cmdline.GroupOutput, "json", "lifecycle", "count", "duration", "idle-timeout", "filter", "record", "redact")
	f.decoding.Register(fs)
	f.web.register(fs)
	f.metrics.register(fs)
	fs.Var(&f.maxRate, "max-rate", "production budget: at most `N` copied messages a second on average, summed over the sources; above it the tap copies only part of the time (sampling) and says so (default 0: no limit)")
	cmdline.Group(fs, cmdline.GroupBudget, "max-rate")
	cmdline.Join(fs, "count", "duration", "idle-timeout")
	cmdline.Join(fs, "firehose", "deliveries", "celery")
	cmdline.Join(fs, "json", "lifecycle")
	cmdline.Join(fs, "web", "web-token", "web-only")
	cmdline.Rare(fs, "no-reconnect", "yes")
	cmdline.Brief(fs, map[string]string{
		"firehose":  "--queue's firehose; Celery lifecycles",
		"from":      "where a stream starts: first, -10m, 09:26…",
		"no-shovel": "bind a queue of its own instead of a shovel",
		"yes":       "no question before --firehose in production",
		"tap-url":   "put the tap queue and consumer on this other broker",
		"json":      "JSON lines: per message, or per finished task",
		"count":     "end JSON output",
		"filter":    "show only messages matching EXPR",
		"redact":    "take secret-looking values out of what is shown",
		"web":       "a read-only web page on ADDR",
		"web-only":  "with --web: the page only, no UI or JSON output",
		"max-rate":  "at most N copied messages a second",
		"key":       "binding KEY for --exchange (default #)",
		"queue":     "tap what is routed to queue NAME",
	})
}

// Check finds what the flag package cannot: arguments that are not flags
// and keys that do not pair with the exchanges.
func (f *Options) Check(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --; a command comes first: shoveltap COMMAND --flags)", args[0])
	}
	if len(f.keys) > 1 && len(f.keys) != len(f.exchanges) {
		return fmt.Errorf("%d --key values for %d --exchange values: give one key for all, or one per exchange in the same order", len(f.keys), len(f.exchanges))
	}
	if f.deliveries && !f.firehose {
		return errors.New("--deliveries shows the firehose's deliveries of tapped queues: use it with --queue NAME --firehose")
	}
	if f.metrics.token != "" && f.metrics.addr == "" {
		return errors.New("--metrics-token goes with --metrics ADDR (e.g. --metrics 127.0.0.1:9465); the page of --web has its own --web-token")
	}
	if f.web.only && f.json {
		return errors.New("--web-only serves the web page only, with no JSON output: leave out --json, or --web-only to have both")
	}
	if f.idle < 0 {
		return fmt.Errorf("--idle-timeout %v: give a positive duration such as 5s, or leave it out to run until stopped", f.idle)
	}
	_, err := f.decoding.Parse() // the flags' own syntax; the file's section joins in Run
	return err
}

// sources pairs exchanges with their keys and adds the queues.
func (f *Options) sources() []tap.Source {
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
	return f.celerySource(out)
}

// config is the tap the flags describe, sources aside.
func (f *Options) config(ctx context.Context, con cmdline.Console) (tap.Config, error) {
	ep, err := f.Conn.Endpoint(ctx, con)
	if err != nil {
		return tap.Config{}, err
	}
	tapEP, err := f.tapEndpoint(ctx, con, ep)
	if err != nil {
		return tap.Config{}, err
	}
	maxRate := 0
	if env := f.Conn.Env(); env != nil {
		maxRate = env.MaxRate
	}
	maxBytes, err := broker.ParseSize(f.maxBytes)
	if err != nil {
		return tap.Config{}, fmt.Errorf("--max-bytes: %w", err)
	}
	if f.maxRate.Given { // given on the command line, it wins over the environment
		maxRate = f.maxRate.N
	}
	from, err := tap.ParseFrom(f.from, time.Now())
	if err != nil {
		return tap.Config{}, err
	}
	return tap.Config{
		Endpoint:       ep,
		NoShovel:       f.noShovel,
		Firehose:       f.firehose,
		Deliveries:     f.deliveries,
		TapEndpoint:    tapEP,
		Warn:           func(w string) { fmt.Fprintln(con.Stderr, "shoveltap: warning:", w) },
		Limits:         tap.Limits{MaxLength: f.maxLength, MaxBytes: maxBytes, Expires: f.expires},
		Prefetch:       f.prefetch,
		ShovelPrefetch: f.shovelPF,
		AckMode:        f.ackMode,
		ShovelProtocol: f.shovelProto,
		Reconnect:      !f.noReconnect,
		NoDiscovery:    f.noDiscovery,
		MaxRate:        maxRate,
		From:           from,
	}, nil
}

// checkOutput refuses flags the chosen output would ignore: --count,
// --duration and --idle-timeout end JSON lines (and --web-only), while
// the UI runs until the user quits.
func (f *Options) checkOutput(useJSON bool) error {
	if err := f.checkLifecycle(useJSON); err != nil {
		return err
	}
	if useJSON || f.web.only {
		return nil
	}
	for _, fl := range []struct {
		name string
		set  bool
	}{{"--count", f.count > 0}, {"--duration", f.duration > 0}, {"--idle-timeout", f.idle > 0}} {
		if fl.set {
			return fmt.Errorf("%s ends JSON-lines output (or --web-only); the terminal UI runs until you quit: add --json, or leave %s out", fl.name, fl.name)
		}
	}
	return nil
}
