package protodec

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"google.golang.org/protobuf/encoding/protowire"
)

// The fixtures in testdata were made by gen.sh with Debian's protoc and
// python3-protobuf.

func load(t testing.TB, src Sources) *Registry {
	t.Helper()
	reg, err := Load(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newDecoder(t testing.TB, reg *Registry, cfg formats.ProtoConfig) *decode.Decoder {
	t.Helper()
	d, err := New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewDecoder(d)
}

// TestOrderMatchesPython decodes the order (nested messages, repeated,
// map, oneof, enum, Timestamp, Duration, Struct and an Any) with schemas
// from .proto sources and from protoc's descriptor set, and compares the
// JSON with what python3-protobuf made of the same message.
func TestOrderMatchesPython(t *testing.T) {
	var want map[string]any
	if err := json.Unmarshal(fixture(t, "order.json"), &want); err != nil {
		t.Fatal(err)
	}
	want["password"] = "[redacted]"
	for name, src := range map[string]Sources{
		"proto dir":      {Protos: []string{"testdata/protos"}},
		"proto file":     {Protos: []string{"testdata/protos/shop/v1/shop.proto"}, ImportPaths: []string{"testdata/protos"}},
		"descriptor set": {DescriptorSets: []string{"testdata/shop.binpb"}},
	} {
		t.Run(name, func(t *testing.T) {
			reg := load(t, src)
			d := newDecoder(t, reg, formats.ProtoConfig{})
			res := d.Decode(decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: fixture(t, "order.bin")})
			if res.Format != "protobuf" {
				t.Fatalf("format %q, notes %q", res.Format, res.Notes)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(res.Body.Text), &got); err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, res.Body.Text)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%s\nwant (python3-protobuf)\n%s", res.Body.Text, fixture(t, "order.json"))
			}
			if strings.Contains(res.Summary, "hunter2") || strings.Contains(res.Body.Text, "hunter2") {
				t.Errorf("password shown: %q", res.Summary)
			}
			for k, v := range map[string]string{"type": "shop.v1.Order", "proto.order_id": "42", "proto.customer.name": "Ada", "proto.status": "STATUS_PLACED", "proto.labels.region": "eu"} {
				if res.Terms[k] != v {
					t.Errorf("term %s = %q, want %q (terms %v)", k, res.Terms[k], v, res.Terms)
				}
			}
			if _, ok := res.Terms["proto.password"]; ok {
				t.Error("password became a filter term")
			}
			if !strings.HasPrefix(res.Summary, `Order {"order_id":`) {
				t.Errorf("summary %q", res.Summary)
			}
		})
	}
}

