package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/captureview"
)

const openLong = `Shows a capture — a file written by --record, by w in the UI, or by --json
— in the same UI as a live tap, without a broker: table, detail, filter.
The file is streamed, so a large capture opens at once; the UI keeps the
last --retain messages, and the lines before are read only for what the
views count (the status line, the lifecycle views). Lines that are not
messages (a corrupt line, a truncated last line) are skipped and named in
the status line.`

// newOpenCmd is "shoveltap open".
func newOpenCmd(con cmdline.Console) *cobra.Command {
	o := &captureview.Options{}
	cmd := &cobra.Command{
		Use:   "open FILE",
		Short: "browse a capture (--record, --json) offline",
		Long:  openLong,
		Args:  cmdline.MaxOneArg,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			return status(captureview.Open(c.Context(), o, con))
		},
		ValidArgsFunction: cmdline.FileArg,
	}
	fs := cmd.Flags()
	fs.IntVar(&o.Retain, "retain", ui.DefaultRetain, "messages kept in memory (the last ones of the file)")
	fs.StringVarP(&o.Filter, "filter", "f", "", "start with `EXPR` in the filter bar (the UI's filter language)")
	fs.BoolVar(&o.Redact, "redact", false, "take the values of secret-looking keys out of headers and JSON bodies shown, saved and copied")
	cmdline.Brief(fs, map[string]string{"redact": "take secret-looking values out of what is shown"})
	o.Decoding.Register(fs)
	return cmd
}
