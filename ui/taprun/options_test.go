package taprun

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/taptest"
	"github.com/shoveltap/shoveltap/ui"
)

// parseTap parses args as the tap's flags and checks them.
func parseTap(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	var f Options
	fs := pflag.NewFlagSet("shoveltap", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return &f, f.Check(fs.Args())
}

func TestTapFlagDefaultsAreTheLibrarys(t *testing.T) {
	f, err := parseTap(t)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(context.Background(), cmdline.Console{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits != tap.DefaultLimits || cfg.Prefetch != tap.DefaultPrefetch || cfg.ShovelPrefetch != tap.DefaultShovelPrefetch ||
		cfg.AckMode != "" || cfg.ShovelProtocol != tap.ShovelAuto {
		// No ack mode: the library's default depends on the protocol.
		t.Errorf("defaults %+v", cfg)
	}
	if f.retain != ui.DefaultRetain || !cfg.Reconnect {
		t.Errorf("retain %d, reconnect %v", f.retain, cfg.Reconnect)
	}
}

func TestTapSources(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []tap.Source
	}{
		{[]string{"--exchange", "a"}, []tap.Source{{Exchange: "a", Key: tap.AllKeys}}},
		{[]string{"--exchange", "a", "--exchange", "b", "--key", "k"}, []tap.Source{{Exchange: "a", Key: "k"}, {Exchange: "b", Key: "k"}}},
		{[]string{"--exchange", "a", "--key", "1", "--exchange", "b", "--key", "2", "--queue", "q"}, []tap.Source{{Exchange: "a", Key: "1"}, {Exchange: "b", Key: "2"}, {Queue: "q"}}},
	} {
		f, err := parseTap(t, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := f.sources(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

// --max-rate sets the budget (a wrong value: TestMaxRateFlagRefusesBadValues
// in tap/e2e).
func TestMaxRateFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 0},
		{[]string{"--max-rate", "500"}, 500},
		{[]string{"--max-rate", "0"}, 0},
	} {
		f, err := parseTap(t, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := f.config(context.Background(), cmdline.Console{Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxRate != tc.want {
			t.Errorf("%v: max rate %d, want %d", tc.args, cfg.MaxRate, tc.want)
		}
	}
}

func TestTapFromFlag(t *testing.T) {
	f, err := parseTap(t, "--queue", "s", "--from", "-10m")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(context.Background(), cmdline.Console{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.From.Kind != tap.FromTime || cfg.From.Text != "-10m" {
		t.Errorf("--from -10m gave %+v", cfg.From)
	}
	f, _ = parseTap(t, "--queue", "s")
	if cfg, _ := f.config(context.Background(), cmdline.Console{Stderr: io.Discard}); cfg.From.History() {
		t.Errorf("no --from gave %+v, want next", cfg.From)
	}
}

// Issue 22, edge 5: flags that end JSON output are refused with the UI
// instead of being ignored.
func TestUIRefusesFlagsItWouldIgnore(t *testing.T) {
	for _, args := range [][]string{{"--count", "5"}, {"--duration", "5s"}, {"--idle-timeout", "5s"}} {
		f, err := parseTap(t, append([]string{"--exchange", "x"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.checkOutput(false); err == nil || !strings.Contains(err.Error(), args[0]+" ends JSON-lines output") {
			t.Errorf("%v with the UI: %v", args, err)
		}
		if err := f.checkOutput(true); err != nil {
			t.Errorf("%v with JSON: %v", args, err)
		}
	}
	f, _ := parseTap(t, "--exchange", "x", "--web", "127.0.0.1:0", "--web-only", "--count", "5")
	if err := f.checkOutput(false); err != nil {
		t.Errorf("--count with --web-only: %v", err)
	}
}

// The --tap-url broker's TLS files default to the main broker's; its own
// flags and password file win.
func TestTapBrokerFlags(t *testing.T) {
	ca := taptest.WriteFile(t, "ca.pem", "not a certificate", 0o600)
	f, err := parseTap(t, "--url", "amqp://guest@localhost/", "--exchange", "x", "--tap-url", "amqp://tracer@tapbox:5672/",
		"--tap-password-file", taptest.WriteFile(t, "pw", "tr4cer\n", 0o600), "--ca-cert", ca)
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

func TestWebTokenFromTheEnvironment(t *testing.T) {
	t.Setenv(envWebToken, "from-the-environment-0123")
	f, err := parseTap(t, "--web", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.web.check(true, cmdline.Console{}); err != nil || f.web.token != "from-the-environment-0123" {
		t.Errorf("token %q, err %v", f.web.token, err)
	}
	f, _ = parseTap(t, "--web", "127.0.0.1:0", "--web-token", "from-the-command-line-01")
	if err := f.web.check(true, cmdline.Console{}); err != nil || f.web.token != "from-the-command-line-01" {
		t.Errorf("the flag does not win over the environment: %q, %v", f.web.token, err)
	}
	// Set in the environment without --web: no monitor, no complaint.
	f, _ = parseTap(t, "--exchange", "a")
	if err := f.web.check(true, cmdline.Console{}); err != nil {
		t.Errorf("env token without --web: %v", err)
	}
}

// The tap's config carries a named environment's tap URL and budget along
// (the environment itself: TestNamedEnvironment in tap/cmdline).
func TestNamedEnvironmentCarriesTheTapURLAndBudget(t *testing.T) {
	env := taptest.ConfigHome(t, taptest.Environments, 0o600)
	dir := filepath.Join(env["XDG_CONFIG_HOME"], "shoveltap")
	if err := os.WriteFile(filepath.Join(dir, "prod.password"), []byte("pr0d-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env[broker.EnvURL] = "amqp://someone@elsewhere:5672/" // --env wins over the variables
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

}
