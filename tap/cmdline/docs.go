package cmdline

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// DocsAnnotation is a command annotation: its description in
// docs/usage.md when that is longer than its --help (the root's).
const DocsAnnotation = "shoveltap_docs"

// Markdown is docs/usage.md: every command of the tree under root and
// every flag with its whole usage, grouped as in help. It is generated
// (go generate in the module root) and a test fails when the file differs.
func Markdown(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("# shoveltap command line\n\n")
	b.WriteString("<!-- Generated from the command tree by `go generate` (main.go); do not edit. -->\n\n")
	b.WriteString("Flags are written `--flag` (a few have a short form, `-e`); a value follows\n")
	b.WriteString("the flag (`--exchange orders`) or an `=` (`--exchange=orders`). A command's\n")
	b.WriteString("flags come after its name: `shoveltap check --url URL`. `shoveltap help\n")
	b.WriteString("COMMAND` and `--help` print the short form of this page. A variable\n")
	b.WriteString("named beside a flag gives its value when the flag is left out, after the\n")
	b.WriteString("environment chosen with `--env`. A wrong command line exits with status 2.\n\n")
	b.WriteString("Commands:\n\n")
	walk(root, func(c *cobra.Command) {
		fmt.Fprintf(&b, "- [`%s`](#%s) — %s\n", c.CommandPath(), anchor(c.CommandPath()), c.Short)
	})
	walk(root, func(c *cobra.Command) { writeCommand(&b, c) })
	return b.String()
}

// walk visits c and its available commands, depth first.
func walk(c *cobra.Command, visit func(*cobra.Command)) {
	visit(c)
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			walk(s, visit)
		}
	}
}

func anchor(path string) string { return strings.ReplaceAll(path, " ", "-") }

func writeCommand(b *strings.Builder, c *cobra.Command) {
	fmt.Fprintf(b, "\n## %s\n\n", c.CommandPath())
	if c.Runnable() {
		fmt.Fprintf(b, "    %s\n\n", c.UseLine())
	}
	if d := c.Annotations[DocsAnnotation]; d != "" {
		b.WriteString("```text\n" + strings.TrimRight(d, "\n") + "\n```\n\n")
	} else if c.Long != "" {
		b.WriteString("```text\n" + strings.TrimRight(c.Long, "\n") + "\n```\n\n")
	} else {
		b.WriteString(c.Short + ".\n\n")
	}
	if c.HasExample() {
		b.WriteString("Examples:\n\n```sh\n" + strings.TrimRight(c.Example, "\n") + "\n```\n\n")
	}
	if subs := visible(c.Commands()); len(subs) > 0 {
		b.WriteString("Commands:\n\n")
		for _, s := range subs {
			fmt.Fprintf(b, "- `%s` — %s\n", s.Name(), s.Short)
		}
		b.WriteString("\n")
	}
	groups := map[string][]*pflag.Flag{}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			groups[groupOf(f)] = append(groups[groupOf(f)], f)
		}
	})
	for _, g := range groupOrder {
		if len(groups[g]) == 0 {
			continue
		}
		fmt.Fprintf(b, "%s:\n\n", g)
		for _, f := range groups[g] {
			name, usage := pflag.UnquoteUsage(f)
			left := "--" + f.Name
			if f.Shorthand != "" {
				left = "-" + f.Shorthand + ", " + left
			}
			if name != "" && name != "bool" {
				left += " " + strings.ReplaceAll(strings.ReplaceAll(name, "stringArray", "VALUE"), "string", "VALUE")
			}
			var notes []string
			if v := EnvOf(f); v != "" {
				notes = append(notes, "env "+v)
			}
			if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" && d != "[]" {
				notes = append(notes, "default "+d)
			}
			if strings.Contains(f.Usage, "repeat") || strings.HasSuffix(f.Value.Type(), "Array") {
				if !strings.Contains(f.Usage, "repeat") {
					notes = append(notes, "repeatable")
				}
			}
			line := fmt.Sprintf("- `%s` — %s", left, usage)
			if len(notes) > 0 {
				line += " [" + strings.Join(notes, "; ") + "]"
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
}
