package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// Flags are the flags of the set-up commands (shoveltap setup COMMAND).
// They describe two brokers and may override a set-up file, so unlike
// cmdline.Conn they are not resolved here: zero values mean "not given"
// and Run resolves the merged configuration.
type Flags struct {
	config                         string
	url, api, mirrorURL, mirrorAPI string
	shovelURL                      string
	exchange, mirrorExchange       string
	keys                           []string
	maxLength                      int
	maxBytes, overflow, layout     string
	reconnectDelay                 int
	history, historyBytes          string
	historyReplicas                int
	yes, json, all, insecureTLS    bool
	// TLS files on this machine, and on production's host for the shovel.
	tls, mirrorTLS, shovelTLS        cmdline.TLSFiles
	passwordFile, mirrorPasswordFile string

	// deprecated are the keys of the set-up file in the old spelling.
	deprecated []string
}

// Register defines the set-up flags on fs, grouped for help.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "YAML or JSON set-up `FILE` (several exchanges, per-exchange keys and limits)")
	fs.StringVarP(&f.url, "url", "u", "", "`URL` of the production broker, amqp[s]://USER@HOST:PORT/VHOST")
	fs.StringVar(&f.api, "api", "", "`ADDRESS` of production's management API (default the URL's host on 15672, https on 15671 for amqps; a trailing /api is taken off)")
	fs.StringVar(&f.mirrorURL, "mirror-url", "", "`URL` of the mirror broker, amqp[s]://USER@HOST:PORT/VHOST")
	fs.StringVar(&f.mirrorAPI, "mirror-api", "", "`ADDRESS` of the mirror's management API (default the URL's host on 15672, https on 15671 for amqps)")
	fs.StringVar(&f.shovelURL, "mirror-shovel-url", "", "`URL`: the mirror's address as production reaches it, amqp[s]://HOST:PORT, when it differs from --mirror-url")
	cmdline.Group(fs, cmdline.GroupConnection, "config", "url", "api")
	cmdline.Group(fs, cmdline.GroupMirror, "mirror-url", "mirror-api", "mirror-shovel-url")
	fs.StringVarP(&f.exchange, "exchange", "e", "", "production exchange `NAME` to mirror")
	fs.StringArrayVarP(&f.keys, "key", "k", nil, "binding `KEY` of the mirror queue (repeatable; default #, everything)")
	fs.StringVar(&f.mirrorExchange, "mirror-exchange", "", "fanout exchange `NAME` on the mirror broker (default: the production exchange's name)")
	fs.StringVar(&f.layout, "layout", "", "`LAYOUT`: "+LayoutQueue+" (default: a mirror queue beside production's) or "+LayoutFanout+" (moves production's bindings behind fanout exchanges; needs --yes)")
	cmdline.Group(fs, cmdline.GroupMirror, "exchange", "key", "mirror-exchange", "layout")
	fs.IntVar(&f.maxLength, "max-length", 0, fmt.Sprintf("bound of the mirror queue in messages (default %d)", DefaultLimits.MaxLength))
	fs.StringVar(&f.maxBytes, "max-bytes", "", "`SIZE`: bound of the mirror queue in body bytes (default "+DefaultLimits.MaxBytes+")")
	fs.StringVar(&f.overflow, "overflow", "", "`MODE` when the mirror queue is full: "+OverflowDropHead+" (protects production, default) or "+OverflowRejectPublish+" (protects completeness)")
	fs.StringVar(&f.history, "history", "", "`AGE`: also keep the mirror's copy in a stream on the mirror broker ("+HistoryStream("EXCHANGE")+") for this long, e.g. 24h or 7d; read it back with shoveltap --queue STREAM --from -1h")
	fs.StringVar(&f.historyBytes, "history-bytes", "", "`SIZE`: keep at most this much history, e.g. 5GiB (with or instead of --history; at least 1MiB)")
	fs.IntVar(&f.historyReplicas, "history-replicas", 0, "nodes of a clustered mirror that hold the history stream (x-initial-cluster-size; default: the broker's)")
	fs.IntVar(&f.reconnectDelay, "reconnect-delay", 0, fmt.Sprintf("seconds between the shovel's attempts to reach the mirror (default %d)", DefaultReconnectDelay))
	cmdline.Group(fs, cmdline.GroupLimits, "max-length", "max-bytes", "overflow", "history", "history-bytes", "history-replicas", "reconnect-delay")
	fs.BoolVarP(&f.yes, "yes", "y", false, "apply a plan that rebinds production queues (--layout fanout)")
	fs.BoolVarP(&f.json, "json", "j", false, "print JSON")
	fs.BoolVar(&f.all, "all", false, "teardown: also remove marked mirrors of exchanges not in the configuration")
	fs.BoolVar(&f.insecureTLS, "insecure-tls", false, "do not verify the brokers' TLS certificates (never for production)")
	fs.StringVar(&f.passwordFile, "password-file", "", "read production's password from the first line of `FILE` (else the URL, "+broker.EnvPassword+" or the prompt)")
	fs.StringVar(&f.mirrorPasswordFile, "mirror-password-file", "", "read the mirror's password from the first line of `FILE` (else the URL, "+EnvMirrorPassword+" or the prompt)")
	f.tls.Register(fs, "", cmdline.TLSHelp{
		CACert:  "`FILE` of CA certificates (PEM) that check production's certificate (default: the system's)",
		Cert:    "client certificate `FILE` (PEM) for production",
		CertKey: "`FILE` of --cert's private key",
	})
	f.mirrorTLS.Register(fs, "mirror-", cmdline.TLSHelp{
		CACert:  "like --ca-cert, for the mirror broker (default: --ca-cert's)",
		Cert:    "like --cert, for the mirror broker (default: --cert's)",
		CertKey: "like --cert-key, for the mirror broker (default: --cert-key's)",
	})
	f.shovelTLS.Register(fs, "mirror-shovel-", cmdline.TLSHelp{
		CACert:  "`PATH` on production's host of the CA certificate with which production's shovel checks an amqps:// mirror (required there unless --insecure-tls; the broker reads it)",
		Cert:    "`PATH` on production's host of a client certificate for the shovel: it then logs in to the mirror by x509 and no password is stored on production",
		CertKey: "`PATH` on production's host of --mirror-shovel-cert's key",
	})
	cmdline.Group(fs, cmdline.GroupTLS, "insecure-tls", "password-file", "mirror-password-file")
	cmdline.Brief(fs, map[string]string{
		"url":                  "production, amqp[s]://USER@HOST:PORT/VHOST",
		"mirror-url":           "the mirror, amqp[s]://USER@HOST:PORT/VHOST",
		"layout":               "queue (default) or fanout (needs --yes)",
		"max-bytes":            "bound of the mirror queue in body bytes",
		"history-bytes":        "keep at most SIZE of history",
		"history":              "also keep a history stream this long",
		"all":                  "teardown: also mirrors not in the configuration",
		"ca-cert":              "production's CA, certificate, key (PEM)",
		"password-file":        "read production's password from FILE",
		"mirror-password-file": "read the mirror's password from FILE",
		"mirror-shovel-url":    "the mirror as production reaches it",
		"history-replicas":     "nodes of a clustered mirror holding the history",
		"reconnect-delay":      "seconds between the shovel's attempts",
	})
	cmdline.BindEnv(fs, map[string]string{
		"url": broker.EnvURL, "api": broker.EnvAPI, "mirror-url": EnvMirrorURL, "mirror-api": EnvMirrorAPI,
		"ca-cert": broker.EnvCACert, "cert": broker.EnvCert, "cert-key": broker.EnvCertKey,
	})
}

