package protodec

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// TestForgedLengths: lengths that claim more than the body holds, deep
// nesting and a 1 MiB body of tiny fields stay within time and memory.
func TestForgedLengths(t *testing.T) {
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	p, err := New(reg, formats.ProtoConfig{Trial: true})
	if err != nil {
		t.Fatal(err)
	}
	d := decode.NewDecoder(p)
	nested := []byte{}
	for i := 0; i < 100000; i++ { // Node.child, 100000 deep, lengths forged
		nested = append(nested, 0x0a, 0xff, 0xff, 0xff, 0x7f)
	}
	many := make([]byte, 0, 1<<20)
	for len(many) < 1<<20-4 { // Order.lines, each empty: 500k list items
		many = append(many, 0x1a, 0x00)
	}
	for name, c := range map[string]struct {
		ct   string
		body []byte
		ok   bool
	}{
		"huge length":  {"application/x-protobuf; proto=shop.v1.Order", []byte{0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01}, false},
		"deep":         {"application/x-protobuf; proto=shop.v1.Node", nested, false},
		"many lines":   {"application/x-protobuf; proto=shop.v1.Order", many[:1<<20-8], false},
		"lines within": {"application/x-protobuf; proto=shop.v1.Order", many[:2*maxFields], true},
		"trial big":    {"application/x-protobuf", many[:2*maxFields-2], true},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		r := d.Summarize(decode.Input{ContentType: c.ct, Body: c.body})
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: allocated %d bytes for %d", name, alloc, len(c.body))
		}
		if took > 20*time.Second {
			t.Errorf("%s: took %s", name, took)
		}
		t.Logf("%s: %d bytes allocated, %s", name, after.TotalAlloc-before.TotalAlloc, took)
		parsed := !strings.Contains(strings.Join(r.Notes, "\n"), "does not parse") && !strings.Contains(strings.Join(r.Notes, "\n"), "none of the")
		if parsed != c.ok || !strings.HasPrefix(r.Format, "protobuf") {
			t.Errorf("%s: format %q notes %q", name, r.Format, r.Notes)
		}
		if len(r.Body.Text) > 1<<20 {
			t.Errorf("%s: body text %d bytes", name, len(r.Body.Text))
		}
	}
}
