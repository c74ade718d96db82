package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// complete runs cobra's hidden __complete and returns the
// candidates' values and the directive line.
func complete(t *testing.T, env map[string]string, words ...string) ([]string, string) {
	t.Helper()
	r := runWithEnv(t, env, "", false, append([]string{cobra.ShellCompRequestCmd}, words...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d, %s", words, r.code, r.stderr)
	}
	var values []string
	directive := ""
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(l, ":") {
			directive = l
			continue
		}
		v, _, _ := strings.Cut(l, "\t")
		if v != "" {
			values = append(values, v)
		}
	}
	return values, directive
}

// Every command is offered: completion reads the same tree as dispatch.
func TestCompletionOffersEveryCommand(t *testing.T) {
	got, _ := complete(t, nil, "")
	for _, c := range tree(t) {
		if c.Available && parentPath(c.Path) == "shoveltap" && !slices.Contains(got, c.Name) {
			t.Errorf("%s is not offered: %v", c.Name, got)
		}
	}
	for _, want := range []string{"check", "env", "expect", "route", "topology", "help"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s is not offered: %v", want, got)
		}
	}
	if got, _ := complete(t, nil, "setup", ""); !slices.Equal(got, []string{"apply", "plan", "status", "teardown"}) {
		t.Errorf("setup offers %v", got)
	}
	if got, _ := complete(t, nil, "completion", ""); !slices.Equal(got, []string{"bash", "fish", "powershell", "zsh"}) {
		t.Errorf("completion offers %v", got)
	}
}

// Each command offers exactly its own flags: check offers its dozen, not
// the tap's.
func TestCompletionOffersOnlyTheCommandsFlags(t *testing.T) {
	for _, c := range tree(t) {
		if !c.Runnable || c.Hidden || c.Name == "help" || c.Parent == "completion" {
			continue
		}
		want := []string{"--help"} // cobra's, on every command
		for _, f := range c.Flags {
			if !f.Hidden && f.Name != "help" {
				want = append(want, "--"+f.Name)
			}
		}
		words := strings.Fields(strings.TrimPrefix(c.Path, "shoveltap"))
		got, _ := complete(t, nil, append(words, "--")...)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s offers %v, want %v", c.Path, got, want)
		}
	}
	got, _ := complete(t, nil, "check", "--")
	if slices.Contains(got, "--firehose") || !slices.Contains(got, "--exchange") || len(got) > 16 {
		t.Errorf("check offers %v", got)
	}
	// expect has the tap's sources and connection, not its output flags.
	got, _ = complete(t, nil, "expect", "--")
	for _, want := range []string{"--match", "--count", "--forbid", "--within", "--json", "--exchange", "--queue", "--firehose", "--from", "--url", "--tap-url", "--max-rate"} {
		if !slices.Contains(got, want) {
			t.Errorf("expect does not offer %s: %v", want, got)
		}
	}
	for _, not := range []string{"--web", "--web-only", "--metrics", "--record", "--filter", "--idle-timeout", "--duration", "--retain", "--redact"} {
		if slices.Contains(got, not) {
			t.Errorf("expect offers the tap's %s", not)
		}
	}
	// route asks about one message: the connection and its own five.
	got, _ = complete(t, nil, "route", "--")
	if !slices.Contains(got, "--header") || !slices.Contains(got, "--api") || slices.Contains(got, "--firehose") || slices.Contains(got, "--match") || len(got) > 16 {
		t.Errorf("route offers %v", got)
	}
	// topology draws from exchanges: the connection and its own three.
	got, _ = complete(t, nil, "topology", "--")
	if !slices.Contains(got, "--format") || !slices.Contains(got, "--exchange") || !slices.Contains(got, "--api") || slices.Contains(got, "--key") || slices.Contains(got, "--header") || slices.Contains(got, "--firehose") || len(got) > 14 {
		t.Errorf("topology offers %v", got)
	}
	if got, _ = complete(t, nil, "topology", "--format", ""); !slices.Equal(got, []string{"text", "dot"}) {
		t.Errorf("topology --format offers %v", got)
	}
	// The tap offers the metrics flags; no other command does.
	if got, _ = complete(t, nil, "--metr"); !slices.Equal(got, []string{"--metrics", "--metrics-token", "--metrics-top"}) {
		t.Errorf("--metr: %v", got)
	}
}

