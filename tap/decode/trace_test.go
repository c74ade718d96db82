package decode

import "testing"

func TestTraceContextIsReadOnce(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	parent := "00-" + id + "-00f067aa0ba902b7-01"
	t.Run("headers", func(t *testing.T) {
		r := Decode(Input{ContentType: "application/json", Headers: map[string]any{"traceparent": parent}, Body: []byte(`{"a":1}`)})
		if r.Trace == nil || r.Trace.TraceID != id || r.Terms["trace"] != id || r.Format != "json" {
			t.Fatalf("%+v terms %v", r.Trace, r.Terms)
		}
	})
	t.Run("oslo context", func(t *testing.T) {
		body := `{"oslo.version": "2.0", "oslo.message": "{\"method\": \"ping\", \"args\": {}, \"version\": \"1.0\", \"_context_request_id\": \"req-1\", \"_context_traceparent\": \"` + parent + `\"}"}`
		r := Decode(Input{ContentType: "application/json", Body: []byte(body)})
		if r.Trace == nil || r.Trace.TraceID != id || r.Trace.Where != "oslo context" || r.Terms["trace"] != id {
			t.Fatalf("format %s trace %+v fields %v", r.Format, r.Trace, r.Fields)
		}
	})
	t.Run("none", func(t *testing.T) {
		r := Decode(Input{Headers: map[string]any{"traceparent": "garbage"}, Body: []byte("x")})
		if r.Trace != nil || r.Terms["trace"] != "" {
			t.Fatalf("%+v", r.Trace)
		}
	})
}
