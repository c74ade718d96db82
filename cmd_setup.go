package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/shoveltap/shoveltap/setup"
	"github.com/shoveltap/shoveltap/tap/broker"
)

const setupUsage = `shoveltap setup — a lasting mirror of production exchanges on another broker.

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
  shoveltap setup apply --url amqp://ops@prod:5672/ --mirror-url amqp://mirror@mirror:5672/ \
      --exchange orders --history 24h --history-bytes 5GiB     # and keep a day of it
  shoveltap --url amqp://reader@mirror:5672/ --queue shoveltap-mirror-orders-history --from -1h

Passwords come from --password-file / --mirror-password-file, SHOVELTAP_PASSWORD
(production) / SHOVELTAP_MIRROR_PASSWORD (mirror), the URLs, or a prompt at a
terminal; they are never printed. Over TLS see --ca-cert and --mirror-shovel-ca-cert.

Flags:
`

// setupFlags are the flags of the set-up commands. They describe two
// brokers and may override a set-up file, so unlike connFlags they are
// not resolved here: zero values mean "not given" and setup resolves the
// merged configuration.
type setupFlags struct {
	config                         string
	url, api, mirrorURL, mirrorAPI string
	shovelURL                      string
	exchange, mirrorExchange       string
	keys                           listFlag
	maxLength                      int
	maxBytes, overflow, layout     string
	reconnectDelay                 int
	history, historyBytes          string
	historyReplicas                int
	yes, json, all, insecureTLS    bool
	// TLS files on this machine, and on production's host for the shovel.
	caCert, cert, certKey                   string
	mirrorCACert, mirrorCert, mirrorCertKey string
	shovelCACert, shovelCert, shovelCertKey string
	passwordFile, mirrorPasswordFile        string
}

