package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// connFor parses connection flags and resolves them with env as the whole
// environment and stdin as the terminal (tty) or not.
func connFor(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) (broker.Endpoint, string, error) {
	t.Helper()
	var c cmdline.Conn
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	con := cmdline.Console{Stdin: strings.NewReader(stdin), StdinTTY: tty, Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	ep, err := c.Endpoint(context.Background(), con)
	return ep, stderr.String(), err
}

func writeFile(t *testing.T, name, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// The --tap-url broker's TLS files default to the main broker's; its own
// flags and password file win.
func TestTapBrokerFlags(t *testing.T) {
	ca := writeFile(t, "ca.pem", "not a certificate", 0o600)
	f, err := parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqp://tracer@tapbox:5672/",
		"--tap-password-file", writeFile(t, "pw", "tr4cer\n", 0o600), "--ca-cert", ca)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(context.Background(), cmdline.Console{Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TapEndpoint == nil || cfg.TapEndpoint.Password != "tr4cer" || cfg.TapEndpoint.TLS.CACert != ca || cfg.TapEndpoint.TLS.Flags != "tap-" {
		t.Errorf("tap endpoint %+v", cfg.TapEndpoint)
	}
	// An amqps:// tap URL reads the CA file (the main one by default) and
	// names the tap flag when it is wrong.
	f, _ = parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqps://tracer:pw@tapbox:5671/", "--ca-cert", ca)
	_, err = f.config(context.Background(), cmdline.Console{Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "--tap-ca-cert") || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a bad CA file for the tap broker: %v", err)
	}
	// The password of the tap broker is asked for too.
	f, _ = parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqp://tracer@tapbox:5672/")
	var stderr bytes.Buffer
	cfg, err = f.config(context.Background(), cmdline.Console{Stdin: strings.NewReader("asked\n"), StdinTTY: true, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if err != nil || cfg.TapEndpoint.Password != "asked" || !strings.Contains(stderr.String(), "Password for tracer at tapbox:5672") {
		t.Errorf("tap password prompt: %v, %q", err, stderr.String())
	}
	f, _ = parseTap(t, "--exchange", "x", "--tap-shovel-ca-cert", "/etc/rabbitmq/ca.pem")
	if _, err := f.config(context.Background(), cmdline.Console{Stderr: io.Discard, Getenv: func(string) string { return "" }}); err == nil || !strings.Contains(err.Error(), "go with --tap-url") {
		t.Errorf("--tap-shovel-ca-cert without --tap-url: %v", err)
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
		"--password-file", writeFile(t, "p", "pr0d\n", 0o600), "--mirror-password-file", writeFile(t, "m", "m1rror\n", 0o600))
	if r.code != 1 || strings.Contains(r.stderr, "no password") || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Errorf("with password files: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runWithEnv(t, nil, "", false, "setup", "plan", "--url", "amqp://ops@127.0.0.1:1/", "--mirror-url", "amqp://writer@127.0.0.1:1/", "--exchange", "x",
		"--password-file", writeFile(t, "p", "pr0d\n", 0o600))
	if r.code != 1 || !strings.Contains(r.stderr, `no password for user "writer"`) || !strings.Contains(r.stderr, "SHOVELTAP_MIRROR_PASSWORD") || !strings.Contains(r.stderr, "--mirror-password-file") {
		t.Errorf("no mirror password: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
