package cmdline

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/envs"
)

// Conn is the connection flags of every command that talks to a broker,
// defined once here and registered by each such command.
type Conn struct {
	URLs, APIs   []string
	InsecureTLS  bool
	TLS          TLSFiles
	PasswordFile string
	EnvName      string
	EnvFile      string

	// env is the environment --env chose; loaded by Environment.
	env *envs.Environment
	// decoders is the decoders: section of the file env came from.
	decoders formats.Config
}

// Register defines the connection, TLS and credentials flags on fs.
func (c *Conn) Register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&c.URLs, "url", "u", nil, "AMQP `URL` of the broker, amqp[s]://USER@HOST:PORT/VHOST (default "+broker.DefaultURL+"); repeat it with the other nodes of a cluster, tried in turn when a node is down")
	fs.StringArrayVar(&c.APIs, "api", nil, "management API `ADDRESS` (default: the URL's host on port 15672, or https on 15671 for amqps; a trailing /api is taken off); one for all --url values, or one per --url in order")
	fs.StringVar(&c.EnvName, "env", "", "use the environment `NAME` of the environments file (shoveltap env lists them); flags given as well win over it")
	fs.StringVar(&c.EnvFile, "env-file", "", "environments `FILE` (default $XDG_CONFIG_HOME/shoveltap/environments.yaml)")
	Group(fs, GroupConnection, "url", "api", "env", "env-file")
	Join(fs, "env", "env-file")
	fs.StringVar(&c.PasswordFile, "password-file", "", "read the password from the first line of `FILE` (keep it chmod 600) rather than the URL, "+broker.EnvPassword+" or the prompt")
	fs.BoolVar(&c.InsecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate (the status line warns for the whole session; never for production)")
	c.TLS.Register(fs, "", TLSHelp{
		CACert:  "`FILE` of CA certificates (PEM) that check the broker's certificate, for AMQP and the management API (default: the system's)",
		Cert:    "client certificate `FILE` (PEM) for mutual TLS; with no password it is the login: x509, SASL EXTERNAL",
		CertKey: "`FILE` of the client certificate's private key, PEM, unencrypted",
	})
	Group(fs, GroupTLS, "password-file", "insecure-tls")
	Brief(fs, map[string]string{
		"url":           "amqp[s]://USER@HOST:PORT/VHOST (repeatable)",
		"env":           "a named environment (shoveltap env)",
		"password-file": "read the password from the first line of FILE",
		"ca-cert":       "CA, client certificate, key (PEM)",
		"insecure-tls":  "do not verify the broker's TLS certificate",
	})
	BindEnv(fs, map[string]string{
		"url": broker.EnvURL, "api": broker.EnvAPI, "env": envs.EnvName, "env-file": envs.EnvFile,
		"ca-cert": broker.EnvCACert, "cert": broker.EnvCert, "cert-key": broker.EnvCertKey,
	})
}

// Env is the environment --env chose, nil before Environment or when none.
func (c *Conn) Env() *envs.Environment { return c.env }

// Decoders is the decoders: section of the environments file --env read
// (zero before Environment or without --env).
func (c *Conn) Decoders() formats.Config { return c.decoders }

// Environment loads the environment --env (or SHOVELTAP_ENV) names; nil
// when none is named.
func (c *Conn) Environment(con Console) (*envs.Environment, error) {
	if c.env != nil {
		return c.env, nil
	}
	name := FirstNonEmpty(c.EnvName, con.Env(envs.EnvName))
	if name == "" {
		return nil, nil
	}
	path, err := EnvFilePath(c.EnvFile, con)
	if err != nil {
		return nil, err
	}
	f, err := envs.Load(path)
	if err != nil {
		return nil, err
	}
	e, err := f.Get(name)
	if err != nil {
		return nil, err
	}
	c.env = &e
	c.decoders = f.Decoders
	return c.env, nil
}

// EnvFilePath is --env-file, SHOVELTAP_ENV_FILE or the default path.
func EnvFilePath(flagValue string, con Console) (string, error) {
	if p := FirstNonEmpty(flagValue, con.Env(envs.EnvFile)); p != "" {
		return p, nil
	}
	return envs.DefaultPath(con.Env)
}

// Endpoint is the broker the flags name. What they leave out comes from
// the environment --env chose, then the SHOVELTAP_* variables; a password
// nothing gives is asked for when someone is at the terminal.
func (c *Conn) Endpoint(ctx context.Context, con Console) (broker.Endpoint, error) {
	env, err := c.Environment(con)
	if err != nil {
		return broker.Endpoint{}, err
	}
	if env == nil {
		env = &envs.Environment{}
	}
	urls, apis := c.URLs, c.APIs
	if len(urls) == 0 {
		urls = env.URLs
	}
	if len(apis) == 0 {
		apis = env.APIs
	}
	WarnPasswordInURL(con.Stderr, "--url", c.URLs)
	acc := broker.Access{
		User: env.User,
		TLS: broker.TLS{
			CACert:   FirstNonEmpty(c.TLS.CACert, env.CACert),
			Cert:     FirstNonEmpty(c.TLS.Cert, env.Cert),
			CertKey:  FirstNonEmpty(c.TLS.CertKey, env.CertKey),
			Insecure: c.InsecureTLS || env.InsecureTLS,
		},
	}
	if acc.TLS.Insecure {
		fmt.Fprintln(con.Stderr, "shoveltap: warning: --insecure-tls: the broker's TLS certificate is not verified, so anyone in the middle can read and change the traffic, credentials included")
	}
	if acc.Password, err = FilePassword(c.PasswordFile, "--password-file", env.Password, env.PasswordFile, con); err != nil {
		return broker.Endpoint{}, err
	}
	return ResolveAsking(ctx, con, acc, func(acc broker.Access) (broker.Endpoint, error) {
		return broker.ResolveClusterWith(urls, apis, acc, con.Env)
	})
}

// FilePassword is the password of --password-file (flagFile), else of the
// environment (inline or its password-file); "" when none gives one.
func FilePassword(flagFile, flagName, envPassword, envPasswordFile string, con Console) (string, error) {
	switch {
	case flagFile != "":
		return ReadPasswordFile(flagFile, flagName, con.Stderr)
	case envPassword != "":
		return envPassword, nil
	case envPasswordFile != "":
		return ReadPasswordFile(envPasswordFile, "the environment's password-file", con.Stderr)
	}
	return "", nil
}

// ResolveAsking resolves an endpoint and, when it lacks a password and
// someone is at the terminal, asks for it and resolves again.
func ResolveAsking(ctx context.Context, con Console, acc broker.Access, resolve func(broker.Access) (broker.Endpoint, error)) (broker.Endpoint, error) {
	ep, err := resolve(acc)
	var np *broker.NoPasswordError
	if !errors.As(err, &np) || !con.StdinTTY {
		return ep, err
	}
	pw, askErr := con.AskPassword(ctx, fmt.Sprintf("Password for %s at %s: ", np.User, np.Address))
	if askErr != nil {
		return broker.Endpoint{}, fmt.Errorf("%w (%v)", err, askErr)
	}
	acc.Password = pw
	return resolve(acc)
}

// FirstNonEmpty is the first non-empty string.
func FirstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
