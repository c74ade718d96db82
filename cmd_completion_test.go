package main

import (
	"context"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// init lets the shell tests run this test binary as shoveltap itself:
// with SHOVELTAP_TEST_MAIN set it is main (which exits), before any test
// machinery starts.
func init() {
	if os.Getenv("SHOVELTAP_TEST_MAIN") != "" {
		main()
	}
}

func values(cands []candidate) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.value
	}
	return out
}

// TestComplete walks through what each position of a command line
// completes to; the broker's names come from a stand-in here (the shell
// tests below read them from the real management API).
func TestComplete(t *testing.T) {
	var asked []string // the words and kind of the last name look-up
	c := completer{listNames: func(_ context.Context, words []string, kind string) []string {
		asked = append(slices.Clone(words), kind)
		if kind == broker.KindExchange {
			return []string{"orders", "orders.dlx", "amq.topic"}
		}
		return []string{"celery", "billing"}
	}, envNames: func([]string) []string { return []string{"prod", "staging"} }}
	for _, tc := range []struct {
		before []string
		cur    string
		want   []string // candidate values; nil: none
		files  bool
		asked  []string
	}{
		{nil, "", []string{"open", "replay", "cleanup", "setup", "completion", "version"}, false, nil},
		{nil, "op", []string{"open"}, false, nil},
		{nil, "--exch", []string{"--exchange"}, false, nil},
		{nil, "-exch", []string{"--exchange"}, false, nil},
		{nil, "--redact", []string{"--redact"}, false, nil},
		{[]string{"--exchange"}, "ord", []string{"orders", "orders.dlx"}, false, []string{"--exchange", "exchange"}},
		{[]string{"--url", "amqp://ops@mq/prod", "--queue"}, "", []string{"celery", "billing"}, false, []string{"--url", "amqp://ops@mq/prod", "--queue", "queue"}},
		{nil, "--exchange=amq", []string{"--exchange=amq.topic"}, false, []string{"exchange"}},
		{[]string{"--record"}, "", nil, true, nil},
		{[]string{"--ca-cert"}, "", nil, true, nil},
		{[]string{"--env"}, "st", []string{"staging"}, false, nil},
		{[]string{"cleanup", "--env"}, "", []string{"prod", "staging"}, false, nil},
		{nil, "--record=x", nil, false, nil},
		{[]string{"--ack-mode"}, "on-", []string{"on-publish", "on-confirm"}, false, nil},
		{[]string{"--json"}, "--co", []string{"--count"}, false, nil},
		{[]string{"--exchange", "orders"}, "", nil, false, nil}, // every flag: checked below
		{[]string{"open"}, "", nil, true, nil},
		{[]string{"open"}, "--ret", []string{"--retain"}, false, nil},
		{[]string{"replay", "c.jsonl"}, "--ra", []string{"--rate"}, false, nil},
		{[]string{"replay", "c.jsonl", "--exchange"}, "", []string{"orders", "orders.dlx", "amq.topic"}, false, nil},
		{[]string{"cleanup"}, "--y", []string{"--yes"}, false, nil},
		{[]string{"setup"}, "", []string{"plan", "apply", "status", "teardown"}, false, nil},
		{[]string{"setup", "apply"}, "--over", []string{"--overflow"}, false, nil},
		{[]string{"setup", "apply", "--overflow"}, "", []string{"drop-head", "reject-publish"}, false, nil},
		{[]string{"setup", "apply", "--config"}, "", nil, true, nil},
		{[]string{"completion"}, "", []string{"bash", "zsh", "fish"}, false, nil},
		{[]string{"completion", "bash"}, "", nil, false, nil},
		{[]string{"version"}, "", nil, false, nil},
	} {
		asked = nil
		cands, files := c.complete(context.Background(), tc.before, tc.cur)
		got := values(cands)
		if len(tc.before) == 2 && tc.before[0] == "--exchange" {
			if len(got) < 20 || !slices.Contains(got, "--filter") || !slices.Contains(got, "--idle-timeout") {
				t.Errorf("%q %q: %v, want every flag of the tap", tc.before, tc.cur, got)
			}
			continue
		}
		if !slices.Equal(got, tc.want) || files != tc.files {
			t.Errorf("%q %q: %v (files %v), want %v (files %v)", tc.before, tc.cur, got, files, tc.want, tc.files)
		}
		if tc.asked != nil && !slices.Equal(asked, tc.asked) {
			t.Errorf("%q %q: looked up %q, want %q", tc.before, tc.cur, asked, tc.asked)
		}
	}
}

