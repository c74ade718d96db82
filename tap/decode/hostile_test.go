package decode

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/internal/testtier"
)

// decodeBounded decodes in and fails the test if the decoder took too
// long or allocated far more than the caps allow.
func decodeBounded(t *testing.T, in Input, maxAlloc uint64, maxTime time.Duration) Result {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := Decode(in)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
		t.Errorf("Decode allocated %s, cap %s", sizeString(int(alloc)), sizeString(int(maxAlloc)))
	}
	if elapsed > maxTime {
		t.Errorf("Decode took %v, cap %v", elapsed, maxTime)
	}
	checkInvariants(t, in, r)
	return r
}

// zeros100MiB compresses 100 MiB of zeros without holding them in memory.
func compressZeros(t *testing.T, n int, newWriter func(*bytes.Buffer) interface {
	Write([]byte) (int, error)
	Close() error
}) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := newWriter(&buf)
	chunk := make([]byte, 1<<20)
	for i := 0; i < n>>20; i++ {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompressionBomb(t *testing.T) {
	testtier.Slow(t, "100 MB decompression bombs")
	zl := compressZeros(t, 100<<20, func(b *bytes.Buffer) interface {
		Write([]byte) (int, error)
		Close() error
	} {
		w, _ := zlib.NewWriterLevel(b, zlib.BestCompression)
		return w
	})
	gz := compressZeros(t, 100<<20, func(b *bytes.Buffer) interface {
		Write([]byte) (int, error)
		Close() error
	} {
		w, _ := gzip.NewWriterLevel(b, gzip.BestCompression)
		return w
	})
	cases := []struct {
		name   string
		header string
		body   []byte
	}{
		{"kombu zlib labelled x-gzip", "application/x-gzip", zl},
		{"real gzip labelled x-gzip", "application/x-gzip", gz},
		{"short name zlib", "zlib", zl},
		{"short name gzip", "gzip", gz},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{ContentType: "application/json", Body: c.body,
				Headers: map[string]any{"compression": c.header, "task": "tasks.bomb", "id": "b0mb"}}
			// The cap is 8 MiB of output; allow buffers growing to it twice
			// plus rendering, far below the 100 MiB of the bomb.
			r := decodeBounded(t, in, 40<<20, 5*time.Second)
			if !hasNote(r, "decompressed size capped") {
				t.Errorf("notes %q lack the cap note", r.Notes)
			}
			if r.Format != "celery" {
				t.Errorf("Format = %q", r.Format)
			}
		})
	}
	t.Run("bzip2 100 MiB of zeros", func(t *testing.T) {
		// 113 bytes made by Python's bz2 module (bzip2 has no writer in Go).
		bz, err := os.ReadFile(filepath.Join(fixtureDir, "bomb", "zeros100m.bz2"))
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Body: bz, Headers: map[string]any{"compression": "application/x-bz2"}}
		r := decodeBounded(t, in, 40<<20, 10*time.Second)
		if !hasNote(r, "decompressed size capped") || r.Format != "binary" {
			t.Errorf("Format %q notes %q", r.Format, r.Notes)
		}
	})
	t.Run("readCapped stops at the limit", func(t *testing.T) {
		out, _, err := decompress("zlib", zl, 1000)
		if err != errCapped || len(out) != 1000 {
			t.Errorf("got %d bytes, %v", len(out), err)
		}
	})
}

func TestDeepNesting(t *testing.T) {
	deep := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
	}
	cases := []struct {
		name string
		in   Input
	}{
		{"json 100k brackets", Input{ContentType: "application/json", Body: deep("[", "]", 100000)}},
		{"json 100k unclosed", Input{Body: []byte(strings.Repeat("[", 100000))}},
		{"json 100k objects", Input{Body: []byte(strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000))}},
		{"json 9000 deep is valid but clipped", Input{Body: deep("[", "]", 9000)}},
		{"celery task body 100k deep", Input{ContentType: "application/json", Headers: map[string]any{"task": "t"},
			Body: deep("[", "]", 100000)}},
		{"celery json 5000 deep args", Input{ContentType: "application/json", Headers: map[string]any{"task": "t"},
			Body: []byte("[" + string(deep("[", "]", 5000)) + ", {}, {}]")}},
		{"msgpack 1M nested arrays", Input{ContentType: "application/x-msgpack", Headers: map[string]any{"task": "t"},
			Body: bytes.Repeat([]byte{0x91}, 1<<20)}},
		{"yaml 100k nested flow", Input{ContentType: "application/x-yaml", Headers: map[string]any{"task": "t"},
			Body: deep("[", "]", 100000)}},
		{"yaml 600 nested block", Input{ContentType: "application/x-yaml", Headers: map[string]any{"task": "t"},
			Body: []byte(strings.Repeat("- ", 600) + "1")}},
		{"oslo envelope deep inner", Input{Body: []byte(`{"oslo.version":"2.0","oslo.message":"` +
			strings.Repeat("[", 50000) + `"}`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			decodeBounded(t, c.in, 64<<20, 5*time.Second)
		})
	}
}

