package main

import (
	"context"
	"fmt"

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

// newEnvCmd is "shoveltap env".
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
	f.WriteList(con.Stdout, path)
	return 0
}
