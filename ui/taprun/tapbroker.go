package taprun

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/envs"
)

// tapTLSFlags are the --tap-url broker's TLS and password flags: the files
// shoveltap uses to reach it, and the files on the tapped broker's host
// that the shovel uses to reach it.
type tapTLSFlags struct {
	files        cmdline.TLSFiles
	shovel       cmdline.TLSFiles
	passwordFile string
}

func (t *tapTLSFlags) register(fs *pflag.FlagSet) {
	t.files.Register(fs, "tap-", cmdline.TLSHelp{
		CACert:  "like --ca-cert, for the --tap-url broker (default: --ca-cert's)",
		Cert:    "like --cert, for the --tap-url broker (default: --cert's)",
		CertKey: "like --cert-key, for the --tap-url broker (default: --cert-key's)",
	})
	fs.StringVar(&t.passwordFile, "tap-password-file", "", "like --password-file, for the --tap-url broker (else the URL, "+broker.EnvTapPassword+" or the prompt)")
	t.shovel.Register(fs, "tap-shovel-", cmdline.TLSHelp{
		CACert:  "`PATH` on the tapped broker's host of the CA certificate with which its shovel checks an amqps:// --tap-url broker (required there unless --insecure-tls; the broker reads it, shoveltap does not)",
		Cert:    "`PATH` on the tapped broker's host of a client certificate for the shovel to an amqps:// --tap-url: the shovel then logs in by x509 and no password is stored in its definition",
		CertKey: "`PATH` on the tapped broker's host of --tap-shovel-cert's key",
	})
	cmdline.Group(fs, cmdline.GroupTLS, "tap-password-file")
	cmdline.Rare(fs, "tap-password-file")
}

// tapEndpoint is the --tap-url broker, or nil without one. Its TLS files
// default to the main broker's (main); the environment fills in what the
// flags leave out.
func (f *Options) tapEndpoint(ctx context.Context, con cmdline.Console, main broker.Endpoint) (*broker.Endpoint, error) {
	env := f.Conn.Env()
	if env == nil {
		env = &envs.Environment{}
	}
	raw := cmdline.FirstNonEmpty(f.tapURL, env.TapURL)
	if raw == "" {
		if f.tapTLS.shovel.Any() {
			return nil, fmt.Errorf("--tap-shovel-ca-cert, --tap-shovel-cert and --tap-shovel-cert-key go with --tap-url")
		}
		return nil, nil
	}
	cmdline.WarnPasswordInURL(con.Stderr, "--tap-url", []string{f.tapURL})
	t := f.tapTLS
	acc := broker.Access{TLS: broker.TLS{
		CACert:   cmdline.FirstNonEmpty(t.files.CACert, env.TapCACert, main.TLS.CACert),
		Cert:     cmdline.FirstNonEmpty(t.files.Cert, env.TapCert, main.TLS.Cert),
		CertKey:  cmdline.FirstNonEmpty(t.files.CertKey, env.TapCertKey, main.TLS.CertKey),
		Insecure: main.TLS.Insecure,
		Flags:    "tap-",
	}}
	var err error
	if acc.Password, err = cmdline.FilePassword(t.passwordFile, "--tap-password-file", "", env.TapPasswordFile, con); err != nil {
		return nil, err
	}
	ep, err := cmdline.ResolveAsking(ctx, con, acc, func(acc broker.Access) (broker.Endpoint, error) {
		return broker.ResolveTapEndpointWith(raw, cmdline.FirstNonEmpty(f.tapAPI, env.TapAPI), acc, con.Env)
	})
	if err != nil {
		return nil, err
	}
	ep.ShovelTLS = broker.ShovelTLS{
		CACert:  cmdline.FirstNonEmpty(t.shovel.CACert, env.TapShovelCACert),
		Cert:    cmdline.FirstNonEmpty(t.shovel.Cert, env.TapShovelCert),
		CertKey: cmdline.FirstNonEmpty(t.shovel.CertKey, env.TapShovelCertKey),
		Flags:   "tap-shovel-",
	}
	return &ep, nil
}

// confirmProduction asks before --firehose in a production environment:
// tracing costs every publish in the vhost. ok false means stop with code.
func (f *Options) confirmProduction(ctx context.Context, con cmdline.Console, cfg tap.Config) (code int, ok bool) {
	env := f.Conn.Env()
	if env == nil || !env.Production || !f.firehose {
		return 0, true
	}
	yes, err := con.Confirm(ctx, f.yes, func() string {
		return fmt.Sprintf("%s is a production environment: --firehose turns on tracing for vhost %q on %s, which costs every publish there while the tap runs. Go on?", env.DisplayLabel(), cfg.Endpoint.Vhost, cfg.Endpoint.Address())
	})
	switch {
	case err != nil:
		fmt.Fprintf(con.Stderr, "shoveltap: %s is a production environment and --firehose costs every publish in the vhost; %v: add --yes to go on; nothing was created\n", env.DisplayLabel(), err)
		return 2, false
	case !yes:
		fmt.Fprintln(con.Stderr, "shoveltap: nothing was created")
		return 0, false
	}
	return 0, true
}