func TestMsgpackForgedLengths(t *testing.T) {
	be32 := func(b byte, n uint32) []byte {
		out := []byte{b, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(out[1:], n)
		return out
	}
	cases := map[string][]byte{
		"array32 4G":          be32(0xdd, 0xffffffff),
		"map32 4G":            be32(0xdf, 0xffffffff),
		"str32 4G":            be32(0xdb, 0xffffffff),
		"bin32 4G":            be32(0xc6, 0xffffffff),
		"ext32 4G":            append(be32(0xc9, 0xffffffff), 1),
		"nested arrays of 4G": bytes.Repeat(be32(0xdd, 0xffffffff), 1000),
		"array16 of arrays":   append([]byte{0xdc, 0xff, 0xff}, bytes.Repeat(be32(0xdd, 1000000), 10000)...),
		"fixarray truncated":  {0x9f, 0x01},
		"invalid type":        {0x92, 0xc1, 0xc1},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeMsgpack(body); err == nil {
				t.Errorf("decodeMsgpack accepted a forged body")
			}
			in := Input{ContentType: "application/x-msgpack", Headers: map[string]any{"task": "tasks.x"}, Body: body}
			r := decodeBounded(t, in, 8<<20, 2*time.Second)
			if r.Format != "celery" || !hasNote(r, "could not decode msgpack") {
				t.Errorf("Format %q notes %q", r.Format, r.Notes)
			}
		})
	}
}

func TestMsgpackValues(t *testing.T) {
	// [[1, "a"], {1: "one", "k": [true, null, 1.5]}, {}] with an int key.
	body := []byte{0x93,
		0x92, 0x01, 0xa1, 'a',
		0x82, 0x01, 0xa3, 'o', 'n', 'e', 0xa1, 'k', 0x93, 0xc3, 0xc0, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
		0x80}
	r := Decode(Input{ContentType: "application/x-msgpack", Headers: map[string]any{"task": "t.x"}, Body: body})
	if want := "t.x(1, 'a', 1='one', k=[True, None, 1.5])"; r.Summary != want {
		t.Errorf("Summary = %q, want %q", r.Summary, want)
	}
}

func TestPickleMatchesPickletools(t *testing.T) {
	for p := 0; p <= 5; p++ {
		name := "p" + strconv.Itoa(p)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(fixtureDir, "pickle", name+".pkl"))
			if err != nil {
				t.Fatal(err)
			}
			ops, err := os.Open(filepath.Join(fixtureDir, "pickle", name+".ops"))
			if err != nil {
				t.Fatal(err)
			}
			defer ops.Close()
			var want []string
			sc := bufio.NewScanner(ops)
			for sc.Scan() {
				want = append(want, sc.Text())
			}
			l := listPickle(data)
			if l.problem != "" {
				t.Errorf("problem: %s", l.problem)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimRight(l.text, "\n"), "\n") {
				f := strings.Fields(line)
				// "offset:", opcode char, NAME, argument…
				off := strings.TrimSuffix(f[0], ":")
				name := f[1]
				if _, known := pickleOpsByName[name]; !known {
					name = f[2]
				}
				got = append(got, off+" "+name)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("opcodes differ from pickletools:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if p >= 2 && l.protocol != p {
				t.Errorf("protocol %d, want %d", l.protocol, p)
			}
			if !strings.Contains(strings.Join(l.globals, ","), "datetime.datetime") {
				t.Errorf("globals %q lack datetime.datetime", l.globals)
			}
		})
	}
}

