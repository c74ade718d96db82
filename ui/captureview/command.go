package captureview

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
)

// Options are the flags and argument of "shoveltap open".
type Options struct {
	File     string
	Retain   int
	Filter   string
	Redact   bool
	Decoding cmdline.Decoding
}

// Open is "shoveltap open": it checks the command line, opens the
// capture and shows it until the user quits or ctx ends.
func Open(ctx context.Context, o *Options, con cmdline.Console) int {
	file := o.File
	if file == "" {
		return cmdline.UsageFail(con, "shoveltap open", errors.New("which capture? give FILE: shoveltap open FILE"))
	}
	for _, w := range filter.Check(o.Filter) {
		fmt.Fprintln(con.Stderr, "shoveltap open: warning: --filter:", w)
	}
	// The decoders of the live tap's flags (the environments file's
	// decoders: section is read with --env, which open has not).
	decs, err := o.Decoding.Load(ctx, formats.Config{})
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap open:", err)
		return 2
	}
	defer decs.Close()
	if !cmdline.IsTerminal(con.Stdout) {
		fmt.Fprintln(con.Stderr, "shoveltap open: the UI needs a terminal; to read a capture as text, use jq or grep on the file itself")
		return 2
	}
	rd, err := capture.Open(file)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap open:", err)
		return 1
	}
	defer rd.Close()
	// The UI keeps only the last messages: the lines before are read for
	// what the views count of them (lifecycles, dead letters), not to be
	// shown.
	retain := o.Retain
	if retain <= 0 {
		retain = ui.DefaultRetain
	}
	if err := rd.KeepLast(retain, o.Redact); err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap open:", err)
		return 1
	}
	// The same pipeline as a live tap's (tap/pipeline), without recording
	// or a web monitor.
	pipe, batches := pipeline.Start(ctx, rd.Batches(ctx), pipeline.Config{Redact: o.Redact, Decoder: decs.Decoder})
	err = Run(ctx, batches, ui.Options{Retain: o.Retain, Filter: o.Filter})
	_, _ = pipe.Stop()
	if skips, n := rd.Skipped(); n > 0 {
		fmt.Fprintf(con.Stderr, "shoveltap open: %s skipped %d lines that are not messages:\n", file, n)
		for _, s := range skips {
			fmt.Fprintf(con.Stderr, "  line %d: %s\n", s.Line, s.Reason)
		}
		if n > len(skips) {
			fmt.Fprintf(con.Stderr, "  … and %d more\n", n-len(skips))
		}
	}
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap open:", err)
		return 1
	}
	return 0
}
