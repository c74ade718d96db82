package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// shoveltap env refuses an environments file with a password that others
// can read (the connection flags too: TestEnvironmentFileWithAPasswordMustBePrivate
// in tap/cmdline).
func TestEnvCommandRefusesAFileOthersCanRead(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o644)
	r := runWithEnv(t, env, "", false, "env")
	if r.code != 1 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("shoveltap env: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestEnvListsTheEnvironments(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o600)
	r := runWithEnv(t, env, "", false, "env")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"staging", "prod", "PROD eu", "PRODUCTION", "amqp://ops@mq1.example.com:5672/orders amqp://ops@mq2.example.com:5672/orders", "password-file", "password in the file"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("listing lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, secret := range []string{"st4ging-pw", "tr4cer"} {
		if strings.Contains(r.stdout, secret) {
			t.Errorf("listing shows a password:\n%s", r.stdout)
		}
	}
	if r := runWithEnv(t, env, "", false, "env", "--env-file", filepath.Join(t.TempDir(), "none.yaml")); r.code != 1 || !strings.Contains(r.stderr, "no environments file") {
		t.Errorf("missing file: exit %d, %q", r.code, r.stderr)
	}
}

// In a production environment --firehose and replay ask first; without a
// terminal --firehose needs --yes. Nothing connects before the answer.
func TestProductionAsksFirst(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o600)
	dir := filepath.Join(env["XDG_CONFIG_HOME"], "shoveltap")
	if err := os.WriteFile(filepath.Join(dir, "prod.password"), []byte("pr0d-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runWithEnv(t, env, "", false, "--env", "prod", "--queue", "celery", "--firehose", "--json")
	if r.code != 2 || !strings.Contains(r.stderr, "PROD eu is a production environment") || !strings.Contains(r.stderr, "add --yes") {
		t.Errorf("firehose without a terminal: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runWithEnv(t, env, "n\n", true, "--env", "prod", "--queue", "celery", "--firehose", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, "costs every publish") || !strings.Contains(r.stderr, "nothing was created") {
		t.Errorf("firehose answered no: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	path := writeCapture(t, 2)
	r = runWithEnv(t, env, "n\n", true, "replay", path, "--exchange", "orders", "--env", "prod")
	if r.code != 0 || !strings.Contains(r.stdout, "PROD eu is a PRODUCTION environment. Publish the messages") || !strings.Contains(r.stdout, "Nothing published.") {
		t.Errorf("replay in production: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runWithEnv(t, env, "n\n", true, "replay", path, "--exchange", "orders", "--env", "staging")
	if strings.Contains(r.stdout, "PRODUCTION") {
		t.Errorf("replay in staging called it production: %q", r.stdout)
	}
}
