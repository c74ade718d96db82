package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/setup"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/envs"
)

const completionLong = `Prints the shell completion script for shoveltap: commands, each
command's flags, and the names of exchanges and queues after --exchange
and --queue, read from the management API of the broker the command
line names (--url, --api, --env, SHOVELTAP_URL …) when it answers within
a second.

  source <(shoveltap completion bash)                      # bash (needs bash-completion)
  shoveltap completion bash > ~/.local/share/bash-completion/completions/shoveltap
  source <(shoveltap completion zsh)                       # zsh, this shell
  shoveltap completion zsh > "${fpath[1]}/_shoveltap"     # zsh, for good
  shoveltap completion fish > ~/.config/fish/completions/shoveltap.fish
  shoveltap completion powershell | Out-String | Invoke-Expression`

// completeTimeout bounds the management API look-up: a shell waiting on a
// slow broker is worse than no names.
const completeTimeout = time.Second

// addCompletion adds cobra's completion command (bash, zsh, fish,
// PowerShell) and the hidden __complete it runs, both from the tree.
func addCompletion(root *cobra.Command, con cmdline.Console) {
	root.CompletionOptions.HiddenDefaultCmd = false
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Use = "completion bash|zsh|fish|powershell"
			c.Short = "print the shell completion script"
			c.Annotations = map[string]string{cmdline.RareCommand: "shell script"}
			c.Long = completionLong
			c.Args = cmdline.OneOf("shell", "bash", "zsh", "fish", "powershell")
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
			for _, s := range c.Commands() {
				s.Hidden = false
			}
		}
	}
}

// registerTapCompletions completes the values of the tap's flags.
func registerTapCompletions(cmd *cobra.Command, conn *cmdline.Conn, con cmdline.Console) {
	registerNameCompletion(cmd, "exchange", conn, con)
	registerNameCompletion(cmd, "queue", conn, con)
	fixedCompletion(cmd, "ack-mode", tap.AckModes...)
	fixedCompletion(cmd, "shovel-protocol", tap.ShovelProtocols...)
}

// registerSetupCompletions completes the values of setup's flags.
func registerSetupCompletions(cmd *cobra.Command) {
	fixedCompletion(cmd, "overflow", setup.OverflowDropHead, setup.OverflowRejectPublish)
	fixedCompletion(cmd, "layout", setup.LayoutQueue, setup.LayoutFanout)
}

// registerNameCompletion completes flag (exchange or queue) with the
// names the broker's management API lists, and --env with the names of
// the environments file. The other flags are already parsed into conn
// when cobra calls it.
func registerNameCompletion(cmd *cobra.Command, flag string, conn *cmdline.Conn, con cmdline.Console) {
	kind := broker.KindExchange
	if flag == "queue" {
		kind = broker.KindQueue
	}
	must(cmd.RegisterFlagCompletionFunc(flag, func(c *cobra.Command, _ []string, cur string) ([]cobra.Completion, cobra.ShellCompDirective) {
		names, err := apiNames(c.Context(), conn, kind, con)
		if err != nil {
			fmt.Fprintln(con.Stderr, "shoveltap completion:", err) // the scripts discard it; by hand it says why
		}
		return prefixed(names, cur), cobra.ShellCompDirectiveNoFileComp
	}))
	if cmd.Flags().Lookup("env") != nil {
		if _, ok := cmd.GetFlagCompletionFunc("env"); !ok {
			must(cmd.RegisterFlagCompletionFunc("env", func(_ *cobra.Command, _ []string, cur string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return prefixed(envNames(conn.EnvFile, con), cur), cobra.ShellCompDirectiveNoFileComp
			}))
		}
	}
}

func fixedCompletion(cmd *cobra.Command, flag string, values ...string) {
	must(cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)))
}

// fileArg completes a command's one FILE argument with file names.
func fileArg(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveDefault
}

func prefixed(names []string, cur string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, cur) {
			out = append(out, n)
		}
	}
	return out
}

// must panics on a completion registered for a flag that does not exist:
// a mistake in the command table, found by every test that builds it.
func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("shoveltap: %v", err))
	}
}

// envNames lists the environments of file (or the default one); none
// when it cannot be read.
func envNames(file string, con cmdline.Console) []string {
	path, err := cmdline.EnvFilePath(file, con)
	if err != nil {
		return nil
	}
	f, err := envs.Load(path)
	if err != nil {
		return nil
	}
	return f.Names()
}

// apiNames reads exchange or queue names from the management API of the
// broker conn names, within completeTimeout. It never asks for a
// password: a shell is waiting.
func apiNames(ctx context.Context, conn *cmdline.Conn, kind string, con cmdline.Console) ([]string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	quiet := cmdline.Console{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: con.Getenv}
	ep, err := conn.Endpoint(ctx, quiet)
	if err != nil {
		return nil, err
	}
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	return admin.ListNames(ctx, ep.Vhost, kind)
}
