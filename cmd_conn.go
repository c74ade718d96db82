package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/envs"
)

// connFlags are the flags of every command that talks to a broker.
type connFlags struct {
	urls, apis            listFlag
	insecureTLS           bool
	caCert, cert, certKey string
	passwordFile          string
	envName, envFile      string

	// env is the environment --env chose; loaded by environment.
	env *envs.Environment
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.urls, "url", "AMQP `URL` of the broker, amqp[s]://USER@HOST:PORT/VHOST (env "+broker.EnvURL+"; default "+broker.DefaultURL+"); repeat it with the other nodes of a cluster, tried in turn when a node is down")
	fs.Var(&c.apis, "api", "management API `address` (env "+broker.EnvAPI+"; default: the URL's host on port 15672, or https on 15671 for amqps); one for all --url values, or one per --url in order")
	fs.BoolVar(&c.insecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate (the status line warns for the whole session; never for production)")
	fs.StringVar(&c.caCert, "ca-cert", "", "`FILE` of CA certificates (PEM) that check the broker's certificate, for AMQP and the management API (env "+broker.EnvCACert+"; default: the system's)")
	fs.StringVar(&c.cert, "cert", "", "client certificate `FILE` (PEM) for mutual TLS (env "+broker.EnvCert+"); with no password it is the login: x509, SASL EXTERNAL")
	fs.StringVar(&c.certKey, "cert-key", "", "`FILE` of the client certificate's private key, PEM, unencrypted (env "+broker.EnvCertKey+")")
	fs.StringVar(&c.passwordFile, "password-file", "", "read the password from the first line of `FILE` (keep it chmod 600) rather than the URL, "+broker.EnvPassword+" or the prompt")
	fs.StringVar(&c.envName, "env", "", "use the environment `NAME` of the environments file (env "+envs.EnvName+"; shoveltap env lists them); flags given as well win over it")
	fs.StringVar(&c.envFile, "env-file", "", "environments `FILE` (env "+envs.EnvFile+"; default $XDG_CONFIG_HOME/shoveltap/environments.yaml)")
}

// environment loads the environment --env (or SHOVELTAP_ENV) names; nil
// when none is named.
func (c *connFlags) environment(con console) (*envs.Environment, error) {
	if c.env != nil {
		return c.env, nil
	}
	name := firstNonEmpty(c.envName, con.env(envs.EnvName))
	if name == "" {
		return nil, nil
	}
	path, err := envFilePath(c.envFile, con)
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
	return c.env, nil
}

// envFilePath is --env-file, SHOVELTAP_ENV_FILE or the default path.
func envFilePath(flagValue string, con console) (string, error) {
	if p := firstNonEmpty(flagValue, con.env(envs.EnvFile)); p != "" {
		return p, nil
	}
	return envs.DefaultPath(con.env)
}

// endpoint is the broker the flags name. What they leave out comes from
// the environment --env chose, then the SHOVELTAP_* variables; a password
// nothing gives is asked for when someone is at the terminal.
func (c *connFlags) endpoint(ctx context.Context, con console) (broker.Endpoint, error) {
	env, err := c.environment(con)
	if err != nil {
		return broker.Endpoint{}, err
	}
	if env == nil {
		env = &envs.Environment{}
	}
	urls, apis := []string(c.urls), []string(c.apis)
	if len(urls) == 0 {
		urls = env.URLs
	}
	if len(apis) == 0 {
		apis = env.APIs
	}
	warnPasswordInURL(con.stderr, "--url", c.urls)
	acc := broker.Access{
		User: env.User,
		TLS: broker.TLS{
			CACert:   firstNonEmpty(c.caCert, env.CACert),
			Cert:     firstNonEmpty(c.cert, env.Cert),
			CertKey:  firstNonEmpty(c.certKey, env.CertKey),
			Insecure: c.insecureTLS || env.InsecureTLS,
		},
	}
	if acc.TLS.Insecure {
		fmt.Fprintln(con.stderr, "shoveltap: warning: --insecure-tls: the broker's TLS certificate is not verified, so anyone in the middle can read and change the traffic, credentials included")
	}
	if acc.Password, err = filePassword(c.passwordFile, "--password-file", env.Password, env.PasswordFile, con); err != nil {
		return broker.Endpoint{}, err
	}
	return resolveAsking(ctx, con, acc, func(acc broker.Access) (broker.Endpoint, error) {
		return broker.ResolveClusterWith(urls, apis, acc, con.env)
	})
}

// filePassword is the password of --password-file (flagFile), else of the
// environment (inline or its password-file); "" when none gives one.
func filePassword(flagFile, flagName, envPassword, envPasswordFile string, con console) (string, error) {
	switch {
	case flagFile != "":
		return readPasswordFile(flagFile, flagName, con.stderr)
	case envPassword != "":
		return envPassword, nil
	case envPasswordFile != "":
		return readPasswordFile(envPasswordFile, "the environment's password-file", con.stderr)
	}
	return "", nil
}

// resolveAsking resolves an endpoint and, when it lacks a password and
// someone is at the terminal, asks for it and resolves again.
func resolveAsking(ctx context.Context, con console, acc broker.Access, resolve func(broker.Access) (broker.Endpoint, error)) (broker.Endpoint, error) {
	ep, err := resolve(acc)
	var np *broker.NoPasswordError
	if !errors.As(err, &np) || !con.stdinTTY {
		return ep, err
	}
	pw, askErr := con.askPassword(ctx, fmt.Sprintf("Password for %s at %s: ", np.User, np.Address))
	if askErr != nil {
		return broker.Endpoint{}, fmt.Errorf("%w (%v)", err, askErr)
	}
	acc.Password = pw
	return resolve(acc)
}

// firstNonEmpty is the first non-empty string.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
