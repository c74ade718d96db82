package load

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// TestLoadAll loads one configuration of every kind, written as in the
// environments file, and decodes a message with each.
func TestLoadAll(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir, _ := filepath.Abs("../..")
	src := `
proto:
  descriptor-sets: [` + dir + `/protodec/testdata/shop.binpb]
  types:
    - routing-key: "shipments.#"
      type: shop.v1.Shipment
avro:
  schemas: [` + dir + `/avrodec/testdata/schemas]
  types:
    - exchange: orders-avro
      type: shop.v1.Order
hooks:
  - name: legacy
    command: [python3, ` + dir + `/hook/testdata/legacy.py]
    content-types: [application/x-legacy]
    timeout: 1s
  - name: filtered
    command: [sh, ` + dir + `/hook/testdata/echo.sh]
    filter: "exchange:audit"
`
	var cfg formats.Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	compile := func(expr string) (func(decode.Input) bool, error) {
		ex, ok := strings.CutPrefix(expr, "exchange:")
		if !ok {
			t.Fatalf("filter %q", expr)
		}
		return func(in decode.Input) bool { return in.Exchange == ex }, nil
	}
	d, err := Load(context.Background(), cfg, Options{CompileFilter: compile, StartHooks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Loaded) != 4 {
		t.Errorf("loaded %q", d.Loaded)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		in     decode.Input
		format string
	}{
		{decode.Input{RoutingKey: "shipments.eu", Body: read("protodec/testdata/shipment.bin")}, "protobuf"},
		{decode.Input{Exchange: "orders-avro", Body: read("avrodec/testdata/order.bin")}, "avro"},
		{decode.Input{Body: read("avrodec/testdata/money.single.bin")}, "avro"},
		{decode.Input{ContentType: "application/x-legacy", Body: []byte("LEGACY|a=1")}, "legacy"},
		{decode.Input{Exchange: "audit", Body: []byte("x")}, "hook/filtered"},
		{decode.Input{Body: []byte(`{"a": 1}`)}, "json"},
	} {
		if r := d.Decoder.Summarize(c.in); r.Format != c.format {
			t.Errorf("%+v: format %q, want %q (notes %q)", c.in.RoutingKey+c.in.Exchange, r.Format, c.format, r.Notes)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  formats.Config
		want string
	}{
		{formats.Config{Proto: formats.ProtoConfig{Files: []string{"/nonexistent.proto"}}}, "nonexistent.proto"},
		{formats.Config{Proto: formats.ProtoConfig{Types: []formats.Rule{{Type: "a.B"}}}}, "no .proto file"},
		{formats.Config{Avro: formats.AvroConfig{Schemas: []string{"/nonexistent.avsc"}}}, "nonexistent.avsc"},
		{formats.Config{Hooks: []formats.HookConfig{{Name: "x", Command: []string{"/nonexistent/hook"}, ContentTypes: []string{"a/b"}}}}, "cannot start"},
		{formats.Config{Hooks: []formats.HookConfig{{Name: "x", Command: []string{"sh"}, Filter: "rk:a"}}}, "filters cannot be compiled"},
	} {
		_, err := Load(context.Background(), c.cfg, Options{StartHooks: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
