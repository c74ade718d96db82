package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The command line as a user meets it: shoveltap's package main cannot be
// imported, so these tests run the binary TestMain built, and read the
// command tree through its hidden __docs command.

var update = flag.Bool("update", false, "rewrite docs/usage.md from the command tree")

// result is what one run of shoveltap printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runArgs runs shoveltap with args in this test's environment; stdin
// answers prompts when tty says someone is at a terminal. stdout is never
// a terminal but then.
func runArgs(t *testing.T, stdin string, tty bool, args ...string) result {
	t.Helper()
	return runIn(t, os.Environ(), stdin, tty, args...)
}

// runWithEnv runs shoveltap with env as its whole environment.
func runWithEnv(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) result {
	t.Helper()
	vars := []string{} // not nil: nil would be this process's environment
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	return runIn(t, vars, stdin, tty, args...)
}

// runIn runs shoveltap with the environment vars. At a terminal (tty) it
// runs under script(1), on a pseudo-terminal that stdin is typed into; its
// stderr still goes to a file of its own, and the terminal's line ends
// are read as \n.
func runIn(t *testing.T, vars []string, stdin string, tty bool, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, binary, args...)
	errFile := ""
	if tty {
		script, err := exec.LookPath("script")
		if err != nil {
			t.Skipf("no script(1) to run shoveltap at a terminal: %v", err)
		}
		errFile = filepath.Join(t.TempDir(), "stderr")
		line := "exec " + shellQuote(binary)
		for _, a := range args {
			line += " " + shellQuote(a)
		}
		line += " 2>" + shellQuote(errFile)
		cmd = exec.CommandContext(ctx, script, "-qec", line, "/dev/null")
	}
	cmd.Env = vars
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running shoveltap %v: %v", args, err)
	}
	r := result{stdout.String(), stderr.String(), code}
	if tty {
		b, err := os.ReadFile(errFile)
		if err != nil {
			t.Fatal(err)
		}
		r.stdout = strings.ReplaceAll(r.stdout, "\r\n", "\n")
		r.stderr = string(b)
	}
	return r
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandTree is the binary's command tree, read once.
var commandTree struct {
	once sync.Once
	cmds []cmdline.Command
	err  error
}

// tree is every command of the tree, hidden ones too, depth first.
func tree(t *testing.T) []cmdline.Command {
	t.Helper()
	commandTree.once.Do(func() {
		out, err := exec.Command(binary, cmdline.DocsCommand, "--json").Output()
		if err != nil {
			commandTree.err = err
			return
		}
		commandTree.err = json.Unmarshal(out, &commandTree.cmds)
	})
	if commandTree.err != nil {
		t.Fatalf("reading the command tree: %v", commandTree.err)
	}
	return commandTree.cmds
}

// parentPath is the path of the command at path's parent.
func parentPath(path string) string {
	i := strings.LastIndex(path, " ")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// available is the tree under root through available commands only, as
// help and docs/usage.md walk it.
func available(t *testing.T) []cmdline.Command {
	t.Helper()
	seen := map[string]bool{}
	var out []cmdline.Command
	for i, c := range tree(t) {
		if i == 0 || c.Available && seen[parentPath(c.Path)] {
			seen[c.Path] = true
			out = append(out, c)
		}
	}
	return out
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		if r := runArgs(t, "", false, arg); r.code != 0 || r.stdout != "shoveltap dev\n" {
			t.Errorf("%s: exit %d, %q", arg, r.code, r.stdout)
		}
	}
}

// TestHelpExitsZero: every command's -h prints its usage to stdout and
// exits 0.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"cleanup", "-h"}, {"check", "-h"}, {"open", "--help"}, {"replay", "-h"}, {"setup", "help"}, {"setup", "plan", "-h"}, {"help"}, {"help", "check"}, {"check", "--help"}, {"expect", "-h"}, {"route", "--help"}, {"help", "route"}} {
		r := runArgs(t, "", false, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "--url") && !strings.Contains(r.stdout, "--retain") && !strings.Contains(r.stdout, "plan") {
			t.Errorf("%v: exit %d, stdout:\n%s", args, r.code, r.stdout)
		}
	}
}

// docs/usage.md is generated from the command tree (go generate, or
// go test ./tap/e2e -run TestUsageDocIsCurrent -update): this fails when
// it is out of date.
func TestUsageDocIsCurrent(t *testing.T) {
	const path = "../../docs/usage.md"
	r := runArgs(t, "", false, cmdline.DocsCommand)
	if r.code != 0 {
		t.Fatalf("shoveltap %s: exit %d, %s", cmdline.DocsCommand, r.code, r.stderr)
	}
	want := r.stdout
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
		t.Errorf("%s is out of date: run go generate (go test ./tap/e2e -run TestUsageDocIsCurrent -update)", path)
	}
	// Every flag of every command is in it, with its whole explanation.
	for _, c := range available(t) {
		for _, f := range c.Local {
			if !strings.Contains(want, "--"+f.Name) || !strings.Contains(want, f.Usage) {
				t.Errorf("%s --%s is not explained in %s", c.Path, f.Name, path)
			}
		}
	}
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
	for _, f := range tree(t)[0].Flags {
		if !strings.Contains(r.stdout, "--"+f.Name) && f.Name != "version" && f.Name != "help" {
			t.Errorf("--help does not name --%s", f.Name)
		}
	}
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

// TestExitSignals: ctrl+c and SIGTERM end every command on every platform,
// and SIGHUP (a dropped SSH session) where it exists: each ends a running
// tap with an exit status of shoveltap's own, never by the signal's
// default action. (Windows never sends SIGHUP; signals_windows.go leaves it
// out, and no test here runs there.)
func TestExitSignals(t *testing.T) {
	want := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if runtime.GOOS != "windows" {
		want = append(want, syscall.SIGHUP)
	}
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	for _, s := range want {
		p := startJSON(t, ep, "--exchange", x)
		if err := p.cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Errorf("%v killed shoveltap (%v): it is not one of exitSignals()", s, ws.Signal())
		}
	}
}
