package main

import (
	"github.com/shoveltap/shoveltap/tap/cmdline"

	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// result is what one in-process run of shoveltap printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runArgs runs shoveltap with args in-process; stdin answers prompts when
// tty says someone is at a terminal. stdout is never a terminal here.
func runArgs(t *testing.T, stdin string, tty bool, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	con := cmdline.Console{Stdin: strings.NewReader(stdin), StdinTTY: tty, Stdout: &stdout, Stderr: &stderr}
	code := run(ctx, args, con)
	return result{stdout.String(), stderr.String(), code}
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
