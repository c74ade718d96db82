// Command shoveltap taps live RabbitMQ traffic through a temporary dynamic
// shovel and shows it in a terminal UI (or as JSON lines), removing every
// broker object it created when it exits.
//
// The command line is a cobra tree: newRootCmd assembles it from one
// constructor per command (cmd_*.go), each of which fills an options struct
// from its flags and hands it to the run function of the package that does
// the work (ui/taprun, tap/check, tap/explain …), which tests call without
// cobra. Help, completion and docs/usage.md all come from the tree; the
// flags shared by several commands live in tap/cmdline. The command line
// itself is tested by running the built binary (tap/e2e).
package main

//go:generate go test ./tap/e2e -run TestUsageDocIsCurrent -update

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
)

func main() {
	// See exitSignals (signals_unix.go, signals_windows.go).
	ctx, stop := signal.NotifyContext(context.Background(), exitSignals()...)
	code := run(ctx, os.Args[1:], cmdline.OSConsole())
	stop()
	os.Exit(code)
}

// exitCode carries a run function's exit status through cobra.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// status is a run function's exit status as cobra's error: nil for 0.
func status(code int) error {
	if code == 0 {
		return nil
	}
	return exitCode(code)
}

// run runs the command line args and returns its exit status: 0 done, 1
// it failed, 2 the command line was wrong. Without a command it taps.
func run(ctx context.Context, args []string, con cmdline.Console) int {
	root := newRootCmd(con)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var code exitCode
	var usage *cmdline.UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprint(con.Stderr, usage.Report())
		return 2
	}
	// cobra's own errors are about the command line too.
	fmt.Fprintf(con.Stderr, "shoveltap: %v\nsee 'shoveltap --help'\n", err)
	return 2
}

// newRootCmd assembles the command tree: the root is the tap.
func newRootCmd(con cmdline.Console) *cobra.Command {
	root := newTapCmd(con)
	// Before addCompletion: cobra's completion commands keep the writer
	// they find when they are made.
	root.SetIn(con.Stdin)
	root.SetOut(con.Stdout)
	root.SetErr(con.Stderr)
	root.AddCommand(
		newOpenCmd(con),
		newReplayCmd(con),
		newCleanupCmd(con),
		newRouteCmd(con),
		newTopologyCmd(con),
		newCheckCmd(con),
		newExpectCmd(con),
		newSetupCmd(con),
		newEnvCmd(con),
		newVersionCmd(con),
		// Hidden: docs/usage.md and the tree for the tests of the binary.
		cmdline.NewDocsCommand(root),
	)
	addCompletion(root, con)
	root.Version = version
	root.SetVersionTemplate("shoveltap {{.Version}}\n")
	root.SuggestionsMinimumDistance = 2
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetFlagErrorFunc(cmdline.FlagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(c.OutOrStdout(), cmdline.Help(c)) })
	root.SetUsageFunc(func(c *cobra.Command) error { fmt.Fprint(c.OutOrStderr(), cmdline.Usage(c)); return nil })
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "help about a command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return cmdline.Usagef(root, "no command %q", args[0])
			}
			return cmd.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var out []cobra.Completion
			for _, s := range root.Commands() {
				if s.IsAvailableCommand() {
					out = append(out, cobra.CompletionWithDesc(s.Name(), s.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
	})
	root.InitDefaultVersionFlag()
	if f := root.Flags().Lookup("version"); f != nil {
		f.Usage = "print the version"
		cmdline.Rare(root.Flags(), "version")
	}
	root.InitDefaultHelpFlag()
	// Every command's flag errors are one line too.
	var each func(*cobra.Command)
	each = func(c *cobra.Command) {
		c.SetFlagErrorFunc(cmdline.FlagError)
		c.Flags().SortFlags = false
		for _, s := range c.Commands() {
			each(s)
		}
	}
	each(root)
	return root
}
