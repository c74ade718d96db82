// Package captureview is "shoveltap open": the tap's UI on a capture file,
// offline. It lives apart from tap/capture so that tap/ never imports ui.
package captureview

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/ui"
)

const usage = `Usage: shoveltap open FILE [--retain N]

Shows a capture — a file written by --record, by w in the UI, or by --json
— in the same UI as a live tap, without a broker: table, detail, filter.
The file is streamed, so a large capture opens at once; the UI keeps the
last --retain messages. Lines that are not messages (a corrupt line, a
truncated last line) are skipped and named in the status line.

Flags:
`

// Model is the UI on a capture, ready for tea.NewProgram.
func Model(ctx context.Context, rd *capture.Reader, retain int) ui.Model {
	return ui.New(ui.Options{Retain: retain, Capture: true}, rd.Batches(ctx))
}

// OpenMain is "shoveltap open".
func OpenMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoveltap open", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	retain := fs.Int("retain", ui.DefaultRetain, "messages kept in memory (the last ones of the file)")
	var file string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shoveltap open: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if file == "" {
		fmt.Fprintln(stderr, "shoveltap open: which capture? give FILE: shoveltap open FILE")
		return 2
	}
	f, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		fmt.Fprintln(stderr, "shoveltap open: the UI needs a terminal; to read a capture as text, use jq or grep on the file itself")
		return 2
	}
	rd, err := capture.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap open:", err)
		return 1
	}
	defer rd.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	p := tea.NewProgram(Model(ctx, rd, *retain), tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err = p.Run()
	stop()
	if skips, n := rd.Skipped(); n > 0 {
		fmt.Fprintf(stderr, "shoveltap open: %s skipped %d lines that are not messages:\n", file, n)
		for _, s := range skips {
			fmt.Fprintf(stderr, "  line %d: %s\n", s.Line, s.Reason)
		}
		if n > len(skips) {
			fmt.Fprintf(stderr, "  … and %d more\n", n-len(skips))
		}
	}
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		fmt.Fprintln(stderr, "shoveltap open: terminal UI:", err)
		return 1
	}
	return 0
}
