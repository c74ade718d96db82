package main

import (
	"github.com/shoveltap/shoveltap/tap/cmdline"

	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// configHome writes environments.yaml under a fresh XDG_CONFIG_HOME and
// returns the environment that points there.
func configHome(t *testing.T, text string, mode os.FileMode) map[string]string {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, "shoveltap")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "environments.yaml")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"XDG_CONFIG_HOME": home}
}

const testEnvironments = `
environments:
  staging:
    url: amqp://ops@staging.example.com:5672/orders
    password: st4ging-pw
    colour: green
  prod:
    label: PROD eu
    production: true
    url:
      - amqp://ops@mq1.example.com:5672/orders
      - amqp://ops@mq2.example.com:5672/orders
    password-file: prod.password
    tap-url: amqp://tracer:tr4cer@tracer.example.com:5672/
    max-rate: 500
`

// runWithEnv runs shoveltap in-process with env as its whole environment.
func runWithEnv(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	con := cmdline.Console{Stdin: strings.NewReader(stdin), StdinTTY: tty, Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	code := run(ctx, args, con)
	return result{stdout.String(), stderr.String(), code}
}

func TestNamedEnvironment(t *testing.T) {
	env := configHome(t, testEnvironments, 0o600)
	dir := filepath.Join(env["XDG_CONFIG_HOME"], "shoveltap")
	if err := os.WriteFile(filepath.Join(dir, "prod.password"), []byte("pr0d-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env[broker.EnvURL] = "amqp://someone@elsewhere:5672/" // --env wins over the variables

	ep, stderr, err := connFor(t, env, "", false, "--env", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if ep.Address() != "mq1.example.com:5672" || len(ep.Alternates) != 1 || ep.User != "ops" || ep.Password != "pr0d-pw" || ep.Vhost != "orders" {
		t.Errorf("prod endpoint %s (alternates %d), password %q", ep, len(ep.Alternates), ep.Password)
	}
	if stderr != "" {
		t.Errorf("stderr %q", stderr)
	}
	// Flags given as well win over the environment.
	ep, _, err = connFor(t, env, "", false, "--env", "staging", "--url", "amqp://ops@other:5672/")
	if err != nil || ep.Address() != "other:5672" || ep.Password != "st4ging-pw" {
		t.Errorf("--url over the environment: %s %q %v", ep, ep.Password, err)
	}
	// SHOVELTAP_ENV chooses too.
	env["SHOVELTAP_ENV"] = "staging"
	if ep, _, err := connFor(t, env, "", false); err != nil || ep.Address() != "staging.example.com:5672" {
		t.Errorf("SHOVELTAP_ENV: %s %v", ep, err)
	}
	delete(env, "SHOVELTAP_ENV")

	// The tap's config carries the tap URL and the budget along.
	f, err := parseTap(t, "--env", "prod", "--exchange", "x")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(context.Background(), cmdline.Console{Stderr: &bytes.Buffer{}, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxRate != 500 || cfg.TapEndpoint == nil || cfg.TapEndpoint.Address() != "tracer.example.com:5672" {
		t.Errorf("max rate %d, tap endpoint %v", cfg.MaxRate, cfg.TapEndpoint)
	}

	if _, _, err := connFor(t, env, "", false, "--env", "qa"); err == nil || !strings.Contains(err.Error(), "staging, prod") {
		t.Errorf("unknown environment: %v", err)
	}
}

func TestEnvironmentFileWithAPasswordMustBePrivate(t *testing.T) {
	env := configHome(t, testEnvironments, 0o644)
	_, _, err := connFor(t, env, "", false, "--env", "staging")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "st4ging-pw") {
		t.Errorf("a readable file with a password: %v", err)
	}
	r := runWithEnv(t, env, "", false, "env")
	if r.code != 1 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("shoveltap env: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestEnvListsTheEnvironments(t *testing.T) {
	env := configHome(t, testEnvironments, 0o600)
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
	env := configHome(t, testEnvironments, 0o600)
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