var pickleOpsByName = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range pickleOps {
		if op.name != "" {
			m[op.name] = true
		}
	}
	return m
}()

func TestPickleForgedLengths(t *testing.T) {
	le32 := func(op byte, n uint32) []byte {
		b := []byte{0x80, 4, op, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(b[3:], n)
		return b
	}
	le64 := func(op byte, n uint64) []byte {
		b := []byte{0x80, 4, op, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint64(b[3:], n)
		return b
	}
	cases := map[string][]byte{
		"BINUNICODE 4G":    le32('X', 0xffffffff),
		"BINBYTES 4G":      le32('B', 0xffffffff),
		"BINSTRING -1":     le32('T', 0xffffffff),
		"LONG4 negative":   le32(0x8b, 0x80000000),
		"BINUNICODE8 2^64": le64(0x8d, ^uint64(0)),
		"BINBYTES8 2^63":   le64(0x8e, 1<<63),
		"BYTEARRAY8 huge":  le64(0x96, 1<<62),
		"FRAME huge":       append(le64(0x95, ^uint64(0)), '.'),
		"line without nl":  append([]byte("c"), bytes.Repeat([]byte("a"), 100000)...),
		"unknown opcode":   {0x80, 4, 0xff},
		"many marks":       bytes.Repeat([]byte{'('}, 200000),
		"truncated arg":    {0x80},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			in := Input{ContentType: "application/x-python-serialize", Body: body,
				Headers: map[string]any{"task": "tasks.p", "argsrepr": "(1,)", "kwargsrepr": "{}"}}
			r := decodeBounded(t, in, 16<<20, 2*time.Second)
			if r.Summary != "tasks.p(1)" {
				t.Errorf("Summary %q", r.Summary)
			}
			if name != "FRAME huge" && !strings.Contains(r.Body.Text, "(stopped:") {
				t.Errorf("body does not say the listing stopped:\n%s", truncate(r.Body.Text, 500))
			}
			if n := strings.Count(r.Body.Text, "\n"); n > maxPickleLines+4 {
				t.Errorf("%d lines", n)
			}
			// Without Celery headers it is a plain pickle.
			in.Headers = nil
			r = decodeBounded(t, in, 16<<20, 2*time.Second)
			if r.Format != "pickle" {
				t.Errorf("Format %q", r.Format)
			}
		})
	}
}

