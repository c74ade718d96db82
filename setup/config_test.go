package setup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

func TestLoadConfigExample(t *testing.T) {
	cfg, err := LoadConfig("testdata/mirror.yaml")
	if err != nil {
		t.Fatal(err)
	}
	xs, err := cfg.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 2 {
		t.Fatalf("got %d exchanges, want 2", len(xs))
	}
	orders, audit := xs[0], xs[1]
	if strings.Join(orders.Keys, ",") != "order.#,refund.#" || orders.MirrorExchange != "orders.mirror" || orders.MaxLength != 1000000 || orders.MaxBytes != 256<<20 || orders.Overflow != OverflowDropHead {
		t.Errorf("orders resolved to %+v", orders)
	}
	if strings.Join(audit.Keys, ",") != "#" || audit.MirrorExchange != "audit" || audit.MaxLength != 50000 || audit.Overflow != OverflowRejectPublish {
		t.Errorf("audit resolved to %+v", audit)
	}
	if cfg.ReconnectDelay != 5 || cfg.Layout != LayoutQueue {
		t.Errorf("reconnect delay %d, layout %q", cfg.ReconnectDelay, cfg.Layout)
	}
}

func TestResolveRejects(t *testing.T) {
	for name, c := range map[string]Config{
		"no exchange":     {},
		"default":         {Exchanges: []Exchange{{Name: ""}}},
		"amq":             {Exchanges: []Exchange{{Name: "amq.topic"}}},
		"layout":          {Layout: "star", Exchanges: []Exchange{{Name: "e"}}},
		"overflow":        {Exchanges: []Exchange{{Name: "e", Limits: Limits{Overflow: "reject-publish-dlx"}}}},
		"size":            {Exchanges: []Exchange{{Name: "e", Limits: Limits{MaxBytes: "lots"}}}},
		"same mirror":     {Exchanges: []Exchange{{Name: "a", MirrorExchange: "m"}, {Name: "b", MirrorExchange: "m"}}},
		"listed twice":    {Exchanges: []Exchange{{Name: "a"}, {Name: "a"}}},
		"negative length": {Exchanges: []Exchange{{Name: "e", Limits: Limits{MaxBytes: "-1"}}}},
	} {
		if _, err := c.resolve(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The tracer's orphan sweep must never take a setup object for the
// leftover of a crashed tap, whatever the exchange is called.
func TestNamesAreNotTapNames(t *testing.T) {
	for _, x := range []string{"orders", "events-2", "a-tap", "x-1", "42"} {
		for _, n := range []string{MirrorQueue(x), ShovelName(x), FanoutName(x, "order.#"), FanoutName(x, "")} {
			if base, ok := tap.BaseOf(n); ok {
				t.Errorf("tap.BaseOf(%q) = %q: the tracer's sweep would delete it", n, base)
			}
		}
	}
}

func TestShovelDestURIHidesNothingButIsNeverPrinted(t *testing.T) {
	ep, err := broker.ResolveEndpoint("amqp://writer:s3cr%40t@mirror:5673/", "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	uri, err := shovelDestURI(ep, "")
	if err != nil {
		t.Fatal(err)
	}
	if uri != "amqp://writer:s3cr%40t@mirror:5673/%2F" {
		t.Errorf("dest URI %q", uri)
	}
	if r := Redact(uri); strings.Contains(r, "s3cr") {
		t.Errorf("Redact kept the password: %q", r)
	}
	uri, err = shovelDestURI(ep, "amqp://mirror.internal:5672")
	if err != nil {
		t.Fatal(err)
	}
	if uri != "amqp://writer:s3cr%40t@mirror.internal:5672/%2F" {
		t.Errorf("dest URI with shovel_url %q", uri)
	}
	if got := redactReason("failed amqp://writer:s3cr@t@mirror", uri); strings.Contains(got, "s3cr@t") {
		t.Errorf("reason kept the password: %q", got)
	}
}

func TestResolveHistory(t *testing.T) {
	c := Config{Defaults: Limits{History: "24h"}, Exchanges: []Exchange{
		{Name: "a"},
		{Name: "b", Limits: Limits{History: "90m", HistoryBytes: "5GiB", HistoryReplicas: 3}},
		{Name: "c", Limits: Limits{HistoryBytes: "2MiB"}},
	}}
	xs, err := c.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if xs[0].HistoryAge != 24*time.Hour || xs[0].HistoryBytes != 0 || !xs[0].History() {
		t.Errorf("a: %+v", xs[0])
	}
	b := historyArgs(xs[1])
	want := map[string]any{"x-queue-type": "stream", "x-max-age": "90m", "x-max-length-bytes": int64(5 << 30),
		"x-stream-max-segment-size-bytes": int64(500_000_000), "x-initial-cluster-size": 3}
	if !sameJSON(b, want) {
		t.Errorf("b's stream arguments %v, want %v", b, want)
	}
	// c has a day of age from the defaults and a small bound, hence
	// small segments.
	if a := historyArgs(xs[2]); a["x-stream-max-segment-size-bytes"] != int64(256<<10) || a["x-max-age"] != "1D" {
		t.Errorf("c's stream arguments %v", a)
	}
	if d := describeHistory(historyArgs(xs[1])); d != "stream, keeps 90m / 5GiB, on 3 node(s)" {
		t.Errorf("described as %q", d)
	}
	if historyArgs(Resolved{})["x-max-age"] != nil || (Resolved{}).History() {
		t.Error("no history asked, yet some made")
	}
}

func TestResolveHistoryRejects(t *testing.T) {
	for name, l := range map[string]Limits{
		"age":              {History: "forever"},
		"age too short":    {History: "500ms"},
		"size":             {HistoryBytes: "big"},
		"size too small":   {HistoryBytes: "64KiB"},
		"replicas alone":   {HistoryReplicas: 3},
		"replicas below 1": {History: "1h", HistoryReplicas: -1},
	} {
		c := Config{Exchanges: []Exchange{{Name: "e", Limits: l}}}
		if _, err := c.resolve(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMaxAgeArg(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "1D", 7 * 24 * time.Hour: "7D", 36 * time.Hour: "36h", 90 * time.Minute: "90m",
		time.Minute + 30*time.Second: "90s", 1500 * time.Millisecond: "2s",
	} {
		if got := maxAgeArg(d); got != want {
			t.Errorf("maxAgeArg(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHistoryStreamIsNotATapName(t *testing.T) {
	for _, x := range []string{"orders", "a-tap", "x-1"} {
		if base, ok := tap.BaseOf(HistoryStream(x)); ok {
			t.Errorf("tap.BaseOf(%q) = %q: the tracer's sweep would delete it", HistoryStream(x), base)
		}
	}
}

// The set-up file's keys are spelt like the flags and the environments
// file (cert-key); the old underscore spelling is still read, and named so
// that the command can say it is deprecated.
func TestLoadConfigOldSpelling(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"old.yaml": "production: {url: amqp://p/, cert_key: k.pem}\nreconnect_delay: 7\nexchanges:\n  - {name: orders, max_length: 5}\n",
		"old.json": `{"production": {"url": "amqp://p/", "cert_key": "k.pem"}, "reconnect_delay": 7, "exchanges": [{"name": "orders", "max_length": 5}]}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Production.CertKey != "k.pem" || cfg.ReconnectDelay != 7 || cfg.Exchanges[0].MaxLength != 5 {
			t.Errorf("%s: %+v", name, cfg)
		}
		slices.Sort(cfg.Deprecated)
		if !slices.Equal(cfg.Deprecated, []string{"cert_key", "max_length", "reconnect_delay"}) {
			t.Errorf("%s: deprecated %v", name, cfg.Deprecated)
		}
	}
	cfg, err := LoadConfig("testdata/mirror.yaml")
	if err != nil || len(cfg.Deprecated) != 0 {
		t.Errorf("the example: deprecated %v, %v", cfg.Deprecated, err)
	}
}
