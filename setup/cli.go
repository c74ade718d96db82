package setup

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `shoveltap setup — a lasting mirror of production exchanges on another broker.

A durable, bounded mirror queue on production is bound to each exchange; a
dynamic shovel (ack-mode on-confirm) carries it into a fanout exchange on the
mirror broker, where outside consumers bind their own queues. Production's
exchange, queues and bindings stay as they are (default layout).

Usage:
  shoveltap setup plan     [flags]   show what apply would create or change
  shoveltap setup apply    [flags]   create or fix the mirror (idempotent)
  shoveltap setup status   [flags]   show every piece, queue depth and rates, shovel state
  shoveltap setup teardown [flags]   remove exactly what apply created

Examples:
  shoveltap setup apply --url amqp://ops@prod:5672/ --mirror-url amqp://mirror@mirror:5672/ \
      --exchange orders --key 'order.#' --max-length 500000 --overflow drop-head
  shoveltap setup apply --config mirror.yaml
  shoveltap --url amqp://reader@mirror:5672/ --exchange orders    # watch the copy

Passwords come from SHOVELTAP_PASSWORD (production) and SHOVELTAP_MIRROR_PASSWORD
(mirror), or the URLs; they are never printed.

Flags:
`

// keyList collects a repeatable --key flag.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// Main runs `shoveltap setup ARGS…` and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr, os.Getenv)
}

type flags struct {
	config                         string
	url, api, mirrorURL, mirrorAPI string
	shovelURL                      string
	exchange, mirrorExchange       string
	keys                           keyList
	maxLength                      int
	maxBytes, overflow, layout     string
	reconnectDelay                 int
	yes, json, all, insecureTLS    bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		newFlagSet(&flags{}, stderr).PrintDefaults()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	switch cmd {
	case "plan", "apply", "status", "teardown":
	default:
		fmt.Fprintf(stderr, "shoveltap setup: unknown command %q; use plan, apply, status or teardown\n", cmd)
		return 2
	}
	f := &flags{}
	fs := newFlagSet(f, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shoveltap setup %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	cfg, err := f.configuration()
	if err != nil {
		fmt.Fprintf(stderr, "shoveltap setup: %v\n", err)
		return 2
	}
	s, err := New(cfg, getenv, f.insecureTLS)
	if err != nil {
		fmt.Fprintf(stderr, "shoveltap setup: %v\n", err)
		return 1
	}
	switch cmd {
	case "plan":
		err = s.runPlan(ctx, stdout, f.json)
	case "apply":
		err = s.runApply(ctx, stdout, f.json, f.yes)
	case "status":
		err = s.runStatus(ctx, stdout, f.json)
	case "teardown":
		err = s.runTeardown(ctx, stdout, f.json, f.all)
	}
	if err != nil {
		fmt.Fprintf(stderr, "shoveltap setup %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func newFlagSet(f *flags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("shoveltap setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&f.config, "config", "", "YAML or JSON set-up file (several exchanges, per-exchange keys and limits)")
	fs.StringVar(&f.url, "url", "", "production broker, amqp[s]://USER@HOST:PORT/VHOST (env SHOVELTAP_URL)")
	fs.StringVar(&f.api, "api", "", "production management API (env SHOVELTAP_API; default the URL's host on 15672)")
	fs.StringVar(&f.mirrorURL, "mirror-url", "", "mirror broker, amqp[s]://USER@HOST:PORT/VHOST (env "+EnvMirrorURL+")")
	fs.StringVar(&f.mirrorAPI, "mirror-api", "", "mirror management API (env "+EnvMirrorAPI+"; default the URL's host on 15672)")
	fs.StringVar(&f.shovelURL, "mirror-shovel-url", "", "the mirror's address as production reaches it, amqp[s]://HOST:PORT, when it differs from --mirror-url")
	fs.StringVar(&f.exchange, "exchange", "", "production exchange to mirror")
	fs.Var(&f.keys, "key", "binding key of the mirror queue (repeatable; default #, everything)")
	fs.StringVar(&f.mirrorExchange, "mirror-exchange", "", "fanout exchange on the mirror broker (default: the production exchange's name)")
	fs.IntVar(&f.maxLength, "max-length", 0, fmt.Sprintf("bound of the mirror queue in messages (default %d)", DefaultLimits.MaxLength))
	fs.StringVar(&f.maxBytes, "max-bytes", "", "bound of the mirror queue in body bytes (default "+DefaultLimits.MaxBytes+")")
	fs.StringVar(&f.overflow, "overflow", "", "when the mirror queue is full: drop-head (protects production, default) or reject-publish (protects completeness)")
	fs.StringVar(&f.layout, "layout", "", "queue (default: a mirror queue beside production's) or fanout (moves production's bindings behind fanout exchanges; needs --yes)")
	fs.IntVar(&f.reconnectDelay, "reconnect-delay", 0, "seconds between the shovel's attempts to reach the mirror (default 5)")
	fs.BoolVar(&f.yes, "yes", false, "apply a plan that rebinds production queues (--layout fanout)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.all, "all", false, "teardown: also remove marked mirrors of exchanges not in the configuration")
	fs.BoolVar(&f.insecureTLS, "insecure-tls", false, "do not verify the brokers' TLS certificates")
	return fs
}

// configuration merges the file (if any) with the flags; flags win.
func (f *flags) configuration() (Config, error) {
	var cfg Config
	if f.config != "" {
		var err error
		if cfg, err = LoadConfig(f.config); err != nil {
			return Config{}, err
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Production.URL, f.url)
	set(&cfg.Production.API, f.api)
	set(&cfg.Mirror.URL, f.mirrorURL)
	set(&cfg.Mirror.API, f.mirrorAPI)
	set(&cfg.Mirror.ShovelURL, f.shovelURL)
	set(&cfg.Layout, f.layout)
	if f.reconnectDelay > 0 {
		cfg.ReconnectDelay = f.reconnectDelay
	}
	if f.exchange != "" {
		cfg.Exchanges = append(cfg.Exchanges, Exchange{Name: f.exchange, Keys: f.keys, MirrorExchange: f.mirrorExchange,
			Limits: Limits{MaxLength: f.maxLength, MaxBytes: f.maxBytes, Overflow: f.overflow}})
	} else if len(f.keys) > 0 || f.mirrorExchange != "" {
		return Config{}, errors.New("--key and --mirror-exchange go with --exchange (or use the set-up file)")
	} else {
		// Limit flags without --exchange override the file's defaults.
		if f.maxLength > 0 {
			cfg.Defaults.MaxLength = f.maxLength
		}
		set(&cfg.Defaults.MaxBytes, f.maxBytes)
		set(&cfg.Defaults.Overflow, f.overflow)
	}
	return cfg, nil
}

func (s *Setup) runPlan(ctx context.Context, w io.Writer, asJSON bool) error {
	plan, err := s.Plan(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"layout": s.cfg.Layout, "steps": plan, "changes": countChanges(plan)})
	}
	writePlan(w, plan)
	if countChanges(plan) == 0 {
		fmt.Fprintln(w, "Nothing to change: the mirror is set up as described.")
	} else {
		fmt.Fprintf(w, "%d change(s); run `shoveltap setup apply` with the same flags to make them.\n", countChanges(plan))
	}
	return nil
}

func (s *Setup) runApply(ctx context.Context, w io.Writer, asJSON, yes bool) error {
	plan, err := s.Plan(ctx)
	if err != nil {
		return err
	}
	n := countChanges(plan)
	if n == 0 {
		if asJSON {
			return writeJSON(w, map[string]any{"changes": 0, "steps": plan})
		}
		writePlan(w, plan)
		fmt.Fprintln(w, "Nothing to change: the mirror is already set up as described.")
		return nil
	}
	if s.cfg.Layout == LayoutFanout && !yes {
		writePlan(w, plan)
		return errors.New("--layout fanout rebinds production queues: review the plan above and run again with --yes")
	}
	if !asJSON {
		writePlan(w, plan)
	}
	if err := s.Apply(ctx, plan); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"changes": n, "steps": plan})
	}
	fmt.Fprintf(w, "Applied %d change(s).\n", n)
	return nil
}

