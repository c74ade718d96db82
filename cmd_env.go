package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/envs"
)

const envLong = `Lists the named environments of the environments file
($XDG_CONFIG_HOME/shoveltap/environments.yaml unless --env-file or
SHOVELTAP_ENV_FILE names another). Choose one with --env NAME (or
SHOVELTAP_ENV): its URL, API, user, TLS files and tap URL apply to what
the command line leaves out. A production environment shows its label in
red in the status line and asks before --firehose and replay.

  environments:
    prod:
      label: PROD eu-west          # shown in the status line (default: the name)
      colour: orange               # its colour; a production label is always red
      production: true
      url: amqps://ops@mq.example.com:5671/orders   # or a list of a cluster's nodes
      api: https://mq.example.com:15671
      user: ops                    # when the URL names none
      password-file: prod.password # or password: (only in a file nobody else can read)
      ca-cert: certs/ca.pem        # paths relative to this file; ~/ is your home
      cert: certs/ops.pem
      cert-key: certs/ops.key
      tap-url: amqps://tracer@tracer.example.com:5671/
      tap-shovel-ca-cert: /etc/rabbitmq/ca.pem   # on the tapped broker's host
      max-rate: 500                # production budget, copied messages per second`

func newEnvCmd(con cmdline.Console) *cobra.Command {
	var envFile string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "list the named environments (--env NAME)",
		Long:  envLong,
		Args:  cmdline.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(runEnv(c.Context(), envFile, con))
		},
	}
	cmd.Flags().StringVar(&envFile, "env-file", "", "environments `FILE`")
	cmdline.BindEnv(cmd.Flags(), map[string]string{"env-file": envs.EnvFile})
	return cmd
}

// runEnv is "shoveltap env": list the environments.
func runEnv(_ context.Context, envFile string, con cmdline.Console) int {
	path, err := cmdline.EnvFilePath(envFile, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap env:", err)
		return 2
	}
	f, err := envs.Load(path)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap env:", err)
		return 1
	}
	if len(f.Environments) == 0 {
		fmt.Fprintf(con.Stdout, "%s defines no environment (see shoveltap env --help).\n", path)
		return 0
	}
	fmt.Fprintf(con.Stdout, "Environments in %s:\n", path)
	w := tabwriter.NewWriter(con.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  NAME\tLABEL\tKIND\tURL\tLOGIN")
	for _, e := range f.Environments {
		kind := "-"
		if e.Production {
			kind = "PRODUCTION"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", e.Name, e.DisplayLabel(), kind, redactedURLs(e.URLs), login(e))
	}
	_ = w.Flush()
	return 0
}

// redactedURLs shows the URLs without their passwords.
func redactedURLs(raws []string) string {
	if len(raws) == 0 {
		return "(default)"
	}
	var out []string
	for _, raw := range raws {
		u, err := url.Parse(raw)
		if err != nil {
			out = append(out, "(not a URL)")
			continue
		}
		out = append(out, u.Redacted())
	}
	return strings.Join(out, " ")
}

// login says how an environment logs in, without any secret.
func login(e envs.Environment) string {
	var parts []string
	switch {
	case e.Password != "":
		parts = append(parts, "password in the file")
	case e.PasswordFile != "":
		parts = append(parts, "password-file")
	case e.Cert != "":
		parts = append(parts, "x509 certificate")
	}
	if e.Cert != "" && len(parts) > 0 && parts[0] != "x509 certificate" {
		parts = append(parts, "client certificate")
	}
	if e.InsecureTLS {
		parts = append(parts, "TLS NOT VERIFIED")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
