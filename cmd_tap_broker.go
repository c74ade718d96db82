package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/envs"
)

// tapTLSFlags are the --tap-url broker's TLS and password flags: the files
// shoveltap uses to reach it, and the files on the tapped broker's host
// that the shovel uses to reach it.
type tapTLSFlags struct {
	caCert, cert, certKey               string
	passwordFile                        string
	shovelCACert, shovelCert, shovelKey string
}

func (t *tapTLSFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.caCert, "tap-ca-cert", "", "like --ca-cert, for the --tap-url broker (default: --ca-cert's)")
	fs.StringVar(&t.cert, "tap-cert", "", "like --cert, for the --tap-url broker (default: --cert's)")
	fs.StringVar(&t.certKey, "tap-cert-key", "", "like --cert-key, for the --tap-url broker (default: --cert-key's)")
	fs.StringVar(&t.passwordFile, "tap-password-file", "", "like --password-file, for the --tap-url broker (else the URL, "+broker.EnvTapPassword+" or the prompt)")
	fs.StringVar(&t.shovelCACert, "tap-shovel-ca-cert", "", "`PATH` on the tapped broker's host of the CA certificate with which its shovel checks an amqps:// --tap-url broker (required there unless --insecure-tls; the broker reads it, shoveltap does not)")
	fs.StringVar(&t.shovelCert, "tap-shovel-cert", "", "`PATH` on the tapped broker's host of a client certificate for the shovel to an amqps:// --tap-url: the shovel then logs in by x509 and no password is stored in its definition")
	fs.StringVar(&t.shovelKey, "tap-shovel-cert-key", "", "`PATH` on the tapped broker's host of --tap-shovel-cert's key")
}

// tapEndpoint is the --tap-url broker, or nil without one. Its TLS files
// default to the main broker's (main); the environment fills in what the
// flags leave out.
func (f *tapFlags) tapEndpoint(ctx context.Context, con console, main broker.Endpoint) (*broker.Endpoint, error) {
	env := f.conn.env
	if env == nil {
		env = &envs.Environment{}
	}
	raw := firstNonEmpty(f.tapURL, env.TapURL)
	if raw == "" {
		if t := f.tapTLS; t.shovelCACert != "" || t.shovelCert != "" || t.shovelKey != "" {
			return nil, fmt.Errorf("--tap-shovel-ca-cert, --tap-shovel-cert and --tap-shovel-cert-key go with --tap-url")
		}
		return nil, nil
	}
	warnPasswordInURL(con.stderr, "--tap-url", []string{f.tapURL})
	t := f.tapTLS
	acc := broker.Access{TLS: broker.TLS{
		CACert:   firstNonEmpty(t.caCert, env.TapCACert, main.TLS.CACert),
		Cert:     firstNonEmpty(t.cert, env.TapCert, main.TLS.Cert),
		CertKey:  firstNonEmpty(t.certKey, env.TapCertKey, main.TLS.CertKey),
		Insecure: main.TLS.Insecure,
		Flags:    "tap-",
	}}
	var err error
	if acc.Password, err = filePassword(t.passwordFile, "--tap-password-file", "", env.TapPasswordFile, con); err != nil {
		return nil, err
	}
	ep, err := resolveAsking(ctx, con, acc, func(acc broker.Access) (broker.Endpoint, error) {
		return broker.ResolveTapEndpointWith(raw, firstNonEmpty(f.tapAPI, env.TapAPI), acc, con.env)
	})
	if err != nil {
		return nil, err
	}
	ep.ShovelTLS = broker.ShovelTLS{
		CACert:  firstNonEmpty(t.shovelCACert, env.TapShovelCACert),
		Cert:    firstNonEmpty(t.shovelCert, env.TapShovelCert),
		CertKey: firstNonEmpty(t.shovelKey, env.TapShovelCertKey),
		Flags:   "tap-shovel-",
	}
	return &ep, nil
}

// confirmProduction asks before --firehose in a production environment:
// tracing costs every publish in the vhost. ok false means stop with code.
func (f *tapFlags) confirmProduction(ctx context.Context, con console, cfg tap.Config) (code int, ok bool) {
	env := f.conn.env
	if env == nil || !env.Production || !f.firehose {
		return 0, true
	}
	yes, err := con.confirm(ctx, f.yes, func() string {
		return fmt.Sprintf("%s is a production environment: --firehose turns on tracing for vhost %q on %s, which costs every publish there while the tap runs. Go on?", env.DisplayLabel(), cfg.Endpoint.Vhost, cfg.Endpoint.Address())
	})
	switch {
	case err != nil:
		fmt.Fprintf(con.stderr, "shoveltap: %s is a production environment and --firehose costs every publish in the vhost; %v: add --yes to go on; nothing was created\n", env.DisplayLabel(), err)
		return 2, false
	case !yes:
		fmt.Fprintln(con.stderr, "shoveltap: nothing was created")
		return 0, false
	}
	return 0, true
}
