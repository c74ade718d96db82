package tracectx

import (
	"strings"
	"testing"
)

const (
	traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanID  = "00f067aa0ba902b7"
	parent  = "00-" + traceID + "-" + spanID + "-01"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		parent, state string
		ok, sampled   bool
	}{
		{parent, "", true, true},
		{"00-" + traceID + "-" + spanID + "-00", "", true, false},
		{" " + parent + " ", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true, true},
		{"00-00000000000000000000000000000000-" + spanID + "-01", "", false, false}, // zero trace ID
		{"00-" + traceID + "-0000000000000000-01", "", false, false},                // zero span ID
		{"ff-" + traceID + "-" + spanID + "-01", "", false, false},                  // version ff
		{"00-" + traceID[:30] + "-" + spanID + "-01", "", false, false},             // short
		{"not a traceparent", "", false, false},
		{"", "", false, false},
	} {
		c, ok := Parse(tc.parent, tc.state)
		if ok != tc.ok {
			t.Errorf("%q: ok %v", tc.parent, ok)
			continue
		}
		if !ok {
			continue
		}
		if c.TraceID != traceID || c.SpanID != spanID || c.Sampled != tc.sampled || c.TraceState != tc.state {
			t.Errorf("%q: %+v", tc.parent, c)
		}
	}
}

func TestFromHeaders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     map[string]any
		where string
	}{
		{"headers", map[string]any{"traceparent": parent, "tracestate": "a=1"}, InHeaders},
		{"capitalised bytes", map[string]any{"Traceparent": []byte(parent)}, InHeaders},
		{"celery nested", map[string]any{"task": "tasks.add", "headers": map[string]any{"traceparent": parent}}, InNestedHeaders},
	} {
		c, ok := FromHeaders(tc.h)
		if !ok || c.TraceID != traceID || c.SpanID != spanID || c.Where != tc.where {
			t.Errorf("%s: %+v %v", tc.name, c, ok)
		}
	}
	for name, h := range map[string]map[string]any{
		"none":         {"x": "y"},
		"nil":          nil,
		"malformed":    {"traceparent": "00-zz"},
		"not a string": {"traceparent": int32(1)},
	} {
		if c, ok := FromHeaders(h); ok {
			t.Errorf("%s: found %+v", name, c)
		}
	}
	if c, ok := FromOsloContext(parent, ""); !ok || c.Where != InOsloContext || c.TraceID != traceID {
		t.Errorf("oslo: %+v %v", c, ok)
	}
}

func TestLinkAndTemplate(t *testing.T) {
	c, _ := Parse(parent, "")
	tmpl := "https://grafana.example/explore?traceId={trace_id}&span={span_id}"
	if err := CheckTemplate(tmpl); err != nil {
		t.Fatal(err)
	}
	if got := c.Link(tmpl); got != "https://grafana.example/explore?traceId="+traceID+"&span="+spanID {
		t.Fatal(got)
	}
	if (Context{}).Link(tmpl) != "" || c.Link("") != "" {
		t.Fatal("a link without a trace or a template")
	}
	for _, bad := range []string{"https://grafana.example/explore", "javascript:alert({trace_id})", "{trace_id}"} {
		if err := CheckTemplate(bad); err == nil || !strings.Contains(err.Error(), "trace-url") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestMatchID(t *testing.T) {
	c, _ := Parse(parent, "")
	for id, want := range map[string]bool{traceID: true, "4BF92F35": true, "4bf9": true, "4bf": false, "deadbeef": false, "": false} {
		if got := c.MatchID(id); got != want {
			t.Errorf("%q: %v", id, got)
		}
	}
}

func TestGroupByTrace(t *testing.T) {
	type item struct {
		seq    uint64
		header string
	}
	of := func(it item) *Context {
		c, ok := Parse(it.header, "")
		if !ok {
			return nil
		}
		return &c
	}
	other := "00-11111111111111111111111111111111-2222222222222222-01"
	items := []item{{1, parent}, {2, other}, {3, ""}, {4, "00-" + traceID + "-1111111111111111-01"}, {5, parent}}
	g := GroupByTrace(items, of)
	if len(g) != 2 || g[0].TraceID != traceID || g[1].TraceID != "11111111111111111111111111111111" {
		t.Fatalf("%+v", g)
	}
	var seqs []uint64
	for _, it := range g[0].Items {
		seqs = append(seqs, it.seq)
	}
	if len(seqs) != 3 || seqs[0] != 1 || seqs[1] != 4 || seqs[2] != 5 || len(g[0].Spans) != 2 {
		t.Fatalf("seqs %v spans %v", seqs, g[0].Spans)
	}
}
