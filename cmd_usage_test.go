package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/cmdline"
)

var update = flag.Bool("update", false, "rewrite docs/usage.md from the command tree")

// docs/usage.md is generated from the command tree (go generate, or
// go test -run TestUsageDocIsCurrent -update .): this fails when it is
// out of date.
func TestUsageDocIsCurrent(t *testing.T) {
	const path = "docs/usage.md"
	want := cmdline.Markdown(newRootCmd(cmdline.Console{}))
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date: run go generate (go test -run TestUsageDocIsCurrent -update .)", path)
	}
	// Every flag of every command is in it, with its whole explanation.
	var each func(*cobra.Command)
	each = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			_, usage := pflag.UnquoteUsage(f)
			if !strings.Contains(want, "--"+f.Name) || !strings.Contains(want, usage) {
				t.Errorf("%s --%s is not explained in %s", c.CommandPath(), f.Name, path)
			}
		})
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				each(s)
			}
		}
	}
	each(newRootCmd(cmdline.Console{}))
}

// shoveltap --help fits on two 24-line screens, at 80 columns, and names
// every flag of the tap.
func TestRootHelpFitsTwoScreens(t *testing.T) {
	r := runArgs(t, "", false, "--help")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) > 48 {
		t.Errorf("exit %d, %d lines:\n%s", r.code, len(lines), r.stdout)
	}
	for _, l := range lines {
		if len([]rune(l)) > 80 {
			t.Errorf("wider than 80 columns: %q", l)
		}
	}
	newTapCmd(cmdline.Console{}).Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(r.stdout, "--"+f.Name) && f.Name != "version" && f.Name != "help" {
			t.Errorf("--help does not name --%s", f.Name)
		}
	})
	for _, g := range []string{"Connection:", "TLS and credentials:", "What to tap:", "Tap behaviour:", "Output:", "Web:", "Budget:"} {
		if !strings.Contains(r.stdout, "\n"+g+"\n") && !strings.Contains(r.stdout, "\n"+g+" ") {
			t.Errorf("no group %q", g)
		}
	}
}

// The command comes first; flags of a broker command given before it are
// its own, so shoveltap --url X check works.
func TestConnectionFlagsBeforeTheCommand(t *testing.T) {
	r := runArgs(t, "", false, "--url", "amqp://ops@127.0.0.1:1/", "check")
	if r.code == 2 && strings.Contains(r.stderr, "unknown") {
		t.Errorf("exit %d, %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "127.0.0.1:1") && !strings.Contains(r.stderr, `"ops"`) {
		t.Errorf("the URL did not reach check: %s", r.stderr)
	}
	r = runArgs(t, "", false, "--json", "env")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown flag --json") {
		t.Errorf("a tap flag before env: exit %d, %s", r.code, r.stderr)
	}
}

// Issue 22, edge 5: flags that end JSON output are refused with the UI
// instead of being ignored.
func TestUIRefusesFlagsItWouldIgnore(t *testing.T) {
	for _, args := range [][]string{{"--count", "5"}, {"--duration", "5s"}, {"--idle-timeout", "5s"}} {
		f, err := parseTap(t, append([]string{"--exchange", "x"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.checkOutput(false); err == nil || !strings.Contains(err.Error(), args[0]+" ends JSON-lines output") {
			t.Errorf("%v with the UI: %v", args, err)
		}
		if err := f.checkOutput(true); err != nil {
			t.Errorf("%v with JSON: %v", args, err)
		}
	}
	f, _ := parseTap(t, "--exchange", "x", "--web", "127.0.0.1:0", "--web-only", "--count", "5")
	if err := f.checkOutput(false); err != nil {
		t.Errorf("--count with --web-only: %v", err)
	}
}
