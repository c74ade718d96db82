package taptest

import (
	"os"
	"path/filepath"
	"testing"
)

// Environments is an environments file of two environments, staging and
// a production one with a password file, a tap broker and a budget, for
// the tests of --env.
const Environments = `
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

// ConfigHome writes environments.yaml under a fresh XDG_CONFIG_HOME and
// returns the environment that points there.
func ConfigHome(t testing.TB, text string, mode os.FileMode) map[string]string {
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

// WriteFile writes text to a fresh file name with mode (umask aside) and
// returns its path.
func WriteFile(t testing.TB, name, text string, mode os.FileMode) string {
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