func newSetupFlagSet(f *setupFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("shoveltap setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, setupUsage); fs.PrintDefaults() }
	fs.StringVar(&f.config, "config", "", "YAML or JSON set-up file (several exchanges, per-exchange keys and limits)")
	fs.StringVar(&f.url, "url", "", "production broker, amqp[s]://USER@HOST:PORT/VHOST (env "+broker.EnvURL+")")
	fs.StringVar(&f.api, "api", "", "production management API (env "+broker.EnvAPI+"; default the URL's host on 15672, https on 15671 for amqps)")
	fs.StringVar(&f.mirrorURL, "mirror-url", "", "mirror broker, amqp[s]://USER@HOST:PORT/VHOST (env "+setup.EnvMirrorURL+")")
	fs.StringVar(&f.mirrorAPI, "mirror-api", "", "mirror management API (env "+setup.EnvMirrorAPI+"; default the URL's host on 15672, https on 15671 for amqps)")
	fs.StringVar(&f.shovelURL, "mirror-shovel-url", "", "the mirror's address as production reaches it, amqp[s]://HOST:PORT, when it differs from --mirror-url")
	fs.StringVar(&f.exchange, "exchange", "", "production exchange to mirror")
	fs.Var(&f.keys, "key", "binding key of the mirror queue (repeatable; default #, everything)")
	fs.StringVar(&f.mirrorExchange, "mirror-exchange", "", "fanout exchange on the mirror broker (default: the production exchange's name)")
	fs.IntVar(&f.maxLength, "max-length", 0, fmt.Sprintf("bound of the mirror queue in messages (default %d)", setup.DefaultLimits.MaxLength))
	fs.StringVar(&f.maxBytes, "max-bytes", "", "bound of the mirror queue in body bytes (default "+setup.DefaultLimits.MaxBytes+")")
	fs.StringVar(&f.overflow, "overflow", "", "when the mirror queue is full: "+setup.OverflowDropHead+" (protects production, default) or "+setup.OverflowRejectPublish+" (protects completeness)")
	fs.StringVar(&f.layout, "layout", "", setup.LayoutQueue+" (default: a mirror queue beside production's) or "+setup.LayoutFanout+" (moves production's bindings behind fanout exchanges; needs --yes)")
	fs.StringVar(&f.history, "history", "", "also keep the mirror's copy in a stream on the mirror broker ("+setup.HistoryStream("EXCHANGE")+") for this long, e.g. 24h or 7d; read it back with shoveltap --queue STREAM --from -1h")
	fs.StringVar(&f.historyBytes, "history-bytes", "", "keep at most this much history, e.g. 5GiB (with or instead of --history; at least 1MiB)")
	fs.IntVar(&f.historyReplicas, "history-replicas", 0, "nodes of a clustered mirror that hold the history stream (x-initial-cluster-size; default: the broker's)")
	fs.IntVar(&f.reconnectDelay, "reconnect-delay", 0, fmt.Sprintf("seconds between the shovel's attempts to reach the mirror (default %d)", setup.DefaultReconnectDelay))
	fs.BoolVar(&f.yes, "yes", false, "apply a plan that rebinds production queues (--layout fanout)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.all, "all", false, "teardown: also remove marked mirrors of exchanges not in the configuration")
	fs.BoolVar(&f.insecureTLS, "insecure-tls", false, "do not verify the brokers' TLS certificates (never for production)")
	fs.StringVar(&f.caCert, "ca-cert", "", "`FILE` of CA certificates (PEM) that check production's certificate (env "+broker.EnvCACert+"; default: the system's)")
	fs.StringVar(&f.cert, "cert", "", "client certificate `FILE` (PEM) for production (env "+broker.EnvCert+")")
	fs.StringVar(&f.certKey, "cert-key", "", "`FILE` of --cert's private key (env "+broker.EnvCertKey+")")
	fs.StringVar(&f.mirrorCACert, "mirror-ca-cert", "", "like --ca-cert, for the mirror broker (default: --ca-cert's)")
	fs.StringVar(&f.mirrorCert, "mirror-cert", "", "like --cert, for the mirror broker (default: --cert's)")
	fs.StringVar(&f.mirrorCertKey, "mirror-cert-key", "", "like --cert-key, for the mirror broker (default: --cert-key's)")
	fs.StringVar(&f.shovelCACert, "mirror-shovel-ca-cert", "", "`PATH` on production's host of the CA certificate with which production's shovel checks an amqps:// mirror (required there unless --insecure-tls; the broker reads it)")
	fs.StringVar(&f.shovelCert, "mirror-shovel-cert", "", "`PATH` on production's host of a client certificate for the shovel: it then logs in to the mirror by x509 and no password is stored on production")
	fs.StringVar(&f.shovelCertKey, "mirror-shovel-cert-key", "", "`PATH` on production's host of --mirror-shovel-cert's key")
	fs.StringVar(&f.passwordFile, "password-file", "", "read production's password from the first line of `FILE` (else the URL, "+broker.EnvPassword+" or the prompt)")
	fs.StringVar(&f.mirrorPasswordFile, "mirror-password-file", "", "read the mirror's password from the first line of `FILE` (else the URL, "+setup.EnvMirrorPassword+" or the prompt)")
	return fs
}

// configuration merges the file (if any) with the flags; flags win.
func (f *setupFlags) configuration() (setup.Config, error) {
	var cfg setup.Config
	if f.config != "" {
		var err error
		if cfg, err = setup.LoadConfig(f.config); err != nil {
			return setup.Config{}, err
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
	set(&cfg.Production.CACert, f.caCert)
	set(&cfg.Production.Cert, f.cert)
	set(&cfg.Production.CertKey, f.certKey)
	set(&cfg.Mirror.CACert, f.mirrorCACert)
	set(&cfg.Mirror.Cert, f.mirrorCert)
	set(&cfg.Mirror.CertKey, f.mirrorCertKey)
	set(&cfg.Mirror.ShovelCACert, f.shovelCACert)
	set(&cfg.Mirror.ShovelCert, f.shovelCert)
	set(&cfg.Mirror.ShovelCertKey, f.shovelCertKey)
	set(&cfg.Layout, f.layout)
	if f.reconnectDelay > 0 {
		cfg.ReconnectDelay = f.reconnectDelay
	}
	switch {
	case f.exchange != "":
		cfg.Exchanges = append(cfg.Exchanges, setup.Exchange{Name: f.exchange, Keys: f.keys, MirrorExchange: f.mirrorExchange,
			Limits: setup.Limits{MaxLength: f.maxLength, MaxBytes: f.maxBytes, Overflow: f.overflow,
				History: f.history, HistoryBytes: f.historyBytes, HistoryReplicas: f.historyReplicas}})
	case len(f.keys) > 0 || f.mirrorExchange != "":
		return setup.Config{}, errors.New("--key and --mirror-exchange go with --exchange (or use the set-up file)")
	default:
		// Limit flags without --exchange override the file's defaults.
		if f.maxLength > 0 {
			cfg.Defaults.MaxLength = f.maxLength
		}
		set(&cfg.Defaults.MaxBytes, f.maxBytes)
		set(&cfg.Defaults.Overflow, f.overflow)
		set(&cfg.Defaults.History, f.history)
		set(&cfg.Defaults.HistoryBytes, f.historyBytes)
		if f.historyReplicas != 0 {
			cfg.Defaults.HistoryReplicas = f.historyReplicas
		}
	}
	return cfg, nil
}

// runSetup is "shoveltap setup COMMAND".
func runSetup(ctx context.Context, args []string, con console) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(con.stderr, setupUsage)
		newSetupFlagSet(&setupFlags{}, con.stderr).PrintDefaults()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	if !slices.Contains(setup.Commands, cmd) {
		fmt.Fprintf(con.stderr, "shoveltap setup: unknown command %q; use %s\n", cmd, orList(setup.Commands))
		return 2
	}
	var f setupFlags
	fs := newSetupFlagSet(&f, con.stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(con.stderr, "shoveltap setup %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	cfg, err := f.configuration()
	if err != nil {
		fmt.Fprintf(con.stderr, "shoveltap setup: %v\n", err)
		return 2
	}
	env, err := f.environment(con)
	if err != nil {
		fmt.Fprintf(con.stderr, "shoveltap setup: %v\n", err)
		return 2
	}
	if f.insecureTLS {
		fmt.Fprintln(con.stderr, "shoveltap setup: warning: --insecure-tls: the brokers' TLS certificates are not verified, and an amqps:// mirror's shovel is told not to verify either")
	}
	warnPasswordInURL(con.stderr, "--url", []string{f.url})
	warnPasswordInURL(con.stderr, "--mirror-url", []string{f.mirrorURL})
	rc := setup.RunConfig{
		Command:     cmd,
		Config:      cfg,
		Getenv:      env.get,
		InsecureTLS: f.insecureTLS,
		JSON:        f.json,
		Yes:         f.yes,
		All:         f.all,
	}
	err = setup.Run(ctx, rc, con.stdout)
	// A password nothing gave is asked for, once per broker, and the
	// command runs again with it.
	for range 2 {
		var np *broker.NoPasswordError
		if !errors.As(err, &np) || !con.stdinTTY || env.set[np.EnvVar] != "" {
			break
		}
		pw, askErr := con.askPassword(ctx, fmt.Sprintf("Password for %s at %s: ", np.User, np.Address))
		if askErr != nil {
			err = fmt.Errorf("%w (%v)", err, askErr)
			break
		}
		env.set[np.EnvVar] = pw
		err = setup.Run(ctx, rc, con.stdout)
	}
	if err != nil {
		fmt.Fprintf(con.stderr, "shoveltap setup %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// setupEnv is the environment setup resolves both brokers from, with the
// passwords of --password-file, --mirror-password-file and the prompt.
type setupEnv struct {
	getenv func(string) string
	set    map[string]string
}

func (e setupEnv) get(name string) string {
	if v, ok := e.set[name]; ok {
		return v
	}
	return e.getenv(name)
}

// environment reads the password files into the environment setup sees.
func (f *setupFlags) environment(con console) (setupEnv, error) {
	env := setupEnv{getenv: con.env, set: map[string]string{}}
	for _, pf := range []struct{ path, flag, variable string }{
		{f.passwordFile, "--password-file", broker.EnvPassword},
		{f.mirrorPasswordFile, "--mirror-password-file", setup.EnvMirrorPassword},
	} {
		if pf.path == "" {
			continue
		}
		pw, err := readPasswordFile(pf.path, pf.flag, con.stderr)
		if err != nil {
			return setupEnv{}, err
		}
		env.set[pf.variable] = pw
	}
	return env, nil
}

// orList writes "a, b, c or d".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
