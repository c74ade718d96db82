package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/setup"
)

func TestSetupFlagsOverrideTheFile(t *testing.T) {
	f := setupFlags{config: "setup/testdata/mirror.yaml", url: "amqp://ops@prod:5672/", layout: setup.LayoutFanout, reconnectDelay: 9,
		exchange: "extra", keys: []string{"a.#", "b.#"}, mirrorExchange: "extra-copy", maxLength: 7}
	file, err := setup.LoadConfig(f.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Production.URL != f.url || cfg.Layout != setup.LayoutFanout || cfg.ReconnectDelay != 9 {
		t.Errorf("flags did not win: %+v", cfg)
	}
	if cfg.Mirror != file.Mirror {
		t.Errorf("mirror %+v, want the file's %+v", cfg.Mirror, file.Mirror)
	}
	want := append(file.Exchanges, setup.Exchange{Name: "extra", Keys: []string{"a.#", "b.#"}, MirrorExchange: "extra-copy", Limits: setup.Limits{MaxLength: 7}})
	if !reflect.DeepEqual(cfg.Exchanges, want) {
		t.Errorf("exchanges\n got %+v\nwant %+v", cfg.Exchanges, want)
	}
}

// TestSetupLimitFlagsWithoutExchange set the defaults of every exchange.
func TestSetupLimitFlagsWithoutExchange(t *testing.T) {
	f := setupFlags{maxLength: 5, maxBytes: "1MiB", overflow: setup.OverflowRejectPublish}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if want := (setup.Limits{MaxLength: 5, MaxBytes: "1MiB", Overflow: setup.OverflowRejectPublish}); cfg.Defaults != want {
		t.Errorf("defaults %+v, want %+v", cfg.Defaults, want)
	}
}

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

func TestSetupHistoryFlags(t *testing.T) {
	f := setupFlags{exchange: "orders", history: "24h", historyBytes: "5GiB", historyReplicas: 3}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Exchanges[0].Limits; l.History != "24h" || l.HistoryBytes != "5GiB" || l.HistoryReplicas != 3 {
		t.Errorf("history flags on --exchange: %+v", l)
	}
	f = setupFlags{history: "7d"}
	if cfg, _ = f.configuration(); cfg.Defaults.History != "7d" {
		t.Errorf("--history without --exchange: defaults %+v", cfg.Defaults)
	}
	r := runArgs(t, "", false, "setup", "plan", "--exchange", "orders", "--mirror-url", "amqp://guest@127.0.0.1:1/", "--history", "forever")
	if r.code != 1 || !strings.Contains(r.stderr, `"forever" is not a retention period; use e.g. 24h, 7d or 90m`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
