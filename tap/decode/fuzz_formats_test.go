package decode

import (
	"testing"
)

// fuzzFormatHeaders are the header sets of the envelopes and CloudEvents.
var fuzzFormatHeaders = []func(in *Input){
	func(in *Input) {},
	func(in *Input) {
		in.Headers = map[string]any{"cloudEvents_specversion": "1.0", "cloudEvents_type": "t", "cloudEvents_source": "s", "cloudEvents_id": []byte("1"), "cloudEvents_x": int64(3)}
	},
	func(in *Input) {
		in.Headers = map[string]any{"cloudEvents:specversion": "1.0", "compression": "application/x-gzip"}
	},
	func(in *Input) { in.Headers = map[string]any{"type": `App\Message\X`, "X-Message-Stamp-A": "[]"} },
	func(in *Input) { in.Type = "Shop.Orders.OrderPlaced, Shop" },
	func(in *Input) { in.Type = "A_B:C" },
}

var fuzzFormatContentTypes = []string{"", "application/json", "application/cloudevents+json", "application/cbor",
	"application/msgpack", "application/vnd.masstransit+json", "application/x-protobuf"}

// FuzzFormats drives the CloudEvents, envelope, MessagePack and CBOR
// recognisers with arbitrary bodies under each of their header sets.
func FuzzFormats(f *testing.F) {
	for _, s := range []struct {
		body   string
		ct, hd byte
	}{
		{`{"specversion":"1.0","type":"t","source":"s","id":"1","data":{"a":[1,2]}}`, 2, 0},
		{`{"specversion":"1.0","type":"t","source":"s","id":"1","data_base64":"eyJhIjoxfQ=="}`, 2, 0},
		{`{"queue_name":"q","actor_name":"a","args":[1],"kwargs":{},"options":{},"message_id":"m","message_timestamp":1}`, 1, 0},
		{"\xa2\x61a\x01\x61b\x82\x01\xc1\x1a\x66\x32\x2e\xe5", 3, 0},
		{"\x82\x01\xa1\xa1a\x01", 4, 0},
		{`{"a":1}`, 1, 1},
		{`{"a":1}`, 1, 3},
		{`{"Text":"x"}`, 1, 4},
		{"\x9f\x9f\x9f\xff\xff\xff", 3, 0},
		{"\xd9\xd9\xf7\x83\x01\x02\x03", 3, 0},
	} {
		f.Add([]byte(s.body), s.ct, s.hd)
	}
	recoverPanics = false
	defer func() { recoverPanics = true }()
	f.Fuzz(func(t *testing.T, body []byte, ct, hdr byte) {
		in := Input{Body: body, ContentType: fuzzFormatContentTypes[int(ct)%len(fuzzFormatContentTypes)]}
		fuzzFormatHeaders[int(hdr)%len(fuzzFormatHeaders)](&in)
		r := Decode(in)
		checkInvariants(t, in, r)
		if total := len(r.Summary) + len(r.Body.Text) + len(fmtFields(r)); total > maxRenderOut+maxRender+64<<10 {
			t.Errorf("result is %d bytes for a %d-byte body", total, len(body))
		}
		for k, v := range r.Terms {
			if len(v) > maxField+len(ellipsis) {
				t.Errorf("term %s is %d bytes", k, len(v))
			}
		}
	})
}