func fieldOf(r decode.Result, name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestTypeSources checks where the type comes from, in order of
// precedence, and that each says so.
func TestTypeSources(t *testing.T) {
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	rules, err := formats.ParseRules([]string{"shipments.#=shop.v1.Shipment", "exchange:orders=shop.v1.Order", "header:kind=voucher=shop.v1.Order"})
	if err != nil {
		t.Fatal(err)
	}
	d := newDecoder(t, reg, formats.ProtoConfig{Types: rules})
	ship := fixture(t, "shipment.bin")
	for _, c := range []struct {
		name     string
		in       decode.Input
		typ      string
		from     string
		wantNote string
	}{
		{"messageType parameter", decode.Input{ContentType: "application/protobuf; messageType=shop.v1.Shipment"}, "shop.v1.Shipment", "content type's messagetype parameter", ""},
		{"type header", decode.Input{Headers: map[string]any{"proto-type": "shop.v1.Shipment"}}, "shop.v1.Shipment", "header proto-type", ""},
		{"AMQP type", decode.Input{Type: "shop.v1.Shipment"}, "shop.v1.Shipment", "AMQP type property", ""},
		{"type URL", decode.Input{Type: "type.googleapis.com/shop.v1.Shipment"}, "shop.v1.Shipment", "AMQP type property", ""},
		{"routing key", decode.Input{RoutingKey: "shipments.eu.new"}, "shop.v1.Shipment", "mapping for routing key shipments.#", ""},
		{"exchange", decode.Input{Exchange: "orders"}, "shop.v1.Order", "mapping for exchange orders", ""},
		{"header", decode.Input{Headers: map[string]any{"kind": []byte("voucher")}}, "shop.v1.Order", "mapping for header kind=voucher", ""},
		{"unknown named type", decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Nope"}, "shop.v1.Nope", "content type's proto parameter", "not in the loaded schemas"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.Body = ship
			res := d.Decode(c.in)
			if res.Format != "protobuf" || fieldOf(res, "Type") != c.typ || fieldOf(res, "Type from") != c.from {
				t.Errorf("format %q type %q from %q, want %s from %q; notes %q", res.Format, fieldOf(res, "Type"), fieldOf(res, "Type from"), c.typ, c.from, res.Notes)
			}
			if c.wantNote != "" && !strings.Contains(strings.Join(res.Notes, "\n"), c.wantNote) {
				t.Errorf("notes %q, want one with %q", res.Notes, c.wantNote)
			}
		})
	}
	// An AMQP type the schemas do not know is somebody else's: not claimed.
	if res := d.Decode(decode.Input{Type: "order.created", Body: []byte(`{"a":1}`)}); res.Format != "json" {
		t.Errorf("unknown AMQP type claimed: %q", res.Format)
	}
	// No rule, no type: built-in decoders as before.
	if res := d.Decode(decode.Input{RoutingKey: "other", Body: ship}); res.Format != "binary" {
		t.Errorf("unmapped message: format %q", res.Format)
	}
}

func TestWrongTypeSaysWhy(t *testing.T) {
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	d := newDecoder(t, reg, formats.ProtoConfig{})
	for name, body := range map[string][]byte{
		"truncated": fixture(t, "order.bin")[:50],
		"garbage":   []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
		"too deep":  fixture(t, "deep.bin"),
	} {
		res := d.Decode(decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: body})
		if name == "too deep" {
			res = d.Decode(decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Node", Body: body})
		}
		if res.Format != "protobuf" || !strings.Contains(strings.Join(res.Notes, "\n"), "does not parse as shop.v1.") {
			t.Errorf("%s: format %q notes %q", name, res.Format, res.Notes)
		}
		if res.Body.Kind != decode.BodyHex {
			t.Errorf("%s: body kind %v, want the hex dump", name, res.Body.Kind)
		}
	}
}

func TestTrial(t *testing.T) {
	reg := load(t, Sources{Protos: []string{"testdata/protos"}})
	in := decode.Input{ContentType: "application/x-protobuf", Body: fixture(t, "order.bin")}
	res := newDecoder(t, reg, formats.ProtoConfig{Trial: true}).Decode(in)
	if res.Format != "protobuf?" || fieldOf(res, "Type") != "shop.v1.Order" || !strings.HasPrefix(res.Summary, "(trial) ") {
		t.Errorf("trial: format %q type %q summary %q notes %q", res.Format, fieldOf(res, "Type"), res.Summary, res.Notes)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "decoded by trial") {
		t.Errorf("trial not labelled: %q", res.Notes)
	}
	res = newDecoder(t, reg, formats.ProtoConfig{}).Decode(in)
	if res.Format != "protobuf" || fieldOf(res, "Type") != "" || !strings.Contains(strings.Join(res.Notes, "\n"), "no type is named") {
		t.Errorf("no trial: format %q notes %q", res.Format, res.Notes)
	}
}