// TestCompletionFlagsAreTheCommands: the flags completion offers, read
// from each command's -h, are exactly those its flag set defines, with
// a value for every flag that takes one.
func TestCompletionFlagsAreTheCommands(t *testing.T) {
	var tf tapFlags
	tapFS := flag.NewFlagSet("t", flag.ContinueOnError)
	tf.register(tapFS)
	setupFS := newSetupFlagSet(&setupFlags{}, io.Discard)
	for _, tc := range []struct {
		path []string
		fs   *flag.FlagSet
	}{{nil, tapFS}, {[]string{"setup", "apply"}, setupFS}} {
		got := commandFlags(context.Background(), tc.path)
		var names []string
		for _, f := range got {
			names = append(names, f.name)
			fl := tc.fs.Lookup(f.name)
			if fl == nil {
				t.Errorf("%v: completion offers --%s, which does not exist", tc.path, f.name)
				continue
			}
			isBool := false
			if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok {
				isBool = b.IsBoolFlag()
			}
			if isBool == (f.value != "") {
				t.Errorf("%v: --%s takes a value %q, but is boolean: %v", tc.path, f.name, f.value, isBool)
			}
			if f.about == "" {
				t.Errorf("%v: --%s has no description", tc.path, f.name)
			}
		}
		tc.fs.VisitAll(func(fl *flag.Flag) {
			if !slices.Contains(names, fl.Name) {
				t.Errorf("%v: --%s is not offered", tc.path, fl.Name)
			}
		})
	}
	for _, path := range [][]string{{"open"}, {"replay"}, {"cleanup"}} {
		if len(commandFlags(context.Background(), path)) == 0 {
			t.Errorf("%v: no flags found", path)
		}
	}
}

// TestCompletionCommandsDispatch: every command completion offers is one
// that run knows (not taken for the tap's flags).
func TestCompletionCommandsDispatch(t *testing.T) {
	for _, c := range commands {
		r := runArgs(t, "", false, c.value, "-h")
		if strings.Contains(r.stderr, "peek at live RabbitMQ traffic") {
			t.Errorf("%s -h shows the tap's usage: run does not dispatch %q", c.value, c.value)
		}
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := runArgs(t, "", false, "completion", sh)
		if r.code != 0 || !strings.Contains(r.stdout, "__complete") || !strings.Contains(r.stdout, "shoveltap") {
			t.Errorf("completion %s: exit %d\n%s", sh, r.code, r.stdout)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		r := runArgs(t, "", false, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "bash, zsh or fish") || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runArgs(t, "", false, "completion", "--help"); r.code != 0 || !strings.Contains(r.stderr, "source <(shoveltap completion bash)") {
		t.Errorf("completion --help: exit %d, %q", r.code, r.stderr)
	}
}

// TestCompleteGivesUpOnASilentAPI: a management API that accepts the
// connection and never answers costs the shell about completeTimeout,
// and no candidate.
func TestCompleteGivesUpOnASilentAPI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	start := time.Now()
	r := runArgs(t, "", false, completeCommand, "--url", "amqp://guest@127.0.0.1:1/", "--api", "http://"+ln.Addr().String(), "--queue", "")
	if took := time.Since(start); took > 10*completeTimeout {
		t.Errorf("took %v", took)
	}
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "shoveltap completion:") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// shellEnv puts this test binary on PATH as shoveltap, for a shell to run.
func shellEnv(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "shoveltap")); err != nil {
		t.Fatal(err)
	}
	env := []string{"SHOVELTAP_TEST_MAIN=1", "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "SHOVELTAP_") {
			env = append(env, kv)
		}
	}
	return env
}

