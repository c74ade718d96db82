package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/setup"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/envs"
)

const completionUsage = `Usage: shoveltap completion bash|zsh|fish

Prints the shell completion script for shoveltap: commands, flags, and
the names of exchanges and queues after --exchange and --queue, read from
the management API of the broker the command line names (--url, --api, or
SHOVELTAP_URL …) when it answers within a second.

  source <(shoveltap completion bash)                      # bash, this shell
  shoveltap completion bash > ~/.local/share/bash-completion/completions/shoveltap
  source <(shoveltap completion zsh)                       # zsh, this shell
  shoveltap completion zsh > "${fpath[1]}/_shoveltap"     # zsh, for good
  shoveltap completion fish > ~/.config/fish/completions/shoveltap.fish
`

// completeCommand is the hidden command the completion scripts run:
// shoveltap __complete WORD… CURRENT prints the candidates for CURRENT.
const completeCommand = "__complete"

// completeFiles is completeCommand's whole answer when the shell should
// complete file names itself.
const completeFiles = ":files"

// completeTimeout bounds the management API look-up: a shell waiting on a
// slow broker is worse than no names.
const completeTimeout = time.Second

// commands are shoveltap's commands as completion offers them; run
// dispatches each (TestCompletionCommandsDispatch).
var commands = []candidate{
	{"open", "browse a capture offline"},
	{"replay", "republish a capture"},
	{"cleanup", "remove taps left by crashed runs"},
	{"setup", "a lasting mirror of production on another broker"},
	{"completion", "print the shell completion script"},
	{"version", "print the version"},
}

var completionShells = []candidate{{"bash", ""}, {"zsh", ""}, {"fish", ""}}

// candidate is one completion and what it means.
type candidate struct{ value, about string }

// runCompletion is "shoveltap completion SHELL".
func runCompletion(args []string, con console) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(con.stderr, completionUsage)
		return 0
	}
	if len(args) != 1 {
		fmt.Fprint(con.stderr, "shoveltap completion: which shell? give bash, zsh or fish\n\n"+completionUsage)
		return 2
	}
	script, ok := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}[args[0]]
	if !ok {
		fmt.Fprintf(con.stderr, "shoveltap completion: no completion for the shell %q; give bash, zsh or fish\n", args[0])
		return 2
	}
	fmt.Fprint(con.stdout, script)
	return 0
}

// runComplete is the hidden "shoveltap __complete WORD… CURRENT": one
// candidate a line, "value<TAB>about", or completeFiles alone. It never
// fails loudly: a shell prints whatever it gets under the prompt.
func runComplete(ctx context.Context, args []string, con console) int {
	if len(args) == 0 {
		args = []string{""}
	}
	c := completer{listNames: func(ctx context.Context, words []string, kind string) []string {
		names, err := apiNames(ctx, words, kind, con)
		if err != nil {
			// The scripts discard stderr; by hand it says why.
			fmt.Fprintln(con.stderr, "shoveltap completion:", err)
		}
		return names
	}, envNames: func(words []string) []string { return envNames(words, con) }}
	cands, files := c.complete(ctx, args[:len(args)-1], args[len(args)-1])
	if files {
		fmt.Fprintln(con.stdout, completeFiles)
		return 0
	}
	for _, cd := range cands {
		fmt.Fprintf(con.stdout, "%s\t%s\n", cd.value, cd.about)
	}
	return 0
}

// completer works out candidates. listNames reads exchange or queue names
// of the broker that the words before name; envNames the names of the
// environments file (--env).
type completer struct {
	listNames func(ctx context.Context, words []string, kind string) []string
	envNames  func(words []string) []string
}

// complete returns the candidates for cur after the words before it, or
// files when the shell should complete a file name.
func (c completer) complete(ctx context.Context, before []string, cur string) (cands []candidate, files bool) {
	path := commandPath(before)
	flags := commandFlags(ctx, path)
	args := before[len(path):]

	// The value of a flag given as the word before: --exchange NAME.
	if n := len(args); n > 0 {
		if f, ok := findFlag(flags, args[n-1]); ok && f.value != "" && !strings.Contains(args[n-1], "=") {
			return c.values(ctx, before, f, "", cur)
		}
	}
	if strings.HasPrefix(cur, "-") {
		// The value of a flag in the same word: --exchange=NAME.
		if name, val, ok := strings.Cut(cur, "="); ok {
			if f, found := findFlag(flags, name); found && f.value != "" {
				cands, _ := c.values(ctx, before, f, name+"=", val)
				return cands, false
			}
			return nil, false
		}
		return flagCandidates(flags, cur), false
	}
	switch {
	case len(path) == 0 && len(before) == 0:
		return withPrefix(commands, cur), false
	case len(path) == 0:
		return flagCandidates(flags, cur), false // the tap takes no arguments
	case path[0] == "open" || path[0] == "replay":
		return nil, true // FILE
	case path[0] == "completion" && len(args) == 0:
		return withPrefix(completionShells, cur), false
	case path[0] == "setup" && len(path) == 1 && len(args) == 0:
		var subs []candidate
		for _, s := range setup.Commands {
			subs = append(subs, candidate{s, ""})
		}
		return withPrefix(subs, cur), false
	}
	return flagCandidates(flags, cur), false
}