func TestBadSchemas(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.proto")
	os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage A { int32 x = 1\n}\n"), 0o644)
	missing := filepath.Join(dir, "imp.proto")
	os.WriteFile(missing, []byte("syntax = \"proto3\";\nimport \"nowhere/x.proto\";\nmessage B {}\n"), 0o644)
	notSet := filepath.Join(dir, "set.binpb")
	os.WriteFile(notSet, []byte("this is not a descriptor set"), 0o644)
	for _, c := range []struct {
		src  Sources
		want string
	}{
		{Sources{Protos: []string{bad}}, "bad.proto:3:1"},
		{Sources{Protos: []string{missing}}, "nowhere/x.proto"},
		{Sources{Protos: []string{filepath.Join(dir, "absent.proto")}}, "no such file"},
		{Sources{DescriptorSets: []string{notSet}}, "not a FileDescriptorSet"},
		{Sources{Protos: []string{"testdata/protos"}, DescriptorSets: []string{"testdata/shop.binpb"}}, ""},
	} {
		_, err := Load(context.Background(), c.src)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.src, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one with %q", c.src, err, c.want)
		}
	}
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	if _, err := New(reg, formats.ProtoConfig{Types: []formats.Rule{{RoutingKey: "#", Type: "Order"}}}); err == nil || !strings.Contains(err.Error(), "shop.v1.Order") {
		t.Errorf("mapping to a short name: %v", err)
	}
}

// scanAgrees checks that the decoding stage's result (Summarize, from the
// scan) says what the library's decode (Decode) says: the same format,
// fields (type, schema, unknown fields) and filter terms, and the same
// notes, but for what only protojson finds (part of the message not
// shown as JSON), which the scan notes only for an Any of a type not
// loaded.
// With sameSummary, the summaries must be the same too: they part only
// where the wire holds a field twice (a later value replaces an earlier
// one, a oneof's member another), which the summary shows as it comes.
func scanAgrees(t *testing.T, d *decode.Decoder, in decode.Input, sameSummary bool) {
	t.Helper()
	s, f := d.Summarize(in), d.Decode(in)
	if s.Format != f.Format || !reflect.DeepEqual(s.Fields, f.Fields) {
		t.Errorf("summarize: format %q fields %v notes %q\ndecode:    format %q fields %v notes %q", s.Format, s.Fields, s.Notes, f.Format, f.Fields, f.Notes)
	}
	if len(f.Terms) <= maxTerms && !reflect.DeepEqual(s.Terms, f.Terms) {
		t.Errorf("summarize terms %v\ndecode terms    %v", s.Terms, f.Terms)
	}
	if sn, fn := notesBut(s.Notes), notesBut(f.Notes); !reflect.DeepEqual(sn, fn) {
		t.Errorf("summarize notes %q\ndecode notes    %q", s.Notes, f.Notes)
	}
	if sameSummary && s.Summary != f.Summary {
		t.Errorf("summarize summary %s\ndecode summary    %s", s.Summary, f.Summary)
	}
}

func notesBut(notes []string) []string {
	var out []string
	for _, n := range notes {
		if !strings.HasPrefix(n, "part of the message could not be shown as JSON") {
			out = append(out, n)
		}
	}
	return out
}

