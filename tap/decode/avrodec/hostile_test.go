package avrodec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// decodeBounded decodes in and fails when it allocates or takes more than
// the bounds.
func decodeBounded(t *testing.T, d *decode.Decoder, in decode.Input, maxAlloc uint64, maxTime time.Duration) decode.Result {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := d.Decode(in)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
		t.Errorf("allocated %d bytes for a %d-byte body", alloc, len(in.Body))
	}
	if took > maxTime {
		t.Errorf("took %s", took)
	}
	return r
}

// TestForgedCounts: block counts and lengths that claim far more than
// the body holds are refused without allocating what they claim.
func TestForgedCounts(t *testing.T) {
	d := newDecoder(t, formats.AvroConfig{Types: []formats.Rule{{RoutingKey: "o", Type: "shop.v1.Order"}}})
	zigzag := func(n uint64) []byte { // Avro long: zigzag varint
		v := n << 1
		var b []byte
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		return append(b, byte(v))
	}
	head := append([]byte{0x54}, zigzag(3)...) // order_id 42, customer name "abc"…
	head = append(head, 'a', 'b', 'c', 0)      // …email null
	for name, body := range map[string][]byte{
		"array count": append(append([]byte(nil), head...), zigzag(1<<40)...),
		"string size": append(append([]byte(nil), head[:1]...), zigzag(1<<40)...),
		"map count":   append(append(append([]byte(nil), head...), 0), zigzag(1<<35)...),
	} {
		r := decodeBounded(t, d, decode.Input{RoutingKey: "o", Body: body}, 32<<20, 5*time.Second)
		if !strings.Contains(strings.Join(r.Notes, "\n"), "does not parse") {
			t.Errorf("%s: notes %q", name, r.Notes)
		}
	}
}

// TestZeroWidthValues: arrays of arrays of null take no body bytes per
// element; the value budget refuses them before the decoder runs.
func TestZeroWidthValues(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "n.avsc"), []byte(`{"type":"record","name":"N","fields":[{"name":"a","type":{"type":"array","items":{"type":"array","items":"null"}}}]}`), 0o644)
	reg, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(reg, formats.AvroConfig{Types: []formats.Rule{{Type: "N"}}})
	if err != nil {
		t.Fatal(err)
	}
	d := decode.NewDecoder(p)
	long := func(n int64) []byte { // zigzag varint
		u := uint64(n<<1) ^ uint64(n>>63)
		var b []byte
		for u >= 0x80 {
			b = append(b, byte(u)|0x80)
			u >>= 7
		}
		return append(b, byte(u))
	}
	// 1000 outer elements, each a block of a million nulls.
	body := long(1000)
	for i := 0; i < 1000; i++ {
		body = append(append(body, long(1<<20)...), 0)
	}
	body = append(body, 0)
	r := decodeBounded(t, d, decode.Input{Body: body}, 8<<20, 2*time.Second)
	if !strings.Contains(strings.Join(r.Notes, "\n"), "more than 100000 values") {
		t.Errorf("notes %q", r.Notes)
	}
	// Within the budget it decodes.
	small := append(append(append(long(2), long(3)...), 0), append(long(1), 0)...)
	small = append(small, 0)
	if r := d.Decode(decode.Input{Body: small}); r.Format != "avro" || len(r.Notes) != 0 || !strings.Contains(r.Body.Text, "null") {
		t.Errorf("small: %q %q", r.Notes, r.Body.Text)
	}
}

// TestSelfRecursiveRecord: a record that holds itself without a null
// branch encodes in no bytes at all; it is refused, not recursed into.
func TestSelfRecursiveRecord(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "l.avsc"), []byte(`{"type":"record","name":"L","fields":[{"name":"next","type":"L"}]}`), 0o644)
	reg, err := Load([]string{dir})
	if err != nil {
		t.Skipf("hamba/avro refuses the schema: %v", err)
	}
	p, err := New(reg, formats.AvroConfig{Types: []formats.Rule{{Type: "L"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := decodeBounded(t, decode.NewDecoder(p), decode.Input{Body: []byte{0}}, 8<<20, 2*time.Second)
	if !strings.Contains(strings.Join(r.Notes, "\n"), "nested too deep") {
		t.Errorf("notes %q", r.Notes)
	}
}