func TestCompletionFixedValuesAndFiles(t *testing.T) {
	if got, _ := complete(t, nil, "--ack-mode", ""); len(got) == 0 || !slices.Contains(got, "on-confirm") {
		t.Errorf("--ack-mode: %v", got)
	}
	if got, _ := complete(t, nil, "setup", "apply", "--overflow", ""); !slices.Contains(got, "drop-head") {
		t.Errorf("--overflow: %v", got)
	}
	if got, _ := complete(t, nil, "expect", "--shovel-protocol", ""); !slices.Contains(got, "local") {
		t.Errorf("expect --shovel-protocol: %v", got)
	}
	if got, _ := complete(t, nil, "expect", "--ack-mode", ""); !slices.Contains(got, "no-ack") {
		t.Errorf("expect --ack-mode: %v", got)
	}
	// FILE arguments and file flags are the shell's own file completion.
	if _, d := complete(t, nil, "open", ""); d != ":0" {
		t.Errorf("open FILE: directive %s, want :0 (files)", d)
	}
	if _, d := complete(t, nil, "--record", ""); d != ":0" {
		t.Errorf("--record FILE: directive %s", d)
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
	got, _ := complete(t, nil, "--url", "amqp://guest@127.0.0.1:1/", "--api", "http://"+ln.Addr().String(), "--queue", "")
	if took := time.Since(start); took > 10*cmdline.CompleteTimeout {
		t.Errorf("took %v", took)
	}
	if len(got) != 0 {
		t.Errorf("candidates %v", got)
	}
}

// TestCompletionEnvNames: --env completes to the environments of the file
// --env-file names, or of the default file.
func TestCompletionEnvNames(t *testing.T) {
	vars := taptest.ConfigHome(t, taptest.Environments, 0o600)
	if got, _ := complete(t, vars, "--env", ""); !slices.Contains(got, "staging") || !slices.Contains(got, "prod") {
		t.Errorf("default file: %v", got)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("environments:\n  lab:\n    url: amqp://guest@lab:5672/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, words := range [][]string{{"--env-file", other, "--env", ""}, {"check", "--env-file=" + other, "--env", ""}} {
		if got, _ := complete(t, vars, words...); !slices.Equal(got, []string{"lab"}) {
			t.Errorf("%v: %v", words, got)
		}
	}
	if got, _ := complete(t, vars, "--env-file", "/nonexistent", "--env", ""); got != nil {
		t.Errorf("missing file: %v", got)
	}
}

// Every shell's script comes from the tree.
func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_shoveltap", "zsh": "#compdef shoveltap", "fish": "complete -c shoveltap",
		"powershell": "Register-ArgumentCompleter",
	} {
		r := runArgs(t, "", false, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("%s: exit %d, script without %q", shell, r.code, want)
		}
	}
	if r := runArgs(t, "", false, "completion", "tcsh"); r.code != 2 || !strings.Contains(r.stderr, `unknown shell "tcsh"`) {
		t.Errorf("tcsh: exit %d, %q", r.code, r.stderr)
	}
}

// shellEnv puts the built shoveltap on PATH, for a shell to run.
func shellEnv(t *testing.T) []string {
	t.Helper()
	bin := t.TempDir()
	if err := os.Symlink(binary, filepath.Join(bin, "shoveltap")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "SHOVELTAP_") {
			env = append(env, kv)
		}
	}
	return env
}

// TestShellCompletion completes real command lines in bash with cobra's
// script, names read from the test broker's management API.
func TestShellCompletion(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "#")
	env := append(shellEnv(t), broker.EnvPassword+"="+ep.Password)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "capture.jsonl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "shoveltap.bash")
	if err := os.WriteFile(script, []byte(runArgs(t, "", false, "completion", "bash").stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	conn := "shoveltap --url amqp://" + ep.User + "@" + ep.Address() + "/" + ep.Vhost + " --api " + ep.API
	for _, c := range []struct{ line, want string }{
		{conn + " --exchange " + x[:len(x)-3], x},
		{conn + " --queue " + q[:len(q)-3], q},
		{"shoveltap check " + strings.ReplaceAll(conn, "shoveltap ", "") + " --exchange " + x[:len(x)-3], x},
		{"shoveltap expect " + strings.ReplaceAll(conn, "shoveltap ", "") + " --queue " + q[:len(q)-3], q},
		{"shoveltap route " + strings.ReplaceAll(conn, "shoveltap ", "") + " --exchange " + x[:len(x)-3], x},
		{"shoveltap expect --wit", "--within"},
		{"shoveltap route --hea", "--header"},
		{"shoveltap --metrics-tok", "--metrics-token"},
		{"shoveltap ro", "route"},
		{"shoveltap exp", "expect"},
		{"shoveltap --idle", "--idle-timeout"},
		{"shoveltap check --exch", "--exchange"},
		{"shoveltap --ack-mode on-c", "on-confirm"},
		{"shoveltap completion f", "fish"},
		{"shoveltap chec", "check"},
	} {
		// cobra's bash script uses bash-completion's _get_comp_words_by_ref;
		// a stand-in when it is not installed. (File names are bash's own
		// default completion, which COMPREPLY does not show: the directive
		// is tested above.)
		prog := `declare -F _get_comp_words_by_ref >/dev/null || _get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }; ` +
			`source "$1"; read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=(""); ` +
			`COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_LINE=$2; COMP_POINT=${#2}; COMP_TYPE=9; __start_shoveltap; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "-c", prog, "bash", script, c.line)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.Output() // stderr: compopt outside a real completion
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		if got := strings.Fields(string(out)); !slices.Equal(got, []string{c.want}) {
			t.Errorf("bash: %q completes to %q, want %q", c.line, got, c.want)
		}
	}
}
