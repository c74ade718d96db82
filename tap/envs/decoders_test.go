package envs

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

func TestDecodersSection(t *testing.T) {
	path := write(t, `
environments:
  local:
    url: amqp://localhost/
decoders:
  proto:
    files: [schemas/proto, /abs/other.proto]
    import-paths: [schemas/proto]
    descriptor-sets: [shop.binpb]
    types:
      - routing-key: "orders.*"
        type: shop.v1.Order
      - exchange: billing
        header: kind=invoice
        type: shop.v1.Invoice
    trial: true
  avro:
    schemas: [schemas/avro]
    types:
      - exchange: payments
        type: shop.v1.Payment
  hooks:
    - name: legacy
      command: [hooks/legacy.py, --strict]
      content-types: [application/x-legacy]
      timeout: 500ms
      max-body: 65536
    - command: [python3, -u, x.py]
      filter: "exchange:audit"
`, 0o644)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := formats.Config{
		Proto: formats.ProtoConfig{
			Files:          []string{filepath.Join(dir, "schemas/proto"), "/abs/other.proto"},
			ImportPaths:    []string{filepath.Join(dir, "schemas/proto")},
			DescriptorSets: []string{filepath.Join(dir, "shop.binpb")},
			Types: []formats.Rule{
				{RoutingKey: "orders.*", Type: "shop.v1.Order"},
				{Exchange: "billing", Header: "kind=invoice", Type: "shop.v1.Invoice"},
			},
			Trial: true,
		},
		Avro: formats.AvroConfig{Schemas: []string{filepath.Join(dir, "schemas/avro")}, Types: []formats.Rule{{Exchange: "payments", Type: "shop.v1.Payment"}}},
		Hooks: []formats.HookConfig{
			{Name: "legacy", Command: []string{filepath.Join(dir, "hooks/legacy.py"), "--strict"}, ContentTypes: []string{"application/x-legacy"}, Timeout: 500 * time.Millisecond, MaxBody: 65536},
			{Command: []string{"python3", "-u", "x.py"}, Filter: "exchange:audit"},
		},
	}
	if !reflect.DeepEqual(f.Decoders, want) {
		t.Errorf("decoders:\n got %+v\nwant %+v", f.Decoders, want)
	}
	if len(f.Environments) != 1 {
		t.Errorf("environments %v", f.Names())
	}
}

func TestDecodersSectionErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"decoders:\n  proto:\n    file: [a.proto]\n", "field file not found"},
		{"decoders:\n  proto:\n    types:\n      - routing-key: a\n", "decoders: proto types[0]: no type"},
		{"decoders:\n  hooks:\n    - name: x\n      command: [a]\n", "hook x: bound to no message"},
		{"decoders:\n  hooks:\n    - command: [a]\n      content-types: [a/b]\n      timeout: soon\n", "soon"},
	} {
		_, err := Load(write(t, c.text, 0o644))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
