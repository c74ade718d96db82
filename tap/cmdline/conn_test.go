package cmdline

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
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// connFor parses connection flags and resolves them with env as the whole
// environment and stdin as the terminal (tty) or not.
func connFor(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) (broker.Endpoint, string, error) {
	t.Helper()
	var c Conn
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	con := Console{Stdin: strings.NewReader(stdin), StdinTTY: tty, Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	ep, err := c.Endpoint(context.Background(), con)
	return ep, stderr.String(), err
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
	private := taptest.WriteFile(t, "pw", "fil3-pw\nignored\n", 0o600)
	ep, stderr, err := connFor(t, map[string]string{broker.EnvPassword: "from-env"}, "", false, "--url", "amqp://ops@mq/", "--password-file", private)
	if err != nil || ep.Password != "fil3-pw" || stderr != "" {
		t.Errorf("password %q (the file wins over the variable), stderr %q, err %v", ep.Password, stderr, err)
	}
	open := taptest.WriteFile(t, "pw", "fil3-pw\n", 0o644)
	_, stderr, err = connFor(t, nil, "", false, "--url", "amqp://ops@mq/", "--password-file", open)
	if err != nil || !strings.Contains(stderr, "chmod 600 "+open) || strings.Contains(stderr, "fil3-pw") {
		t.Errorf("a file others can read: stderr %q, err %v", stderr, err)
	}
	empty := taptest.WriteFile(t, "pw", "\n", 0o600)
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

func TestNamedEnvironment(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o600)
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

	if _, _, err := connFor(t, env, "", false, "--env", "qa"); err == nil || !strings.Contains(err.Error(), "staging, prod") {
		t.Errorf("unknown environment: %v", err)
	}
}

func TestEnvironmentFileWithAPasswordMustBePrivate(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o644)
	_, _, err := connFor(t, env, "", false, "--env", "staging")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "st4ging-pw") {
		t.Errorf("a readable file with a password: %v", err)
	}
}
