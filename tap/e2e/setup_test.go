package e2e

import (
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

func TestSetupCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "which command? give plan, apply, status or teardown\nsee 'shoveltap setup --help'"},
		{[]string{"launch"}, 2, `unknown command "launch"; give plan, apply, status or teardown`},
		{[]string{"aply"}, 2, `unknown command "aply"; did you mean apply?`},
		{[]string{"plan", "--key", "a.#"}, 2, "--key and --mirror-exchange go with --exchange"},
		{[]string{"plan", "extra"}, 2, `shoveltap setup plan: unexpected argument "extra"`},
		{[]string{"plan", "--config", "no/such/file.yaml"}, 2, "reading the set-up file"},
		{[]string{"apply", "--exchange", "orders", "--mirror-url", "ftp://mirror/"}, 1, "shoveltap setup apply: mirror broker"},
	} {
		r := runArgs(t, "", false, append([]string{"setup"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// A --history that is not a period is refused before anything is done
// (the flags' values: TestSetupHistoryFlags in setup).
func TestSetupRefusesAWrongHistory(t *testing.T) {
	r := runArgs(t, "", false, "setup", "plan", "--exchange", "orders", "--mirror-url", "amqp://guest@127.0.0.1:1/", "--history", "forever")
	if r.code != 1 || !strings.Contains(r.stderr, `"forever" is not a retention period; use e.g. 24h, 7d or 90m`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// setup asks for each broker's password it lacks, or reads the files.
func TestSetupPasswords(t *testing.T) {
	r := runWithEnv(t, nil, "pr0d\nm1rror\n", true, "setup", "plan", "--url", "amqp://ops@127.0.0.1:1/", "--mirror-url", "amqp://writer@127.0.0.1:1/", "--exchange", "x")
	for _, want := range []string{"Password for ops at 127.0.0.1:1: ", "Password for writer at 127.0.0.1:1: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("setup did not ask %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "no password") || strings.Contains(r.stderr, "pr0d") || strings.Contains(r.stderr, "m1rror") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	r = runWithEnv(t, nil, "", false, "setup", "plan", "--url", "amqp://ops@127.0.0.1:1/", "--mirror-url", "amqp://writer@127.0.0.1:1/", "--exchange", "x",
		"--password-file", taptest.WriteFile(t, "p", "pr0d\n", 0o600), "--mirror-password-file", taptest.WriteFile(t, "m", "m1rror\n", 0o600))
	if r.code != 1 || strings.Contains(r.stderr, "no password") || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Errorf("with password files: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runWithEnv(t, nil, "", false, "setup", "plan", "--url", "amqp://ops@127.0.0.1:1/", "--mirror-url", "amqp://writer@127.0.0.1:1/", "--exchange", "x",
		"--password-file", taptest.WriteFile(t, "p", "pr0d\n", 0o600))
	if r.code != 1 || !strings.Contains(r.stderr, `no password for user "writer"`) || !strings.Contains(r.stderr, "SHOVELTAP_MIRROR_PASSWORD") || !strings.Contains(r.stderr, "--mirror-password-file") {
		t.Errorf("no mirror password: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