// TestScanAgrees holds the decoding stage's scan to the library's decode
// on the fixtures and on bodies made to find where they could part:
// unknown fields, a known field with another wire type, packed and
// unpacked lists, zeros, a oneof set twice, invalid UTF-8, a map entry
// without its key, forged lengths, nesting at the recursion limit.
func TestScanAgrees(t *testing.T) {
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	d := newDecoder(t, reg, formats.ProtoConfig{})
	order := fixture(t, "order.bin")
	deep := []byte{0x10, 0x07}
	for i := 1; i < 70; i++ {
		deep = protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), deep)
		if i >= 62 {
			c := decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Node", Body: deep}
			t.Run("node depth "+strconv.Itoa(i), func(t *testing.T) { scanAgrees(t, d, c, true) })
		}
	}
	// Well-known types early in an order, where the summary shows them.
	ts := protowire.AppendTag(nil, 1, protowire.VarintType)
	ts = protowire.AppendVarint(ts, 1714564805)
	wkt := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 7)
	wkt = protowire.AppendBytes(protowire.AppendTag(wkt, 7, protowire.BytesType), ts)
	wkt = protowire.AppendBytes(protowire.AppendTag(wkt, 8, protowire.BytesType), []byte{0x08, 0x5a, 0x10, 0x01})
	wkt = protowire.AppendBytes(protowire.AppendTag(wkt, 10, protowire.BytesType), []byte("\x0a\x0c\x0a\x01a\x12\x07\x1a\x05hello"))
	twice := map[string]bool{"id then zero": true, "map key twice": true, "oneof twice": true, "oneof back": true}
	for name, c := range map[string]struct{ typ, body string }{
		"well-known types": {"shop.v1.Order", string(wkt)},
		"long voucher":     {"shop.v1.Order", string(protowire.AppendString(protowire.AppendTag(nil, 6, protowire.BytesType), strings.Repeat("ü\"x", 400)))},
		"order":            {"shop.v1.Order", string(order)},
		"voucher":          {"shop.v1.Order", string(fixture(t, "order_voucher.bin"))},
		"shipment":         {"shop.v1.Shipment", string(fixture(t, "shipment.bin"))},
		"order + unknown":  {"shop.v1.Order", string(order) + "\xa8\x06\x05"},
		"unknown group":    {"shop.v1.Order", "\xab\x06\x08\x01\xac\x06"},
		"wrong wire type":  {"shop.v1.Order", "\x0d\x01\x00\x00\x00\x12\x03\x0a\x01A"},
		"zero id":          {"shop.v1.Order", "\x08\x00\x12\x03\x0a\x01A"},
		"id then zero":     {"shop.v1.Order", "\x08\x05\x08\x00"},
		"oneof twice":      {"shop.v1.Order", "\x2a\x06\x0a\x044242\x32\x02V1"},
		"oneof back":       {"shop.v1.Order", "\x32\x02V1\x2a\x06\x0a\x044242"},
		"bad utf-8":        {"shop.v1.Order", "\x62\x02\xff\xfe"},
		"map without key":  {"shop.v1.Order", "\x22\x03\x12\x01x"},
		"map key twice":    {"shop.v1.Order", "\x22\x06\x0a\x01a\x0a\x01b\x22\x06\x0a\x01b\x12\x01y"},
		"map key, bad key": {"shop.v1.Order", "\\x22\\x09\\x0a\\x01a\\x0d\\x01\\x02\\x03\\x04"},
		"map unknown":      {"shop.v1.Order", "\x22\x08\x0a\x01k\x18\x05\x12\x01v"},
		"map wrong type":   {"shop.v1.Order", "\x25\x01\x00\x00\x00"},
		"packed quantity":  {"shop.v1.Order", "\x1a\x04\x12\x02\x01\x02"},
		"truncated":        {"shop.v1.Order", string(order[:50])},
		"forged length":    {"shop.v1.Order", "\x12\xff\xff\xff\xff\x0f\x01"},
		"field zero":       {"shop.v1.Order", "\x00\x01"},
		"end group":        {"shop.v1.Order", "\x0c"},
		"struct":           {"google.protobuf.Struct", "\x0a\x0c\x0a\x01a\x12\x07\x08\x00\x10\x00\x18\x00"},
		"struct no key":    {"google.protobuf.Struct", "\x0a\x04\x12\x02\x20\x01"},
		"any unknown type": {"shop.v1.Order", "\x4a\x13\x0a\x11type.example/x.Y\x12\x00"},
		"empty":            {"shop.v1.Order", ""},
	} {
		t.Run(name, func(t *testing.T) {
			scanAgrees(t, d, decode.Input{ContentType: "application/x-protobuf; proto=" + c.typ, Body: []byte(c.body)}, !twice[name])
		})
	}
}

// TestSummarizeConcurrent: the decoding stage's workers share one decoder
// (its plans, its pooled buffers); run with -race.
func TestSummarizeConcurrent(t *testing.T) {
	reg := load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}})
	d := newDecoder(t, reg, formats.ProtoConfig{})
	ins := []decode.Input{
		{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: fixture(t, "order.bin")},
		{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: fixture(t, "order_voucher.bin")},
		{ContentType: "application/x-protobuf; proto=shop.v1.Shipment", Body: fixture(t, "shipment.bin")},
	}
	var want []decode.Result
	for _, in := range ins {
		want = append(want, d.Summarize(in))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				k := (g + i) % len(ins)
				if got := d.Summarize(ins[k]); !reflect.DeepEqual(got, want[k]) {
					t.Errorf("message %d: %+v, want %+v", k, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}