func (s *Setup) runStatus(ctx context.Context, w io.Writer, asJSON bool) error {
	rows, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteStatusJSON(w, rows)
	}
	return WriteStatusTable(w, rows)
}

func (s *Setup) runTeardown(ctx context.Context, w io.Writer, asJSON, all bool) error {
	plan, err := s.TeardownPlan(ctx, all)
	if err != nil {
		return err
	}
	if !asJSON {
		writePlan(w, plan)
	}
	if err := s.Apply(ctx, plan); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"changes": len(plan), "steps": plan})
	}
	if len(plan) == 0 {
		fmt.Fprintln(w, "Nothing to remove: no mirror set up by shoveltap for these exchanges.")
	} else {
		fmt.Fprintf(w, "Removed: %d step(s).\n", len(plan))
	}
	return nil
}

func countChanges(plan []Action) int {
	n := 0
	for _, a := range plan {
		if a.Changes() {
			n++
		}
	}
	return n
}

// writePlan prints one line per step: "+" creates or binds, "~" updates,
// "-" removes, "=" is already as described.
func writePlan(w io.Writer, plan []Action) {
	for _, a := range plan {
		sign := map[string]string{OpKeep: "=", OpCreate: "+", OpBind: "+", OpRestore: "+", OpUpdate: "~", OpUnbind: "-", OpDelete: "-"}[a.Op]
		line := fmt.Sprintf("%s %-10s %-7s %-8s %s", sign, a.Broker, a.Op, a.Kind, a.Name)
		if a.Detail != "" {
			line += "  (" + a.Detail + ")"
		}
		fmt.Fprintln(w, line)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
