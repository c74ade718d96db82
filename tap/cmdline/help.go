package cmdline

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth is the terminal width help is laid out for.
const helpWidth = 80

// Help is a command's --help: its description, usage, commands and flags
// by topic, one short line each (the first clause of the flag's usage; the
// whole of it is in docs/usage.md).
func Help(c *cobra.Command) string {
	var b strings.Builder
	if long := strings.TrimRight(c.Long, "\n"); long != "" {
		// A one-line description needs no blank line after it.
		b.WriteString(long + "\n")
		if strings.Contains(long, "\n") {
			b.WriteString("\n")
		}
	} else if c.Short != "" {
		b.WriteString(c.Short + "\n\n")
	}
	b.WriteString(Usage(c))
	return b.String()
}

// Usage is Help without the description.
func Usage(c *cobra.Command) string {
	var b strings.Builder
	if c.Runnable() {
		fmt.Fprintf(&b, "Usage: %s\n", c.UseLine())
	}
	if subs := visible(c.Commands()); len(subs) > 0 {
		if c.Runnable() {
			s := b.String()
			b.Reset()
			b.WriteString(strings.TrimSuffix(s, "\n") + fmt.Sprintf("  |  %s COMMAND [flags]; commands:\n", c.CommandPath()))
		} else {
			fmt.Fprintf(&b, "Usage: %s COMMAND [flags]; commands:\n", c.CommandPath())
		}
		w := 0
		var rare []string
		for _, s := range subs {
			w = max(w, len(s.Name()))
		}
		for _, s := range subs {
			if s.Annotations[RareCommand] != "" {
				rare = append(rare, s.Name()+" ("+s.Annotations[RareCommand]+")")
				continue
			}
			fmt.Fprintf(&b, "  %-*s  %s\n", w, s.Name(), s.Short)
		}
		if len(rare) > 0 {
			fmt.Fprintf(&b, "  also: %s\n", strings.Join(rare, ", "))
		}
	}
	if c.HasExample() && c.HasParent() { // the root's are in docs/usage.md: --help fits two screens
		fmt.Fprintf(&b, "Examples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	b.WriteString(FlagHelp(c.LocalFlags()))
	if c.HasParent() {
		fmt.Fprintf(&b, "-h, --help: this help. Every flag explained: docs/usage.md.\n")
	} else {
		fmt.Fprintf(&b, "-h, --help; --version; '%s help COMMAND'. All flags: docs/usage.md\n", c.Name())
	}
	return b.String()
}

// RareCommand is the annotation of a command that help names on one
// "also:" line with the others so marked, by its value (a word or two),
// rather than on a line of its own: the helpers everyone knows
// (completion, version), so that the root's help fits two screens.
const RareCommand = "shoveltap/rare-command"

func visible(cmds []*cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmds {
		if c.IsAvailableCommand() {
			out = append(out, c)
		}
	}
	return out
}

// FlagHelp lists fs's flags by group: one line a flag, and the rare ones
// of a group by name on an "also:" line.
func FlagHelp(fs *pflag.FlagSet) string {
	groups := map[string][]*pflag.Flag{}
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" && f.Name != "version" {
			groups[groupOf(f)] = append(groups[groupOf(f)], f)
		}
	})
	col := 0
	for _, fl := range groups {
		for _, f := range fl {
			// A joined flag shows on another's line, which is laid out
			// on its own when longer than the column.
			if !isRare(f) && annotation(f, annJoin) == "" {
				col = max(col, len(flagLeft(f)))
			}
		}
	}
	col = min(col, 30)
	var b strings.Builder
	for _, g := range groupOrder {
		fl := groups[g]
		if len(fl) == 0 {
			continue
		}
		var lines []string
		var rare []string
		for _, f := range fl {
			switch {
			case isRare(f):
				rare = append(rare, "--"+f.Name)
				continue
			case annotation(f, annJoin) != "":
				continue
			}
			left := joinedLeft(fs, f)
			line := fmt.Sprintf("%-*s  %s", col, left, ShortUsage(f))
			if len(left) > col {
				line = left + "  " + ShortUsage(f)
			}
			lines = append(lines, line)
		}
		// A group of one line shares the line with its name: --help
		// fits two screens.
		if len(lines) == 1 && len(rare) == 0 {
			b.WriteString(clip(g+": "+strings.TrimLeft(lines[0], " "), helpWidth) + "\n")
			continue
		}
		b.WriteString(g + ":\n")
		for _, line := range lines {
			b.WriteString(clip(line, helpWidth) + "\n")
		}
		if len(rare) > 0 {
			b.WriteString(wrap("  also: ", "        ", strings.Join(rare, ", "), helpWidth))
		}
	}
	return b.String()
}

// joinedLeft is flagLeft of f and the flags joined to it: "--a, --b,
// --c FILE" when they take the same value.
func joinedLeft(fs *pflag.FlagSet, f *pflag.Flag) string {
	var joined []*pflag.Flag
	fs.VisitAll(func(o *pflag.Flag) {
		if annotation(o, annJoin) == f.Name && !o.Hidden {
			joined = append(joined, o)
		}
	})
	if len(joined) == 0 {
		return flagLeft(f)
	}
	same := true
	for _, o := range joined {
		same = same && valueName(o) == valueName(f)
	}
	left := strings.TrimSuffix(flagLeft(f), " "+valueName(f))
	for _, o := range joined {
		left += ", --" + o.Name
		if !same && valueName(o) != "" {
			left += " " + valueName(o)
		}
	}
	if same && valueName(f) != "" {
		left += " " + valueName(f)
	}
	if !same && valueName(f) != "" {
		left = flagLeft(f) + left[len(strings.TrimSuffix(flagLeft(f), " "+valueName(f))):]
	}
	return left
}