// configuration merges the file (if any) with the flags; flags win.
func (f *Flags) configuration() (Config, error) {
	var cfg Config
	if f.config != "" {
		var err error
		if cfg, err = LoadConfig(f.config); err != nil {
			return Config{}, err
		}
		f.deprecated = cfg.Deprecated
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
	set(&cfg.Production.CACert, f.tls.CACert)
	set(&cfg.Production.Cert, f.tls.Cert)
	set(&cfg.Production.CertKey, f.tls.CertKey)
	set(&cfg.Mirror.CACert, f.mirrorTLS.CACert)
	set(&cfg.Mirror.Cert, f.mirrorTLS.Cert)
	set(&cfg.Mirror.CertKey, f.mirrorTLS.CertKey)
	set(&cfg.Mirror.ShovelCACert, f.shovelTLS.CACert)
	set(&cfg.Mirror.ShovelCert, f.shovelTLS.Cert)
	set(&cfg.Mirror.ShovelCertKey, f.shovelTLS.CertKey)
	set(&cfg.Layout, f.layout)
	if f.reconnectDelay > 0 {
		cfg.ReconnectDelay = f.reconnectDelay
	}
	switch {
	case f.exchange != "":
		cfg.Exchanges = append(cfg.Exchanges, Exchange{Name: f.exchange, Keys: f.keys, MirrorExchange: f.mirrorExchange,
			Limits: Limits{MaxLength: f.maxLength, MaxBytes: f.maxBytes, Overflow: f.overflow,
				History: f.history, HistoryBytes: f.historyBytes, HistoryReplicas: f.historyReplicas}})
	case len(f.keys) > 0 || f.mirrorExchange != "":
		return Config{}, errors.New("--key and --mirror-exchange go with --exchange (or use the set-up file)")
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

// RunCommand is "shoveltap setup COMMAND": the flags merged with the
// set-up file, the password files read, and a password nothing gave asked
// for at a terminal.
func RunCommand(ctx context.Context, cmd string, f *Flags, con cmdline.Console) int {
	cfg, err := f.configuration()
	if err != nil {
		return cmdline.UsageFail(con, "shoveltap setup "+cmd, err)
	}
	for _, k := range f.deprecated {
		fmt.Fprintf(con.Stderr, "shoveltap setup: warning: %s: the key %s is the old spelling of %s; underscores in set-up keys are deprecated and will stop working: write %s\n",
			f.config, k, strings.ReplaceAll(k, "_", "-"), strings.ReplaceAll(k, "_", "-"))
	}
	env, err := f.environment(con)
	if err != nil {
		fmt.Fprintf(con.Stderr, "shoveltap setup: %v\n", err)
		return 2
	}
	if f.insecureTLS {
		fmt.Fprintln(con.Stderr, "shoveltap setup: warning: --insecure-tls: the brokers' TLS certificates are not verified, and an amqps:// mirror's shovel is told not to verify either")
	}
	cmdline.WarnPasswordInURL(con.Stderr, "--url", []string{f.url})
	cmdline.WarnPasswordInURL(con.Stderr, "--mirror-url", []string{f.mirrorURL})
	rc := RunConfig{
		Command:     cmd,
		Config:      cfg,
		Getenv:      env.get,
		InsecureTLS: f.insecureTLS,
		JSON:        f.json,
		Yes:         f.yes,
		All:         f.all,
	}
	err = Run(ctx, rc, con.Stdout)
	// A password nothing gave is asked for, once per broker, and the
	// command runs again with it.
	for range 2 {
		var np *broker.NoPasswordError
		if !errors.As(err, &np) || !con.StdinTTY || env.set[np.EnvVar] != "" {
			break
		}
		pw, askErr := con.AskPassword(ctx, fmt.Sprintf("Password for %s at %s: ", np.User, np.Address))
		if askErr != nil {
			err = fmt.Errorf("%w (%v)", err, askErr)
			break
		}
		env.set[np.EnvVar] = pw
		err = Run(ctx, rc, con.Stdout)
	}
	if err != nil {
		fmt.Fprintf(con.Stderr, "shoveltap setup %s: %v\n", cmd, err)
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
func (f *Flags) environment(con cmdline.Console) (setupEnv, error) {
	env := setupEnv{getenv: con.Env, set: map[string]string{}}
	for _, pf := range []struct{ path, flag, variable string }{
		{f.passwordFile, "--password-file", broker.EnvPassword},
		{f.mirrorPasswordFile, "--mirror-password-file", EnvMirrorPassword},
	} {
		if pf.path == "" {
			continue
		}
		pw, err := cmdline.ReadPasswordFile(pf.path, pf.flag, con.Stderr)
		if err != nil {
			return setupEnv{}, err
		}
		env.set[pf.variable] = pw
	}
	return env, nil
}
