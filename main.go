// Command shoveltap taps live RabbitMQ traffic through a temporary dynamic
// shovel and shows it in a terminal UI (or as JSON lines), removing every
// broker object it created when it exits.
//
// main only dispatches: each command's flags and run live in a cmd_*.go
// file beside it, and the libraries never parse flags.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	// See exitSignals (signals_unix.go, signals_windows.go).
	ctx, stop := signal.NotifyContext(context.Background(), exitSignals()...)
	code := run(ctx, os.Args[1:], osConsole())
	stop()
	os.Exit(code)
}

// run runs the command args name and returns its exit status: 0 done, 1 it
// failed, 2 the command line was wrong. Without a command it taps.
func run(ctx context.Context, args []string, con console) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "--version":
			return runVersion(con)
		case "open":
			return runOpen(ctx, args[1:], con)
		case "replay":
			return runReplay(ctx, args[1:], con)
		case "cleanup":
			return runCleanup(ctx, args[1:], con)
		case "route":
			return runRoute(ctx, args[1:], con)
		case "check":
			return runCheck(ctx, args[1:], con)
		case "setup":
			return runSetup(ctx, args[1:], con)
		case "env":
			return runEnv(ctx, args[1:], con)
		case "completion":
			return runCompletion(args[1:], con)
		case completeCommand:
			return runComplete(ctx, args[1:], con)
		}
	}
	return runTap(ctx, args, con)
}