// valueName is the placeholder of f's value, "" for a boolean.
func valueName(f *pflag.Flag) string {
	name, _ := pflag.UnquoteUsage(f)
	switch name {
	case "string", "stringArray":
		return "VALUE"
	case "bool":
		return ""
	case "int", "float":
		return "N"
	case "duration":
		return "DURATION"
	}
	return name
}

// flagLeft is "  -e, --exchange NAME" or "      --json".
func flagLeft(f *pflag.Flag) string {
	name := valueName(f)
	s := "      --" + f.Name
	if f.Shorthand != "" {
		s = "  -" + f.Shorthand + ", --" + f.Name
	}
	if name != "" {
		s += " " + name
	}
	return s
}

// ShortUsage is the first clause of a flag's usage: what fits on its line
// in --help and beside a completion.
func ShortUsage(f *pflag.Flag) string {
	if b := annotation(f, annBrief); b != "" {
		return b
	}
	_, u := pflag.UnquoteUsage(f)
	return FirstClause(u)
}

// FirstClause cuts s at its first parenthesis, semicolon or colon.
func FirstClause(s string) string {
	for _, sep := range []string{" (", "; ", ": "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return strings.TrimSpace(s)
}

func clip(s string, width int) string {
	if r := []rune(s); len(r) > width {
		return string(r[:width-1]) + "…"
	}
	return s
}

// wrap writes words after first, continuing lines with indent.
func wrap(first, indent, text string, width int) string {
	var b strings.Builder
	line := first
	for i, w := range strings.Fields(text) {
		if i > 0 && len(line)+1+len(w) > width {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = indent
		} else if i > 0 {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// UsageError is a wrong command line: one line saying what is wrong, then
// where the command's help is; the exit status is 2.
type UsageError struct {
	Cmd string // the command's path, "shoveltap check"
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

// Report prints the error's two lines.
func (e *UsageError) Report() string {
	return fmt.Sprintf("%s: %s\nsee '%s --help'\n", e.Cmd, e.Msg, e.Cmd)
}

// Usagef is a UsageError of command c.
func Usagef(c *cobra.Command, format string, args ...any) error {
	return &UsageError{Cmd: c.CommandPath(), Msg: fmt.Sprintf(format, args...)}
}

// FlagError turns pflag's error into a one-line UsageError, with the
// nearest flag of c for an unknown one. It is each command's
// FlagErrorFunc.
func FlagError(c *cobra.Command, err error) error {
	msg := err.Error()
	var nf *pflag.NotExistError
	if errors.As(err, &nf) {
		name := nf.GetSpecifiedName()
		if len(name) == 1 && nf.GetSpecifiedShortnames() != "" {
			msg = fmt.Sprintf("unknown flag -%s", name)
		} else {
			msg = "unknown flag --" + name
			if s := nearestFlag(c, name); s != "" {
				msg += "; did you mean --" + s + "?"
			}
		}
	}
	var ia *pflag.InvalidValueError
	if errors.As(err, &ia) {
		msg = fmt.Sprintf("--%s %s: %v", ia.GetFlag().Name, ia.GetValue(), ia.Unwrap())
	}
	var ia2 *pflag.InvalidSyntaxError
	if errors.As(err, &ia2) {
		msg = "bad flag syntax " + ia2.GetSpecifiedFlag()
	}
	return &UsageError{Cmd: c.CommandPath(), Msg: msg}
}

// nearestFlag is the flag of c closest to name, "" when none is close.
func nearestFlag(c *cobra.Command, name string) string {
	best, bestD := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		d := levenshtein.ComputeDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

// NoArgs refuses arguments, naming the nearest command for a mistyped one.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.HasSubCommands() {
		msg := fmt.Sprintf("unknown command %q", args[0])
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			return Usagef(c, "%s; did you mean %s?", msg, strings.Join(s, " or "))
		}
		return Usagef(c, "unexpected argument %q (flags start with --; a command comes first: %s COMMAND [flags], one of %s)", args[0], c.CommandPath(), commandNames(c))
	}
	return Usagef(c, "unexpected argument %q", args[0])
}

func commandNames(c *cobra.Command) string {
	var names []string
	for _, s := range visible(c.Commands()) {
		names = append(names, s.Name())
	}
	return strings.Join(names, ", ")
}

// MaxOneArg takes at most one argument, FILE.
func MaxOneArg(c *cobra.Command, args []string) error {
	if len(args) > 1 {
		return Usagef(c, "unexpected argument %q", args[1])
	}
	return nil
}

// OneOf is the valid-arguments check of a command whose one argument is
// one of words.
func OneOf(what string, words ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return Usagef(c, "which %s? give %s", what, orList(words))
		case len(args) > 1:
			return Usagef(c, "unexpected argument %q", args[1])
		case !slices.Contains(words, args[0]):
			msg := fmt.Sprintf("unknown %s %q", what, args[0])
			best, bestD := "", 3
			for _, w := range words {
				if d := levenshtein.ComputeDistance(args[0], w); d < bestD {
					best, bestD = w, d
				}
			}
			if best != "" {
				return Usagef(c, "%s; did you mean %s?", msg, best)
			}
			return Usagef(c, "%s; give %s", msg, orList(words))
		}
		return nil
	}
}

// orList writes "a, b, c or d".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// UsageFail prints a wrong command line that a run function found, as
// cobra's are printed, and is exit status 2.
func UsageFail(con Console, cmd string, err error) int {
	fmt.Fprint(con.Stderr, (&UsageError{Cmd: cmd, Msg: err.Error()}).Report())
	return 2
}