// values completes the value of flag f: names from the broker, a fixed
// set, or files. prefix goes before each value (--flag= in one word).
func (c completer) values(ctx context.Context, before []string, f flagInfo, prefix, cur string) ([]candidate, bool) {
	var vals []string
	switch {
	case f.name == "exchange":
		vals = c.listNames(ctx, before, broker.KindExchange)
	case f.name == "queue":
		vals = c.listNames(ctx, before, broker.KindQueue)
	case f.name == "env" && c.envNames != nil:
		vals = c.envNames(before)
	case f.name == "ack-mode":
		vals = tap.AckModes
	case f.name == "shovel-protocol":
		vals = tap.ShovelProtocols
	case f.name == "overflow":
		vals = []string{setup.OverflowDropHead, setup.OverflowRejectPublish}
	case f.name == "layout":
		vals = []string{setup.LayoutQueue, setup.LayoutFanout}
	case f.value == "FILE" || f.name == "config":
		if prefix == "" {
			return nil, true
		}
		return nil, false // the shell cannot complete a file after --flag=
	}
	var out []candidate
	for _, v := range vals {
		if strings.HasPrefix(v, cur) {
			out = append(out, candidate{prefix + v, ""})
		}
	}
	return out, false
}

// commandPath is the command the words name: none (the tap), one word, or
// "setup" and its command.
func commandPath(words []string) []string {
	if len(words) == 0 || !slices.ContainsFunc(commands, func(c candidate) bool { return c.value == words[0] }) {
		return nil
	}
	if words[0] == "setup" && len(words) > 1 && slices.Contains(setup.Commands, words[1]) {
		return words[:2]
	}
	return words[:1]
}

// flagInfo is a flag as its command's usage shows it.
type flagInfo struct {
	name  string // without dashes
	value string // the value's name ("" for a boolean flag)
	about string // the first line of its usage
}

// commandFlags lists the flags of the command at path by running its -h,
// which prints the flag package's own listing: every command defines its
// flags where it parses them, and this stays true to them.
func commandFlags(ctx context.Context, path []string) []flagInfo {
	if len(path) == 0 || path[0] == "cleanup" || path[0] == "open" || path[0] == "replay" || len(path) == 2 {
		var usage bytes.Buffer
		run(ctx, append(slices.Clone(path), "-h"), console{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &usage})
		return parseFlagUsage(usage.String())
	}
	return nil
}

// parseFlagUsage reads flag.PrintDefaults' listing: "  -name value" and,
// on the next line or after a tab, the usage.
func parseFlagUsage(usage string) []flagInfo {
	var out []flagInfo
	lines := strings.Split(usage, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "  -") {
			continue
		}
		head, about, _ := strings.Cut(l[3:], "\t")
		name, value, _ := strings.Cut(head, " ")
		if about == "" && i+1 < len(lines) {
			about = strings.TrimSpace(lines[i+1])
		}
		if value == "value" || value == "string" { // the flag package's word for an unnamed value
			value = strings.ToUpper(name)
		}
		out = append(out, flagInfo{name: name, value: value, about: firstClause(about)})
	}
	return out
}

// firstClause shortens a usage to what fits beside a completion.
func firstClause(s string) string {
	for _, sep := range []string{" (", "; ", ": "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return strings.TrimSpace(s)
}

// findFlag finds the flag a word names: -name, --name or --name=value.
func findFlag(flags []flagInfo, word string) (flagInfo, bool) {
	if !strings.HasPrefix(word, "-") {
		return flagInfo{}, false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(word, "-"), "=")
	for _, f := range flags {
		if f.name == name {
			return f, true
		}
	}
	return flagInfo{}, false
}

func flagCandidates(flags []flagInfo, cur string) []candidate {
	var out []candidate
	for _, f := range flags {
		if strings.HasPrefix("--"+f.name, cur) || strings.HasPrefix("-"+f.name, cur) {
			out = append(out, candidate{"--" + f.name, f.about})
		}
	}
	return out
}

func withPrefix(cands []candidate, cur string) []candidate {
	var out []candidate
	for _, c := range cands {
		if strings.HasPrefix(c.value, cur) {
			out = append(out, c)
		}
	}
	return out
}

// envNames lists the environments of the file --env-file among words
// names, or of the default one; none when it cannot be read.
func envNames(words []string, con console) []string {
	var file string
	for i, w := range words {
		if v, ok := strings.CutPrefix(strings.TrimLeft(w, "-"), "env-file="); ok && strings.HasPrefix(w, "-") {
			file = v
		} else if strings.TrimLeft(w, "-") == "env-file" && strings.HasPrefix(w, "-") && i+1 < len(words) {
			file = words[i+1]
		}
	}
	path, err := envFilePath(file, con)
	if err != nil {
		return nil
	}
	f, err := envs.Load(path)
	if err != nil {
		return nil
	}
	return f.Names()
}

// apiNames reads exchange or queue names from the management API of the
// broker that the connection flags among words (--url, --api, --env, TLS
// files…) or the environment name, within completeTimeout. It never asks
// for a password: a shell is waiting.
func apiNames(ctx context.Context, words []string, kind string, con console) ([]string, error) {
	var conn connFlags
	fs := flag.NewFlagSet("complete", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conn.register(fs)
	for i, w := range words {
		if !strings.HasPrefix(w, "-") {
			continue
		}
		name, value, inline := strings.Cut(strings.TrimLeft(w, "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			continue // another flag of the command
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() && !inline {
			value = "true"
		} else if !inline && i+1 < len(words) {
			value = words[i+1]
		}
		_ = fs.Set(name, value) // a wrong value shows when the command runs
	}
	quiet := console{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: con.getenv}
	ep, err := conn.endpoint(ctx, quiet)
	if err != nil {
		return nil, err
	}
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	return admin.ListNames(ctx, ep.Vhost, kind)
}
