package decode

import (
	"bytes"
	"compress/zlib"
	"testing"
)

// fuzzHeaders are header sets the fuzzer picks from, so every recogniser
// gets exercised with arbitrary bodies.
var fuzzHeaders = []func(in *Input){
	func(in *Input) {},
	func(in *Input) {
		in.Headers = map[string]any{"task": "tasks.fuzz", "id": "f", "argsrepr": "(1,)", "kwargsrepr": "{'a': 1}",
			"timelimit": []any{int64(1), nil}, "retries": int32(2), "eta": "2024-05-01T12:00:05"}
	},
	func(in *Input) { in.Headers = map[string]any{"compression": "application/x-gzip"} },
	func(in *Input) { in.Headers = map[string]any{"compression": "application/x-bz2", "task": "t"} },
	func(in *Input) { in.Exchange, in.RoutingKey = "celeryev", "task.succeeded" },
	func(in *Input) { in.Headers = map[string]any{"__TypeId__": "com.Fuzz"} },
	func(in *Input) { in.Headers = map[string]any{"NServiceBus.EnclosedMessageTypes": "A, B;C"} },
	func(in *Input) { in.ContentEncoding = "base64" },
	func(in *Input) { in.Headers = map[string]any{"compression": "application/zstd"} },
	func(in *Input) { in.Headers = map[string]any{"compression": "application/x-lzma"} },
	func(in *Input) { in.Headers = map[string]any{"compression": "application/x-brotli"} },
}

var fuzzContentTypes = []string{"", "application/json", "application/x-msgpack", "application/x-yaml",
	"application/x-python-serialize", "application/vnd.masstransit+json", "text/plain"}

func FuzzDecode(f *testing.F) {
	for _, name := range fixtureNames(f) {
		in := loadFixture(f, name)
		if len(in.Body) > 16<<10 {
			continue
		}
		ct := byte(0)
		for i, c := range fuzzContentTypes {
			if c == in.ContentType {
				ct = byte(i)
			}
		}
		h := byte(0)
		if _, ok := in.Headers["task"]; ok {
			h = 1
		}
		// Compressed fixtures also go in with only their compression
		// header, so the fuzzer mutates real compressed streams.
		for i, set := range fuzzHeaders {
			var probe Input
			set(&probe)
			if c, ok := probe.Headers["compression"]; ok && c == in.Headers["compression"] {
				f.Add(in.Body, ct, byte(i))
			}
		}
		f.Add(in.Body, ct, h)
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(`[[1],{},{}]`))
	w.Close()
	f.Add(z.Bytes(), byte(1), byte(2))
	f.Add([]byte{0x80, 4, 0x95, 1, 0, 0, 0, 0, 0, 0, 0, '.'}, byte(4), byte(1))
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff}, byte(2), byte(1))

	recoverPanics = false
	defer func() { recoverPanics = true }()
	f.Fuzz(func(t *testing.T, body []byte, ct, hdr byte) {
		in := Input{Body: body, ContentType: fuzzContentTypes[int(ct)%len(fuzzContentTypes)]}
		fuzzHeaders[int(hdr)%len(fuzzHeaders)](&in)
		r := Decode(in)
		checkInvariants(t, in, r)
		checkBrief(t, in)
		// Output stays proportionate: rendered text is bounded whatever
		// the body says (decompression may expand it up to the cap).
		if total := len(r.Summary) + len(r.Body.Text) + len(fmtFields(r)); total > maxRenderOut+maxRender+64<<10 {
			t.Errorf("result is %d bytes for a %d-byte body", total, len(body))
		}
	})
}
