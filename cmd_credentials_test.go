package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// connFor parses connection flags and resolves them with env as the whole
// environment and stdin as the terminal (tty) or not.
func connFor(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) (broker.Endpoint, string, error) {
	t.Helper()
	var c connFlags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	con := console{stdin: strings.NewReader(stdin), stdinTTY: tty, stdout: io.Discard, stderr: &stderr, getenv: func(k string) string { return env[k] }}
	ep, err := c.endpoint(context.Background(), con)
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

func TestPasswordIsAskedForAtATerminal(t *testing.T) {
	ep, stderr, err := connFor(t, nil, "s3cret\nmore input\n", true, "--url", "amqp://ops@mq.example.com:5672/")
	if err != nil {
		t.Fatal(err)
	}
	if ep.Password != "s3cret" || ep.User != "ops" {
		t.Errorf("user %q, password %q", ep.User, ep.Password)
	}
	if !strings.Contains(stderr, "Password for ops at mq.example.com:5672: ") || strings.Contains(stderr, "s3cret") {
		t.Errorf("prompt: %q", stderr)
	}

	// No terminal: nobody to ask, so the error says where a password goes.
	_, _, err = connFor(t, nil, "", false, "--url", "amqp://ops@mq.example.com:5672/")
	if err == nil {
		t.Fatal("resolved without a password")
	}
	for _, want := range []string{`no password for user "ops"`, "SHOVELTAP_PASSWORD", "--password-file", "terminal", "--cert"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// An empty answer is no password.
	if _, _, err := connFor(t, nil, "\n", true, "--url", "amqp://ops@mq.example.com:5672/"); err == nil || !strings.Contains(err.Error(), "no password given") {
		t.Errorf("empty answer: %v", err)
	}
}

func TestNoPromptWhenAPasswordIsKnown(t *testing.T) {
	env := map[string]string{broker.EnvPassword: "from-env"}
	ep, stderr, err := connFor(t, env, "", true, "--url", "amqp://ops@mq.example.com/")
	if err != nil || ep.Password != "from-env" || strings.Contains(stderr, "Password for") {
		t.Errorf("password %q, stderr %q, err %v", ep.Password, stderr, err)
	}
	// guest has its well-known password; a certificate is a login of its
	// own (x509): neither is asked for.
	if ep, _, err := connFor(t, nil, "", true, "--url", "amqp://guest@localhost/"); err != nil || ep.Password != "guest" {
		t.Errorf("guest: %q %v", ep.Password, err)
	}
}

func TestPasswordFile(t *testing.T) {
	private := writeFile(t, "pw", "fil3-pw\nignored\n", 0o600)
	ep, stderr, err := connFor(t, map[string]string{broker.EnvPassword: "from-env"}, "", false, "--url", "amqp://ops@mq/", "--password-file", private)
	if err != nil || ep.Password != "fil3-pw" || stderr != "" {
		t.Errorf("password %q (the file wins over the variable), stderr %q, err %v", ep.Password, stderr, err)
	}
	open := writeFile(t, "pw", "fil3-pw\n", 0o644)
	_, stderr, err = connFor(t, nil, "", false, "--url", "amqp://ops@mq/", "--password-file", open)
	if err != nil || !strings.Contains(stderr, "chmod 600 "+open) || strings.Contains(stderr, "fil3-pw") {
		t.Errorf("a file others can read: stderr %q, err %v", stderr, err)
	}
	empty := writeFile(t, "pw", "\n", 0o600)
	if _, _, err := connFor(t, nil, "", false, "--url", "amqp://ops@mq/", "--password-file", empty); err == nil || !strings.Contains(err.Error(), "first line is empty") {
		t.Errorf("empty file: %v", err)
	}
	if _, _, err := connFor(t, nil, "", false, "--url", "amqp://ops@mq/", "--password-file", filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "--password-file") {
		t.Errorf("missing file: %v", err)
	}
}

// A password on the command line still works, with a warning that shows
// the better ways and never the password.
func TestPasswordInURLWarns(t *testing.T) {
	ep, stderr, err := connFor(t, nil, "", false, "--url", "amqp://ops:s3cret@mq/")
	if err != nil || ep.Password != "s3cret" {
		t.Fatalf("password %q, err %v", ep.Password, err)
	}
	for _, want := range []string{"warning", "--url", "every user of this machine", "--password-file", "SHOVELTAP_PASSWORD", "--env", "asked"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("warning %q does not say %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "s3cret") {
		t.Errorf("the warning shows the password")
	}
	// From the environment nobody else can read it: no warning.
	if _, stderr, _ := connFor(t, map[string]string{broker.EnvURL: "amqp://ops:s3cret@mq/"}, "", false); stderr != "" {
		t.Errorf("warned about SHOVELTAP_URL: %q", stderr)
	}
}

func TestTLSFlagsAndVariables(t *testing.T) {
	// The flags win over the variables; --insecure-tls warns.
	env := map[string]string{broker.EnvCACert: "/from/env/ca.pem"}
	ep, stderr, err := connFor(t, env, "", false, "--url", "amqps://guest:guest@localhost/", "--insecure-tls")
	if err == nil || !strings.Contains(err.Error(), "/from/env/ca.pem") {
		t.Errorf("SHOVELTAP_CA_CERT not used: %v", err)
	}
	if !strings.Contains(stderr, "--insecure-tls") || !strings.Contains(stderr, "not verified") {
		t.Errorf("no --insecure-tls warning: %q", stderr)
	}
	ep, _, err = connFor(t, nil, "", false, "--url", "amqps://guest:guest@localhost/", "--insecure-tls")
	if err != nil || !ep.TLS.Insecure || ep.API != "https://localhost:15671" {
		t.Errorf("insecure %v, API %q (amqps derives https on 15671), err %v", ep.TLS.Insecure, ep.API, err)
	}
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
	cfg, err := f.config(context.Background(), console{stderr: io.Discard, getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TapEndpoint == nil || cfg.TapEndpoint.Password != "tr4cer" || cfg.TapEndpoint.TLS.CACert != ca || cfg.TapEndpoint.TLS.Flags != "tap-" {
		t.Errorf("tap endpoint %+v", cfg.TapEndpoint)
	}
	// An amqps:// tap URL reads the CA file (the main one by default) and
	// names the tap flag when it is wrong.
	f, _ = parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqps://tracer:pw@tapbox:5671/", "--ca-cert", ca)
	_, err = f.config(context.Background(), console{stderr: io.Discard, getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "--tap-ca-cert") || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a bad CA file for the tap broker: %v", err)
	}
	// The password of the tap broker is asked for too.
	f, _ = parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqp://tracer@tapbox:5672/")
	var stderr bytes.Buffer
	cfg, err = f.config(context.Background(), console{stdin: strings.NewReader("asked\n"), stdinTTY: true, stderr: &stderr, getenv: func(string) string { return "" }})
	if err != nil || cfg.TapEndpoint.Password != "asked" || !strings.Contains(stderr.String(), "Password for tracer at tapbox:5672") {
		t.Errorf("tap password prompt: %v, %q", err, stderr.String())
	}
	f, _ = parseTap(t, "--exchange", "x", "--tap-shovel-ca-cert", "/etc/rabbitmq/ca.pem")
	if _, err := f.config(context.Background(), console{stderr: io.Discard, getenv: func(string) string { return "" }}); err == nil || !strings.Contains(err.Error(), "go with --tap-url") {
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