// bashComplete completes line (the cursor at its end) with the bash
// script, as bash would for a TAB, optionally with bash-completion loaded.
func bashComplete(t *testing.T, env []string, dir, line string, withLib bool) []string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "shoveltap.bash")
	if err := os.WriteFile(script, []byte(bashCompletion), 0o600); err != nil {
		t.Fatal(err)
	}
	lib := ""
	if withLib {
		lib = "source /usr/share/bash-completion/bash_completion; "
	}
	prog := lib + `source "$1"; read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=(""); ` +
		`COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_LINE=$2; COMP_POINT=${#2}; _shoveltap; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "-c", prog, "bash", script, line)
	cmd.Env, cmd.Dir = env, dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestShellCompletion completes real command lines in bash (and fish when
// installed), names read from the test broker's management API.
func TestShellCompletion(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "#")
	env := append(shellEnv(t), broker.EnvPassword+"="+ep.Password)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "capture.jsonl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	conn := "shoveltap --url amqp://" + ep.User + "@" + ep.Address() + "/" + ep.Vhost + " --api " + ep.API
	cases := []struct{ line, want string }{
		{conn + " --exchange " + x[:len(x)-3], x},
		{conn + " --queue " + q[:len(q)-3], q},
		{"shoveltap --idle", "--idle-timeout"},
		{"shoveltap open cap", "capture.jsonl"},
		{"shoveltap completion f", "fish"},
	}
	libs := []bool{false}
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err == nil {
		libs = append(libs, true)
	}
	for _, withLib := range libs {
		for _, c := range cases {
			if got := bashComplete(t, env, dir, c.line, withLib); !slices.Equal(got, []string{c.want}) {
				t.Errorf("bash (bash-completion %v): %q completes to %q, want %q", withLib, c.line, got, c.want)
			}
		}
		if withLib {
			// --flag=value in one word: bash-completion keeps the word whole.
			line := conn + " --exchange=" + x[:len(x)-3]
			if got := bashComplete(t, env, dir, line, withLib); !slices.Equal(got, []string{x}) {
				t.Errorf("bash: %q completes to %q, want %q", line, got, x)
			}
		}
	}

	zshCompletes(t, env, dir, cases)
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Log("fish is not installed: its script is not exercised")
		return
	}
	script := filepath.Join(t.TempDir(), "shoveltap.fish")
	if err := os.WriteFile(script, []byte(fishCompletion), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		cmd := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, c.line)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			v, _, _ := strings.Cut(l, "\t")
			got = append(got, v)
		}
		if !slices.Contains(got, c.want) {
			t.Errorf("fish: %q completes to %q, want %q among them", c.line, got, c.want)
		}
	}
}

// zshCompletes runs the zsh script's function on each line with zsh's
// completion functions stood in for (_describe prints what it was given,
// _files says FILES): it checks the words the script passes and how it
// reads the answer. It does nothing when zsh is not installed.
func zshCompletes(t *testing.T, env []string, dir string, cases []struct{ line, want string }) {
	t.Helper()
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Log("zsh is not installed: its script is not exercised")
		return
	}
	script := filepath.Join(t.TempDir(), "_shoveltap")
	if err := os.WriteFile(script, []byte(zshCompletion), 0o600); err != nil {
		t.Fatal(err)
	}
	prog := `compdef() {}; _describe() { print -rl -- "${(@P)4}" }; _files() { print FILES }; source $1; ` +
		`words=(${(z)2}); [[ $2 == *" " ]] && words+=(""); CURRENT=${#words}; _shoveltap`
	for _, c := range cases {
		cmd := exec.Command(zsh, "-f", "-c", prog, "zsh", script, c.line)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("zsh: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			v, _, _ := strings.Cut(l, ":")
			got = append(got, strings.ReplaceAll(v, `\`, ""))
		}
		want := c.want
		if strings.HasSuffix(c.want, ".jsonl") {
			want = "FILES"
		}
		if !slices.Contains(got, want) {
			t.Errorf("zsh: %q completes to %q, want %q among them", c.line, got, want)
		}
	}
}

// TestCompletionEnvNames: --env completes to the environments of the file
// --env-file names, or of the default file.
func TestCompletionEnvNames(t *testing.T) {
	vars := configHome(t, testEnvironments, 0o600)
	con := console{getenv: func(k string) string { return vars[k] }}
	if got := envNames(nil, con); !slices.Contains(got, "staging") || !slices.Contains(got, "prod") {
		t.Errorf("default file: %v", got)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("environments:\n  lab:\n    url: amqp://guest@lab:5672/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, words := range [][]string{{"--env-file", other}, {"--env-file=" + other}} {
		if got := envNames(words, con); !slices.Equal(got, []string{"lab"}) {
			t.Errorf("%v: %v", words, got)
		}
	}
	if got := envNames([]string{"--env-file", "/nonexistent"}, con); got != nil {
		t.Errorf("missing file: %v", got)
	}
}