func TestYAMLHostile(t *testing.T) {
	bomb := `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	in := Input{ContentType: "application/x-yaml", Headers: map[string]any{"task": "t.y"}, Body: []byte(bomb)}
	r := decodeBounded(t, in, 64<<20, 5*time.Second)
	if r.Format != "celery" || !hasNote(r, "could not decode yaml") {
		t.Errorf("Format %q notes %q", r.Format, r.Notes)
	}

	tagged := "!!python/tuple [2, 3]\n"
	if _, err := decodeYAML([]byte(tagged)); err != nil {
		t.Errorf("python tuple tag: %v", err)
	}
	body := "- !!python/tuple [2, !custom 3]\n- {when: !!timestamp 2024-05-01T12:00:05Z, obj: !!python/object:x.Y {a: 1}}\n- {}\n"
	r = Decode(Input{ContentType: "application/x-yaml", Headers: map[string]any{"task": "t.y"}, Body: []byte(body)})
	if want := "t.y(2, '3', when='2024-05-01T12:00:05Z', obj={'a': 1})"; r.Summary != want {
		t.Errorf("Summary = %q, want %q", r.Summary, want)
	}
}

func TestHeaderTolerance(t *testing.T) {
	body := []byte(`[[1], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)
	eta := time.Date(2024, 5, 1, 12, 0, 5, 0, time.UTC)
	cases := []struct {
		name    string
		headers map[string]any
		summary string
		fields  map[string]string
	}{
		{"retries int32", map[string]any{"task": "t.a", "retries": int32(3)}, "t.a(1) · retry 3", nil},
		{"retries float64", map[string]any{"task": "t.a", "retries": float64(1)}, "t.a(1) · retry 1", nil},
		{"retries string undefined", map[string]any{"task": "t.a", "retries": "undefined"}, "t.a(1)", nil},
		{"eta time.Time", map[string]any{"task": "t.a", "eta": eta}, "t.a(1) · eta 12:00:05",
			map[string]string{"ETA": "2024-05-01T12:00:05Z"}},
		{"timelimit floats", map[string]any{"task": "t.a", "timelimit": []any{float64(30), 12.5}}, "t.a(1)",
			map[string]string{"Time limit": "soft 12.5s, hard 30s"}},
		{"timelimit int32 and nil", map[string]any{"task": "t.a", "timelimit": []any{nil, int32(5)}}, "t.a(1)",
			map[string]string{"Time limit": "soft 5s, hard none"}},
		{"all unset spellings", map[string]any{"task": "t.a", "id": "None", "root_id": "null", "parent_id": nil,
			"group": "undefined", "eta": "undefined", "expires": "None", "shadow": "undefined"}, "t.a(1)",
			map[string]string{"ID": "corr", "Root": "<missing>", "Group": "<missing>", "ETA": "<missing>"}},
		{"id from correlation", map[string]any{"task": "t.a", "id": []byte("raw-id")}, "t.a(1)",
			map[string]string{"ID": "raw-id"}},
		{"task undefined is not celery", map[string]any{"task": "undefined"}, `[[1],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{ContentType: "application/json", Headers: c.headers, Body: body, CorrelationID: "corr"}
			r := Decode(in)
			checkInvariants(t, in, r)
			if r.Summary != c.summary {
				t.Errorf("Summary = %q, want %q", r.Summary, c.summary)
			}
			for k, v := range c.fields {
				if got := fieldValue(r, k); got != v {
					t.Errorf("field %q = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestBodyEncodingBase64(t *testing.T) {
	raw := `[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`
	enc := []byte("W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d")
	for name, in := range map[string]Input{
		"header":           {ContentType: "application/json", Headers: map[string]any{"task": "tasks.add", "body_encoding": "base64"}, Body: enc},
		"content_encoding": {ContentType: "application/json", ContentEncoding: "base64", Headers: map[string]any{"task": "tasks.add"}, Body: enc},
	} {
		t.Run(name, func(t *testing.T) {
			r := Decode(in)
			if r.Summary != "tasks.add(2, 3)" || fieldValue(r, "Body encoding") != "base64" {
				t.Errorf("Summary %q fields %v (raw %s)", r.Summary, r.Fields, raw)
			}
		})
	}
	r := Decode(Input{ContentEncoding: "base64", Body: []byte("not base64 !!")})
	if !hasNote(r, "not base64") || r.Format != "text" {
		t.Errorf("bad base64: %q %q", r.Format, r.Notes)
	}
}

func TestCompressionErrors(t *testing.T) {
	r := Decode(Input{Headers: map[string]any{"compression": "application/x-gzip"}, Body: []byte("plain text, not zlib")})
	if !hasNote(r, "could not decompress") || r.Format != "text" {
		t.Errorf("Format %q notes %q", r.Format, r.Notes)
	}
	r = Decode(Input{Headers: map[string]any{"compression": "application/x-snappy"}, Body: []byte{1, 2, 3}})
	if !hasNote(r, "unsupported compression") {
		t.Errorf("notes %q", r.Notes)
	}
}

func TestOsloRedactsEverywhere(t *testing.T) {
	const secret = "tok-SECRET-123"
	msgs := []string{
		`{"method":"m","args":{"x":1},"_msg_id":"abc","_context_auth_token":"` + secret + `","_context_user":"u"}`,
		`{"method":"m","args":{"password":"` + secret + `"},"version":"1.0"}`,
		`{"oslo.version":"2.0","oslo.message":"{\"event_type\":\"e\",\"publisher_id\":\"p\",\"payload\":{\"secret\":\"` + secret + `\"},\"_context_auth_token\":\"` + secret + `\"}"}`,
		`{"method":"m","args":{"nested":{"deep":[{"admin_password":"` + secret + `"}]}},"_unique_id":"u","_context_trust_secret":{"k":"` + secret + `"}}`,
	}
	for i, body := range msgs {
		r := Decode(Input{ContentType: "application/json", Body: []byte(body)})
		all := r.Summary + r.Body.Text + fmtFields(r) + strings.Join(r.Notes, " ")
		if strings.Contains(all, secret) {
			t.Errorf("message %d leaks the secret:\n%s", i, all)
		}
		if !strings.HasPrefix(r.Format, "oslo/") {
			t.Errorf("message %d: Format %q", i, r.Format)
		}
	}
}

func TestNotOslo(t *testing.T) {
	// JSON-RPC has "method" but is not oslo.
	r := Decode(Input{Body: []byte(`{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}`)})
	if r.Format != "json" {
		t.Errorf("Format %q", r.Format)
	}
}

func TestReprCall(t *testing.T) {
	cases := []struct{ args, kwargs, want string }{
		{"(2, 3)", "{}", "2, 3"},
		{"(99,)", "{'order': 1842}", "99, order=1842"},
		{"()", "{'a': 'x, y', 'b': {'c': [1, 2]}, \"d\": 'it\\'s'}", "a='x, y', b={'c': [1, 2]}, d='it\\'s'"},
		{"", "", ""},
		{"[1, 2]", "weird", "1, 2, **weird"},
	}
	for _, c := range cases {
		if got := reprCall(c.args, c.kwargs, 200); got != c.want {
			t.Errorf("reprCall(%q, %q) = %q, want %q", c.args, c.kwargs, got, c.want)
		}
	}
}

func TestSummaryNeverMultiline(t *testing.T) {
	bodies := []Input{
		{Body: []byte("\n\n\n   \n")},
		{Body: []byte(`{"a":"line1\nline2"}`)},
		{Headers: map[string]any{"task": "evil\ntask\r\nname"}, Body: []byte(`[["a\nb"], {"k\n": "v\u2028"}, {}]`)},
		{Headers: map[string]any{"__TypeId__": "a\nb"}, Body: []byte("x\ny")},
		{Body: []byte(`{"type":"task-failed\nx","hostname":"h","timestamp":1,"exception":"E\n\nF"}`), Exchange: "celeryev"},
	}
	for _, in := range bodies {
		checkInvariants(t, in, Decode(in))
	}
}

// TestPrefixesOfFixtures decodes every prefix of every small fixture:
// truncated messages are common on the wire and must degrade, not panic.
func TestPrefixesOfFixtures(t *testing.T) {
	for _, name := range fixtureNames(t) {
		in := loadFixture(t, name)
		if len(in.Body) > 4096 {
			continue
		}
		full := in.Body
		for n := 0; n < len(full); n++ {
			in.Body = full[:n]
			checkInvariants(t, in, Decode(in))
		}
	}
}

func TestOddHeaderTypes(t *testing.T) {
	type custom struct{ A int }
	h := map[string]any{
		"task":     "t.h",
		"stamps":   map[string]any{"b": []any{int64(1), map[string]any{"deep": true}}, "a": nil},
		"argsrepr": map[string]any{"x": custom{1}},
		"origin":   custom{2},
		"eta":      []byte("2024-05-01T12:00:05"),
		"retries":  uint8(4),
	}
	in := Input{Headers: h, ContentType: "application/x-python-serialize", Body: []byte{0x80, 4, 'N', '.'}}
	r := Decode(in)
	checkInvariants(t, in, r)
	if r.Summary != "t.h({'x': <decode.custom>}) · retry 4 · eta 12:00:05" {
		t.Errorf("Summary %q", r.Summary)
	}
	if got := scalarString(h["stamps"]); got != "{'a': None, 'b': [1, {'deep': True}]}" {
		t.Errorf("stamps %q", got)
	}
}

func TestCeleryMoreShapes(t *testing.T) {
	t.Run("event batch", func(t *testing.T) {
		body := `[{"type":"task-started","uuid":"u1","hostname":"celery@w","timestamp":1714564805.5,"pid":1},` +
			`{"type":"task-succeeded","uuid":"u1","result":"5","runtime":0.5,"hostname":"celery@w","timestamp":1714564806}]`
		r := Decode(Input{Exchange: "celeryev", RoutingKey: "task.multi", ContentType: "application/json", Body: []byte(body)})
		if r.Format != "celery/event" || r.Summary != "task-started u1 celery@w (+1 more)" || r.Terms["event"] != "task-started" {
			t.Errorf("%q %q %v", r.Format, r.Summary, r.Terms)
		}
		if fieldValue(r, "Batch") != "2 events" {
			t.Errorf("fields %v", r.Fields)
		}
	})
	t.Run("event without exchange needs hostname and timestamp", func(t *testing.T) {
		r := Decode(Input{Body: []byte(`{"type":"task-done","x":1}`)})
		if r.Format != "json" {
			t.Errorf("Format %q", r.Format)
		}
	})
	t.Run("msgpack result with extended meta", func(t *testing.T) {
		// {"task_id": "abc", "status": "SUCCESS", "result": [1, 2], "traceback": nil,
		//  "children": [], "name": "tasks.pair", "date_done": "2024-05-01T12:00:06"}
		body := []byte{0x87,
			0xa7, 't', 'a', 's', 'k', '_', 'i', 'd', 0xa3, 'a', 'b', 'c',
			0xa6, 's', 't', 'a', 't', 'u', 's', 0xa7, 'S', 'U', 'C', 'C', 'E', 'S', 'S',
			0xa6, 'r', 'e', 's', 'u', 'l', 't', 0x92, 0x01, 0x02,
			0xa9, 't', 'r', 'a', 'c', 'e', 'b', 'a', 'c', 'k', 0xc0,
			0xa8, 'c', 'h', 'i', 'l', 'd', 'r', 'e', 'n', 0x90,
			0xa4, 'n', 'a', 'm', 'e', 0xaa, 't', 'a', 's', 'k', 's', '.', 'p', 'a', 'i', 'r',
			0xa9, 'd', 'a', 't', 'e', '_', 'd', 'o', 'n', 'e', 0xa3, 'n', 'o', 'w'}
		r := Decode(Input{ContentType: "application/x-msgpack", CorrelationID: "abc", Body: body})
		if r.Format != "celery/result" || r.Summary != "SUCCESS abc → [1, 2]" || r.Terms["task"] != "tasks.pair" {
			t.Errorf("%q %q %v", r.Format, r.Summary, r.Terms)
		}
		if r.Body.Kind != BodyJSON || !strings.Contains(r.Body.Text, `"task_id": "abc"`) {
			t.Errorf("body %q", r.Body.Text)
		}
	})
	t.Run("result id from correlation id", func(t *testing.T) {
		r := Decode(Input{CorrelationID: "3f2a1b2c-aaaa", Body: []byte(`{"status":"RETRY","result":{"exc_type":"Timeout","exc_message":[]},"traceback":"x"}`)})
		if r.Summary != "RETRY 3f2a1b2c… Timeout()" || r.Task == nil || r.Task.ID != "3f2a1b2c-aaaa" {
			t.Errorf("%q %+v", r.Summary, r.Task)
		}
	})
	t.Run("v2 group index, lang and replaced nesting", func(t *testing.T) {
		r := Decode(Input{ContentType: "application/json", Body: []byte(`[[], {}, {}]`), Headers: map[string]any{
			"task": "t.g", "group": "g1", "group_index": int64(2), "lang": "go", "replaced_task_nesting": int64(1)}})
		for k, v := range map[string]string{"Group index": "2", "Lang": "go", "Replaced nesting": "1", "Group": "g1"} {
			if got := fieldValue(r, k); got != v {
				t.Errorf("%s = %q", k, got)
			}
		}
	})
	t.Run("v2 body not a task tuple falls back to argsrepr", func(t *testing.T) {
		r := Decode(Input{ContentType: "application/json", Body: []byte(`{"x":1}`), Headers: map[string]any{
			"task": "t.b", "argsrepr": "('a', 1)", "kwargsrepr": "{'k': [1, 2]}"}})
		if r.Summary != "t.b('a', 1, k=[1, 2])" || !hasNote(r, "not Celery's") {
			t.Errorf("%q %q", r.Summary, r.Notes)
		}
	})
	t.Run("long args are cut", func(t *testing.T) {
		r := Decode(Input{ContentType: "application/json", Headers: map[string]any{"task": "t.long", "retries": int64(1)},
			Body: []byte(`[["` + strings.Repeat("x", 5000) + `"], {}, {}]`)})
		if len(r.Summary) > maxSummary+10 || !strings.Contains(r.Summary, "…") || !strings.HasSuffix(r.Summary, "· retry 1") {
			t.Errorf("Summary %q", r.Summary)
		}
	})
}
