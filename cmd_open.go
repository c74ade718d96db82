package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/captureview"
)

const openLong = `Shows a capture — a file written by --record, by w in the UI, or by --json
— in the same UI as a live tap, without a broker: table, detail, filter.
The file is streamed, so a large capture opens at once; the UI keeps the
last --retain messages. Lines that are not messages (a corrupt line, a
truncated last line) are skipped and named in the status line.`

// openOptions are the flags and argument of "shoveltap open".
type openOptions struct {
	file     string
	retain   int
	filter   string
	redact   bool
	decoding cmdline.Decoding
}

func newOpenCmd(con cmdline.Console) *cobra.Command {
	o := &openOptions{}
	cmd := &cobra.Command{
		Use:   "open FILE",
		Short: "browse a capture (--record, --json) offline",
		Long:  openLong,
		Args:  cmdline.MaxOneArg,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.file = args[0]
			}
			return status(runOpen(c.Context(), o, con))
		},
		ValidArgsFunction: fileArg,
	}
	fs := cmd.Flags()
	fs.IntVar(&o.retain, "retain", ui.DefaultRetain, "messages kept in memory (the last ones of the file)")
	fs.StringVarP(&o.filter, "filter", "f", "", "start with `EXPR` in the filter bar (the UI's filter language)")
	fs.BoolVar(&o.redact, "redact", false, "take the values of secret-looking keys out of headers and JSON bodies shown, saved and copied")
	cmdline.Brief(fs, map[string]string{"redact": "take secret-looking values out of what is shown"})
	o.decoding.Register(fs)
	return cmd
}

// runOpen is "shoveltap open".
func runOpen(ctx context.Context, o *openOptions, con cmdline.Console) int {
	file := o.file
	if file == "" {
		return usageFail(con, "shoveltap open", errors.New("which capture? give FILE: shoveltap open FILE"))
	}
	for _, w := range filter.Check(o.filter) {
		fmt.Fprintln(con.Stderr, "shoveltap open: warning: --filter:", w)
	}
	// The decoders of the live tap's flags (the environments file's
	// decoders: section is read with --env, which open has not).
	decs, err := o.decoding.Load(ctx, formats.Config{})
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
	// The same pipeline as a live tap's (tap/pipeline), without recording
	// or a web monitor.
	pipe, batches := pipeline.Start(ctx, rd.Batches(ctx), pipeline.Config{Redact: o.redact, Decoder: decs.Decoder})
	err = captureview.Run(ctx, batches, ui.Options{Retain: o.retain, Filter: o.filter})
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
