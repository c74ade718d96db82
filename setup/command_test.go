package setup

import (
	"reflect"
	"testing"
)

func TestSetupFlagsOverrideTheFile(t *testing.T) {
	f := Flags{config: "testdata/mirror.yaml", url: "amqp://ops@prod:5672/", layout: LayoutFanout, reconnectDelay: 9,
		exchange: "extra", keys: []string{"a.#", "b.#"}, mirrorExchange: "extra-copy", maxLength: 7}
	file, err := LoadConfig(f.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Production.URL != f.url || cfg.Layout != LayoutFanout || cfg.ReconnectDelay != 9 {
		t.Errorf("flags did not win: %+v", cfg)
	}
	if cfg.Mirror != file.Mirror {
		t.Errorf("mirror %+v, want the file's %+v", cfg.Mirror, file.Mirror)
	}
	want := append(file.Exchanges, Exchange{Name: "extra", Keys: []string{"a.#", "b.#"}, MirrorExchange: "extra-copy", Limits: Limits{MaxLength: 7}})
	if !reflect.DeepEqual(cfg.Exchanges, want) {
		t.Errorf("exchanges\n got %+v\nwant %+v", cfg.Exchanges, want)
	}
}

// TestSetupLimitFlagsWithoutExchange set the defaults of every exchange.
func TestSetupLimitFlagsWithoutExchange(t *testing.T) {
	f := Flags{maxLength: 5, maxBytes: "1MiB", overflow: OverflowRejectPublish}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Limits{MaxLength: 5, MaxBytes: "1MiB", Overflow: OverflowRejectPublish}); cfg.Defaults != want {
		t.Errorf("defaults %+v, want %+v", cfg.Defaults, want)
	}
}

func TestSetupHistoryFlags(t *testing.T) {
	f := Flags{exchange: "orders", history: "24h", historyBytes: "5GiB", historyReplicas: 3}
	cfg, err := f.configuration()
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Exchanges[0].Limits; l.History != "24h" || l.HistoryBytes != "5GiB" || l.HistoryReplicas != 3 {
		t.Errorf("history flags on --exchange: %+v", l)
	}
	f = Flags{history: "7d"}
	if cfg, _ = f.configuration(); cfg.Defaults.History != "7d" {
		t.Errorf("--history without --exchange: defaults %+v", cfg.Defaults)
	}
}
