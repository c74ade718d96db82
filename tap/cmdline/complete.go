package cmdline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/envs"
)

// CompleteTimeout bounds the management API look-up of completion: a shell waiting on a
// slow broker is worse than no names.
const CompleteTimeout = time.Second

// NameCompletion completes flag (exchange or queue) of cmd with the names
// the broker's management API lists, and --env with the names of the
// environments file. The other flags are already parsed into conn when
// cobra calls it.
func NameCompletion(cmd *cobra.Command, flag string, conn *Conn, con Console) {
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

// FixedCompletion completes flag of cmd with values.
func FixedCompletion(cmd *cobra.Command, flag string, values ...string) {
	must(cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)))
}

// FileArg completes a command's one FILE argument with file names.
func FileArg(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
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
func envNames(file string, con Console) []string {
	path, err := EnvFilePath(file, con)
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
// broker conn names, within CompleteTimeout. It never asks for a
// password: a shell is waiting.
func apiNames(ctx context.Context, conn *Conn, kind string, con Console) ([]string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	quiet := Console{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: con.Getenv}
	ep, err := conn.Endpoint(ctx, quiet)
	if err != nil {
		return nil, err
	}
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, CompleteTimeout)
	defer cancel()
	return admin.ListNames(ctx, ep.Vhost, kind)
}
