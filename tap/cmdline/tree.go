package cmdline

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// DocsCommand is the hidden command that prints docs/usage.md from the
// tree (go generate), or with --json the tree itself: the command-line
// tests run the built binary (tap/e2e), since package main cannot be
// imported, and check the tree through it. Hidden, it is in no help,
// completion or suggestion.
const DocsCommand = "__docs"

// Command is one command of the tree as DocsCommand --json prints it.
type Command struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Parent    string `json:"parent,omitempty"` // the parent's name
	Runnable  bool   `json:"runnable"`
	Hidden    bool   `json:"hidden"`
	Available bool   `json:"available"` // listed in help and docs
	Short     string `json:"short"`
	// Flags are all the command's flags, inherited ones too; Local only
	// its own.
	Flags []Flag `json:"flags"`
	Local []Flag `json:"local"`
}

// Flag is one flag of a Command.
type Flag struct {
	Name   string `json:"name"`
	Usage  string `json:"usage"` // as help shows it: the value name taken out
	Hidden bool   `json:"hidden"`
}

// NewDocsCommand is DocsCommand on the tree under root.
func NewDocsCommand(root *cobra.Command) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:    DocsCommand,
		Short:  "print docs/usage.md, or the command tree as JSON",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if asJSON {
				return WriteTree(c.OutOrStdout(), root)
			}
			_, err := io.WriteString(c.OutOrStdout(), Markdown(root))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the command tree as JSON")
	return cmd
}

// WriteTree writes every command under root, hidden ones too, depth
// first, as a JSON array of Command.
func WriteTree(w io.Writer, root *cobra.Command) error {
	var out []Command
	var each func(*cobra.Command)
	each = func(c *cobra.Command) {
		info := Command{
			Path: c.CommandPath(), Name: c.Name(), Runnable: c.Runnable(), Hidden: c.Hidden,
			Available: c.IsAvailableCommand(), Short: c.Short,
			Flags: flags(c.Flags()), Local: flags(c.LocalFlags()),
		}
		if c.HasParent() {
			info.Parent = c.Parent().Name()
		}
		out = append(out, info)
		for _, s := range c.Commands() {
			each(s)
		}
	}
	each(root)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func flags(fs *pflag.FlagSet) []Flag {
	out := []Flag{}
	fs.VisitAll(func(f *pflag.Flag) {
		_, usage := pflag.UnquoteUsage(f)
		out = append(out, Flag{Name: f.Name, Usage: usage, Hidden: f.Hidden})
	})
	return out
}
