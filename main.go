// Command shoveltap taps live RabbitMQ traffic through a temporary dynamic
// shovel and shows it in a terminal UI (or as JSON lines), removing every
// broker object it created when it exits.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/shoveltap/shoveltap/setup"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/captureview"
	"github.com/shoveltap/shoveltap/ui/picker"
)

// version is set at build time by goreleaser (-X main.version=…).
var version = "dev"

const usageHead = `shoveltap — peek at live RabbitMQ traffic without disturbing it.

It binds a small, bounded queue of its own to the exchange you name, carries
what arrives there to itself through a temporary dynamic shovel, and shows
each message live. Production queues, bindings and consumers are untouched.
Everything it creates is removed when it exits.

Usage:
  shoveltap --exchange NAME [--key KEY] [flags]   tap an exchange
  shoveltap --queue NAME [flags]                  tap what is routed to a queue
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

Credentials come from the URL or from SHOVELTAP_USER / SHOVELTAP_PASSWORD;
the URL itself may come from SHOVELTAP_URL. Passwords are never printed.

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "--version":
			fmt.Fprintln(stdout, "shoveltap", version)
			return 0
		case "open":
			return captureview.OpenMain(args[1:], stdout, stderr)
		case "replay":
			return capture.ReplayMain(args[1:], stdout, stderr)
		case "cleanup":
			return runCleanup(args[1:], stdout, stderr)
		case "setup":
			return setup.Main(args[1:], stdout, stderr)
		}
	}
	return runTap(args, stdout, stderr)
}

// connFlags are the flags every command that talks to a broker has.
type connFlags struct {
	url, api    string
	insecureTLS bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "AMQP URL of the broker, amqp[s]://USER@HOST:PORT/VHOST (env "+tap.EnvURL+"; default "+tap.DefaultURL+")")
	fs.StringVar(&c.api, "api", "", "management API address (env "+tap.EnvAPI+"; default: the URL's host on port 15672, https for amqps)")
	fs.BoolVar(&c.insecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate")
}

func (c *connFlags) endpoint() (tap.Endpoint, error) {
	return tap.ResolveEndpoint(c.url, c.api, os.Getenv)
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

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
	json        bool
	count       int
	duration    time.Duration
	record      string
}

func parseTapFlags(args []string, stderr io.Writer) (*tapFlags, *flag.FlagSet, error) {
	f := &tapFlags{}
	fs := flag.NewFlagSet("shoveltap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	f.conn.register(fs)
	fs.Var(&f.exchanges, "exchange", "`NAME` of an exchange to tap (repeatable)")
	fs.Var(&f.keys, "key", "binding `KEY` for --exchange (default #: everything, whatever the exchange type); one key for all exchanges, or one per --exchange in order")
	fs.Var(&f.queues, "queue", "tap what is routed to the queue `NAME` by copying its bindings (repeatable); the queue itself is never consumed from")
	fs.StringVar(&f.tapURL, "tap-url", "", "put the tap queue and the consumer on this other broker (amqp[s]://USER@HOST:PORT/VHOST; password in the URL or SHOVELTAP_TAP_PASSWORD): the shovel carries messages across, so the tracer's load never lands on the tapped broker")
	fs.StringVar(&f.tapAPI, "tap-api", "", "management API of the --tap-url broker (default: its host on port 15672)")
	fs.BoolVar(&f.firehose, "firehose", false, "with --queue: see what is published to the queue through the default exchange too (Celery's default), using the vhost's firehose; turns tracing on if needed (costly, needs the administrator tag) and off again on exit")
	fs.BoolVar(&f.noShovel, "no-shovel", false, "bind shoveltap's own exclusive queue to the sources instead of using a shovel (no policymaker tag or shovel plugin needed)")
	fs.IntVar(&f.retain, "retain", 10000, "messages kept in memory for the UI (oldest evicted first)")
	fs.IntVar(&f.maxLength, "max-length", tap.DefaultLimits.MaxLength, "bound of each tap queue on the broker, in messages (oldest dropped first)")
	fs.StringVar(&f.maxBytes, "max-bytes", "16MiB", "bound of each tap queue on the broker, in body bytes (e.g. 16MiB, 512KiB)")
	fs.DurationVar(&f.expires, "expires", tap.DefaultLimits.Expires, "how long the tap's source queue outlives a crashed shoveltap")
	fs.IntVar(&f.prefetch, "prefetch", 1000, "deliveries in flight to shoveltap")
	fs.IntVar(&f.shovelPF, "shovel-prefetch", 1000, "deliveries in flight inside the shovel")
	fs.StringVar(&f.ackMode, "ack-mode", "on-publish", "shovel ack mode: "+strings.Join(tap.AckModes, ", "))
	fs.BoolVar(&f.noReconnect, "no-reconnect", false, "exit when the broker connection drops instead of re-creating the tap")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per message instead of the UI (automatic when stdout is not a terminal)")
	fs.IntVar(&f.count, "count", 0, "with JSON output: stop after this many messages")
	fs.DurationVar(&f.duration, "duration", 0, "with JSON output: stop after this long")
	fs.StringVar(&f.record, "record", "", "also append every message to `FILE` as JSON lines (shoveltap open FILE / replay FILE read it)")
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	if fs.NArg() > 0 {
		return nil, fs, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if len(f.keys) > 1 && len(f.keys) != len(f.exchanges) {
		return nil, fs, fmt.Errorf("%d --key values for %d --exchange values: give one key for all, or one per exchange in the same order", len(f.keys), len(f.exchanges))
	}
	return f, fs, nil
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

func runTap(args []string, stdout, stderr io.Writer) int {
	f, fs, err := parseTapFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		if fs != nil && !strings.HasPrefix(err.Error(), "flag") {
			fmt.Fprintf(stderr, "shoveltap: %v\nRun shoveltap --help for every flag.\n", err)
		}
		return 2
	}
	ep, err := f.conn.endpoint()
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 2
	}
	var tapEP *tap.Endpoint
	if f.tapURL != "" {
		t, err := tap.ResolveTapEndpoint(f.tapURL, f.tapAPI, os.Getenv)
		if err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			return 2
		}
		tapEP = &t
	}
	maxBytes, err := tap.ParseSize(f.maxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "shoveltap: --max-bytes: %v\n", err)
		return 2
	}
	cfg := tap.Config{
		Endpoint:       ep,
		Sources:        f.sources(),
		NoShovel:       f.noShovel,
		Firehose:       f.firehose,
		TapEndpoint:    tapEP,
		Warn:           func(w string) { fmt.Fprintln(stderr, "shoveltap: warning:", w) },
		Limits:         tap.Limits{MaxLength: f.maxLength, MaxBytes: maxBytes, Expires: f.expires},
		Prefetch:       f.prefetch,
		ShovelPrefetch: f.shovelPF,
		AckMode:        f.ackMode,
		Reconnect:      !f.noReconnect,
		InsecureTLS:    f.conn.insecureTLS,
	}

	// SIGINT, SIGTERM and SIGHUP (a dropped SSH session) all end the run
	// the same way: through the cleanup below.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	useJSON := f.json || !isTerminal(stdout)
	// Without a source, a terminal gets the picker; a pipe cannot.
	pick := len(cfg.Sources) == 0
	if pick && useJSON {
		fmt.Fprintln(stderr, "shoveltap: nothing to tap: give --exchange NAME or --queue NAME\nRun shoveltap --help for every flag.")
		return 2
	}
	var rec *capture.Recorder
	if f.record != "" {
		if rec, err = capture.Create(f.record); err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			return 2
		}
	}
	if pick {
		if cfg.Sources, err = picker.Run(ctx, ep, f.conn.insecureTLS, nil, ""); err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			return 1
		}
		if len(cfg.Sources) == 0 {
			if rec != nil {
				_ = rec.Close()
			}
			return 0 // quit in the picker: nothing was created
		}
	}
	// s in the UI removes the tap and comes back here to pick again.
	for {
		code, again, openErr := tapSession(ctx, cfg, f, rec, useJSON, stdout, stderr)
		problem := ""
		if openErr != nil {
			if !pick || ctx.Err() != nil {
				fmt.Fprintln(stderr, "shoveltap:", openErr)
				return code
			}
			// A choice that cannot be tapped goes back to the picker,
			// which says why.
			problem, again, code = openErr.Error(), true, 0
		}
		if !again {
			return code
		}
		pick = true
		sources, err := picker.Run(ctx, ep, f.conn.insecureTLS, cfg.Sources, problem)
		if err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			return 1
		}
		if len(sources) == 0 {
			return code
		}
		cfg.Sources = sources
		if rec != nil { // the last session closed it; the file is appended to
			if rec, err = capture.Create(f.record); err != nil {
				fmt.Fprintln(stderr, "shoveltap:", err)
				return 1
			}
		}
	}
}

// tapSession opens a tap, shows it (UI or JSON lines) until the user or a
// signal ends it, and removes it. again is true when the user asked for the
// source picker. openErr is why the tap could not be opened, not printed.
func tapSession(ctx context.Context, cfg tap.Config, f *tapFlags, rec *capture.Recorder, useJSON bool, stdout, stderr io.Writer) (code int, again bool, openErr error) {
	ep := cfg.Endpoint
	var what []string
	for _, s := range cfg.Sources {
		what = append(what, s.Label())
	}
	fmt.Fprintf(stderr, "shoveltap: creating a tap on %s (vhost %s) for %s…\n", ep.Address(), ep.Vhost, strings.Join(what, ", "))
	session, err := tap.Open(ctx, cfg)
	if err != nil {
		if rec != nil {
			_ = rec.Close()
		}
		return 1, false, err
	}
	for _, note := range session.Notes {
		fmt.Fprintln(stderr, "shoveltap: note:", note)
	}
	for _, base := range session.Swept {
		fmt.Fprintf(stderr, "shoveltap: removed %s, left behind by a shoveltap that did not exit cleanly\n", base)
	}
	closeTap := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := session.Close(cctx); err != nil {
			return fmt.Errorf("%w\nrun shoveltap cleanup to remove what is left", err)
		}
		return nil
	}
	// A panic anywhere on this goroutine still removes the tap.
	defer func() {
		if r := recover(); r != nil {
			_ = closeTap()
			panic(r)
		}
	}()

	batches := session.Batches()
	var recording *capture.Recording
	if rec != nil {
		recording, batches = capture.StartRecording(ctx, rec, batches)
	}
	var runErr error
	if useJSON {
		fmt.Fprintf(stderr, "shoveltap: tapping (tap %s); ctrl+c stops\n", session.Names().Base)
		jctx := ctx
		if f.duration > 0 {
			var cancel context.CancelFunc
			jctx, cancel = context.WithTimeout(ctx, f.duration)
			defer cancel()
		}
		runErr = jsonl.Stream(jctx, batches, stdout, f.count, func(st tap.Status) {
			fmt.Fprintf(stderr, "shoveltap: tap %s %s\n", st.State, st.Detail)
		})
		if st := session.Status(); runErr == nil && st.State == tap.StateFailed {
			runErr = errors.New(st.Detail)
		}
	} else {
		again, runErr = runUI(ctx, session, batches, f.retain, closeTap)
	}
	if recording != nil {
		n, err := recording.Stop()
		fmt.Fprintf(stderr, "shoveltap: recorded %d messages to %s\n", n, f.record)
		if err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
		}
	}
	fmt.Fprintln(stderr, "shoveltap: removing tap…")
	if err := closeTap(); err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 1, false, nil
	}
	fmt.Fprintf(stderr, "shoveltap: tap %s removed\n", session.Names().Base)
	if runErr != nil {
		fmt.Fprintln(stderr, "shoveltap:", runErr)
		return 1, false, nil
	}
	return 0, again && ctx.Err() == nil, nil
}

// runUI shows the tap until the user quits; wantsPicker says they quit
// with s to choose other sources.
func runUI(ctx context.Context, session *tap.Session, batches <-chan tap.Batch, retain int, closeTap func() error) (wantsPicker bool, err error) {
	st := session.Status()
	model := ui.New(ui.Options{
		Broker:  st.Broker,
		Vhost:   st.Vhost,
		Sources: st.Sources,
		Retain:  retain,
		OnQuit:  closeTap,
		Picker:  true,
	}, batches)
	p := tea.NewProgram(model, tea.WithContext(ctx), tea.WithoutSignalHandler())
	final, err := p.Run()
	switch {
	case err == nil:
		m, ok := final.(ui.Model)
		return ok && m.WantsPicker(), nil
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return false, nil
	}
	return false, fmt.Errorf("terminal UI: %w", err)
}

func runCleanup(args []string, stdout, stderr io.Writer) int {
	var conn connFlags
	var yes bool
	fs := flag.NewFlagSet("shoveltap cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: shoveltap cleanup [--yes] [--url URL] [--api URL]

Lists what crashed shoveltap runs left on the broker's vhost (a stopped
shovel definition, an expiring source queue) and removes it when confirmed.
Taps of running shoveltaps — yours or another operator's — are never touched:
a tap whose owner is alive still has its exclusive queue.

Flags:
`)
		fs.PrintDefaults()
	}
	conn.register(fs)
	fs.BoolVar(&yes, "yes", false, "remove without asking")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ep, err := conn.endpoint()
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 2
	}
	admin, err := tap.NewAdmin(ep, conn.insecureTLS)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	orphans, err := tap.FindOrphans(ctx, admin, ep.Vhost)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 1
	}
	// Tracing left on by a crashed --firehose tap costs every publish.
	firehose, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", false)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return 1
	}
	if len(orphans) == 0 && len(firehose) == 0 {
		fmt.Fprintf(stdout, "Nothing to clean up on %s (vhost %s).\n", ep.Address(), ep.Vhost)
		return 0
	}
	fmt.Fprintf(stdout, "Left behind by shoveltap runs that are gone, on %s (vhost %s):\n", ep.Address(), ep.Vhost)
	for _, o := range orphans {
		fmt.Fprintln(stdout, "  "+o.String())
	}
	for _, d := range firehose {
		fmt.Fprintln(stdout, "  "+d)
	}
	if !yes {
		if !isTerminalFile(os.Stdin) {
			fmt.Fprintln(stdout, "Dry run: nothing removed. Run with --yes to remove these.")
			return 0
		}
		fmt.Fprint(stdout, "Remove these? [y/N] ")
		answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Nothing removed.")
			return 0
		}
	}
	failed := 0
	if len(firehose) > 0 {
		did, err := tap.ReleaseFirehose(ctx, admin, ep.Vhost, "", true)
		for _, d := range did {
			fmt.Fprintln(stdout, strings.ToUpper(d[:1])+d[1:]+".")
		}
		if err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			failed++
		}
	}
	for _, o := range orphans {
		if err := o.Remove(admin); err != nil {
			fmt.Fprintf(stderr, "shoveltap: %s: %v\n", o.Base, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "Removed %s\n", o.String())
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFile(f)
}

func isTerminalFile(f *os.File) bool { return term.IsTerminal(f.Fd()) }
