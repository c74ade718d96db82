package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/captureview"
)

const openUsage = `Usage: shoveltap open FILE [--retain N] [--filter EXPR] [--redact]

Shows a capture — a file written by --record, by w in the UI, or by --json
— in the same UI as a live tap, without a broker: table, detail, filter.
The file is streamed, so a large capture opens at once; the UI keeps the
last --retain messages. Lines that are not messages (a corrupt line, a
truncated last line) are skipped and named in the status line.

Flags:
`

// runOpen is "shoveltap open".
func runOpen(ctx context.Context, args []string, con console) int {
	fs := flag.NewFlagSet("shoveltap open", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), openUsage)
		fs.PrintDefaults()
	}
	retain := fs.Int("retain", ui.DefaultRetain, "messages kept in memory (the last ones of the file)")
	query := fs.String("filter", "", "start with `EXPR` in the filter bar (the UI's filter language)")
	redact := fs.Bool("redact", false, "take the values of secret-looking keys out of headers and JSON bodies shown, saved and copied")
	file, err := parseFileArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if file == "" {
		fmt.Fprintln(con.stderr, "shoveltap open: which capture? give FILE: shoveltap open FILE")
		return 2
	}
	for _, w := range filter.Check(*query) {
		fmt.Fprintln(con.stderr, "shoveltap open: warning: --filter:", w)
	}
	if !isTerminal(con.stdout) {
		fmt.Fprintln(con.stderr, "shoveltap open: the UI needs a terminal; to read a capture as text, use jq or grep on the file itself")
		return 2
	}
	rd, err := capture.Open(file)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap open:", err)
		return 1
	}
	defer rd.Close()
	// The same pipeline as a live tap's (tap/pipeline), without recording
	// or a web monitor.
	pipe, batches := pipeline.Start(ctx, rd.Batches(ctx), pipeline.Config{Redact: *redact})
	err = captureview.Run(ctx, batches, ui.Options{Retain: *retain, Filter: *query})
	_, _ = pipe.Stop()
	if skips, n := rd.Skipped(); n > 0 {
		fmt.Fprintf(con.stderr, "shoveltap open: %s skipped %d lines that are not messages:\n", file, n)
		for _, s := range skips {
			fmt.Fprintf(con.stderr, "  line %d: %s\n", s.Line, s.Reason)
		}
		if n > len(skips) {
			fmt.Fprintf(con.stderr, "  … and %d more\n", n-len(skips))
		}
	}
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap open:", err)
		return 1
	}
	return 0
}
