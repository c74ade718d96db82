package avrodec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// The fixtures in testdata were made by gen.sh with Debian's python3-avro.

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newDecoder(t testing.TB, cfg formats.AvroConfig) *decode.Decoder {
	t.Helper()
	reg, err := Load([]string{"testdata/schemas"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewDecoder(d)
}

func fieldOf(r decode.Result, name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestFingerprintsMatchPython checks the CRC-64-AVRO fingerprints against
// those python3-avro's canonical form gave with the spec's algorithm.
func TestFingerprintsMatchPython(t *testing.T) {
	reg, err := Load([]string{"testdata/schemas"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(fixture(t, "fingerprints.txt"))), "\n") {
		name, want, _ := strings.Cut(line, " ")
		sc, ok := reg.byName[name]
		if !ok {
			t.Errorf("%s not loaded", name)
			continue
		}
		got, err := specFingerprint(sc.s.String())
		if err != nil || fmt.Sprintf("%016x", got) != want {
			t.Errorf("%s: fingerprint %016x (%v), python3-avro %s", name, got, err, want)
		}
	}
	if !reg.byName["shop.v1.Node"].recursive || reg.byName["shop.v1.Order"].recursive {
		t.Error("recursion not told apart")
	}
}

func TestOrderMatchesPython(t *testing.T) {
	var want map[string]any
	if err := json.Unmarshal(fixture(t, "order.json"), &want); err != nil {
		t.Fatal(err)
	}
	want["password"] = "[redacted]"
	d := newDecoder(t, formats.AvroConfig{Types: []formats.Rule{{RoutingKey: "orders.#", Type: "shop.v1.Order"}}})
	for name, c := range map[string]struct {
		in   decode.Input
		from string
	}{
		"single object": {decode.Input{Body: fixture(t, "order.single.bin")}, "single-object fingerprint ea5d0b27bd1df0a5"},
		"mapping":       {decode.Input{RoutingKey: "orders.eu.new", Body: fixture(t, "order.bin")}, "mapping for routing key orders.#"},
	} {
		t.Run(name, func(t *testing.T) {
			res := d.Decode(c.in)
			if res.Format != "avro" || fieldOf(res, "Type") != "shop.v1.Order" || fieldOf(res, "Type from") != c.from {
				t.Fatalf("format %q type %q from %q notes %q", res.Format, fieldOf(res, "Type"), fieldOf(res, "Type from"), res.Notes)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(res.Body.Text), &got); err != nil {
				t.Fatalf("body: %v\n%s", err, res.Body.Text)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%s\nwant (python3-avro)\n%s", res.Body.Text, fixture(t, "order.json"))
			}
			for k, v := range map[string]string{"type": "shop.v1.Order", "avro.order_id": "42", "avro.customer.name": "Ada", "avro.status": "PLACED"} {
				if res.Terms[k] != v {
					t.Errorf("term %s = %q, want %q (%v)", k, res.Terms[k], v, res.Terms)
				}
			}
			if strings.Contains(res.Summary+res.Body.Text, "hunter2") {
				t.Error("password shown")
			}
		})
	}
}

func TestAvroSaysWhy(t *testing.T) {
	d := newDecoder(t, formats.AvroConfig{Types: []formats.Rule{{RoutingKey: "orders.#", Type: "shop.v1.Order"}, {RoutingKey: "nodes", Type: "shop.v1.Node"}, {RoutingKey: "money", Type: "shop.v1.Money"}}})
	unknownFP := append([]byte{0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}, fixture(t, "order.bin")...)
	for _, c := range []struct {
		name string
		in   decode.Input
		note string
	}{
		{"truncated", decode.Input{RoutingKey: "orders.x", Body: fixture(t, "order.bin")[:20]}, "does not parse as shop.v1.Order"},
		{"unknown fingerprint", decode.Input{ContentType: "avro/binary", Body: unknownFP}, "no loaded schema has"},
		{"no schema", decode.Input{ContentType: "application/avro", Body: fixture(t, "order.bin")}, "no schema is named"},
		{"trailing bytes", decode.Input{RoutingKey: "money", Body: fixture(t, "order.bin")}, "were not decoded"},
		{"huge length", decode.Input{RoutingKey: "orders.x", Body: []byte{0x54, 0xfe, 0xff, 0xff, 0xff, 0x0f}}, "does not parse"},
	} {
		res := d.Decode(c.in)
		if res.Format != "avro" || !strings.Contains(strings.Join(res.Notes, "\n"), c.note) {
			t.Errorf("%s: format %q notes %q", c.name, res.Format, res.Notes)
		}
	}
	// Deep nesting within the bound decodes; the recursive schema's body
	// bound refuses larger ones.
	if res := d.Decode(decode.Input{RoutingKey: "nodes", Body: fixture(t, "deep.bin")}); res.Format != "avro" || len(res.Notes) != 0 {
		t.Errorf("deep: %q %q", res.Format, res.Notes)
	}
	big := make([]byte, maxRecursiveBody+1)
	if res := d.Decode(decode.Input{RoutingKey: "nodes", Body: big}); !strings.Contains(strings.Join(res.Notes, "\n"), "recursive") {
		t.Errorf("big recursive: %q", res.Notes)
	}
	// Not Avro's: untouched.
	if res := d.Decode(decode.Input{Body: []byte(`{"a":1}`)}); res.Format != "json" {
		t.Errorf("json claimed: %q", res.Format)
	}
}

func TestBadSchemas(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.avsc"), []byte(`{"type": "record", "name": "A", "fields": [{"name": "x", "type": "nope"}]}`), 0o644)
	if _, err := Load([]string{filepath.Join(dir, "bad.avsc")}); err == nil || !strings.Contains(err.Error(), "bad.avsc") {
		t.Errorf("bad schema: %v", err)
	}
	if _, err := Load([]string{filepath.Join(dir, "none.avsc")}); err == nil {
		t.Error("missing file loaded")
	}
	reg, err := Load([]string{"testdata/schemas"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg, formats.AvroConfig{Types: []formats.Rule{{Type: "Order"}}}); err == nil || !strings.Contains(err.Error(), "shop.v1.Order") {
		t.Errorf("short name mapped: %v", err)
	}
}
