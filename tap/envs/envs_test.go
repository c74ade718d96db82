package envs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "environments.yaml")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func TestLoadKeepsOrderAndResolvesPaths(t *testing.T) {
	path := write(t, `
environments:
  staging:
    url: amqp://ops@staging:5672/
    colour: green
  prod:
    label: PROD eu
    production: true
    url:
      - amqps://ops@mq1.example.com:5671/orders
      - amqps://ops@mq2.example.com:5671/orders
    api: https://mq1.example.com:15671
    ca-cert: certs/ca.pem
    cert: /abs/client.pem
    cert-key: client.key
    password-file: prod.password
    tap-shovel-ca-cert: /etc/rabbitmq/ca.pem
    max-rate: 500
`, 0o644)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); !reflect.DeepEqual(got, []string{"staging", "prod"}) {
		t.Errorf("names %v", got)
	}
	p, err := f.Get("prod")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := Environment{
		Name: "prod", Label: "PROD eu", Production: true,
		URLs:   Strings{"amqps://ops@mq1.example.com:5671/orders", "amqps://ops@mq2.example.com:5671/orders"},
		APIs:   Strings{"https://mq1.example.com:15671"},
		CACert: filepath.Join(dir, "certs/ca.pem"), Cert: "/abs/client.pem", CertKey: filepath.Join(dir, "client.key"),
		PasswordFile:    filepath.Join(dir, "prod.password"),
		TapShovelCACert: "/etc/rabbitmq/ca.pem", // a path on the broker's host: left alone
		MaxRate:         500,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("prod:\n got %+v\nwant %+v", p, want)
	}
	if p.DisplayLabel() != "PROD eu" {
		t.Errorf("label %q", p.DisplayLabel())
	}
	s, _ := f.Get("staging")
	if s.DisplayLabel() != "staging" || len(s.URLs) != 1 {
		t.Errorf("staging %+v", s)
	}
}

func TestLoadErrorsSayWhatToDo(t *testing.T) {
	cases := []struct {
		name, text string
		mode       os.FileMode
		want       []string
	}{
		{"misspelt key", "environments:\n  prod:\n    urls: amqp://x/\n", 0o600, []string{"line 3", "urls"}},
		{"password readable by others", "environments:\n  prod:\n    url: amqp://ops@x/\n    password: s3cret\n", 0o644, []string{`environment "prod"`, "mode 0644", "chmod 600", "password-file"}},
		{"password in a URL readable by others", "environments:\n  prod:\n    url: amqp://ops:s3cret@x/\n", 0o604, []string{"mode 0604", "chmod 600"}},
		{"password readable by the group", "environments:\n  prod:\n    password: s3cret\n", 0o640, []string{"chmod 600"}},
		{"both passwords", "environments:\n  prod:\n    password: a\n    password-file: b\n", 0o600, []string{"not both"}},
		{"bad colour", "environments:\n  prod:\n    colour: mauve-ish\n", 0o600, []string{"colour", "#rrggbb"}},
		{"negative rate", "environments:\n  prod:\n    max-rate: -1\n", 0o600, []string{"max-rate"}},
		{"bad name", "environments:\n  'a b':\n    url: amqp://x/\n", 0o600, []string{"environment name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(write(t, c.text, c.mode))
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestPasswordInAPrivateFileIsAllowed(t *testing.T) {
	f, err := Load(write(t, "environments:\n  prod:\n    password: s3cret\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := f.Get("prod"); e.Password != "s3cret" {
		t.Errorf("password %q", e.Password)
	}
}

func TestGetAndMissingFile(t *testing.T) {
	f, err := Load(write(t, "environments:\n  a: {}\n  b: {}\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("c"); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("unknown environment: %v", err)
	}
	_, err = Load(filepath.Join(t.TempDir(), "none.yaml"))
	if err == nil || !strings.Contains(err.Error(), "--env-file") {
		t.Errorf("missing file: %v", err)
	}
	empty, err := Load(write(t, "", 0o644))
	if err != nil || len(empty.Environments) != 0 {
		t.Errorf("empty file: %v %v", empty, err)
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/home/u"}
	get := func(k string) string { return env[k] }
	if p, _ := DefaultPath(get); p != "/x/shoveltap/environments.yaml" {
		t.Errorf("with XDG_CONFIG_HOME: %s", p)
	}
	delete(env, "XDG_CONFIG_HOME")
	if p, _ := DefaultPath(get); p != "/home/u/.config/shoveltap/environments.yaml" {
		t.Errorf("with HOME: %s", p)
	}
}

func TestColourValue(t *testing.T) {
	for in, want := range map[string]string{"red": "1", "Orange": "208", "42": "42", "#A0b0C0": "#a0b0c0"} {
		if got, ok := ColourValue(in); !ok || got != want {
			t.Errorf("%s: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"256", "#fff", "reddish"} {
		if _, ok := ColourValue(in); ok {
			t.Errorf("%s accepted", in)
		}
	}
}
