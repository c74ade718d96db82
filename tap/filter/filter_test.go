package filter

import (
	// golden registers the -update flag, so that `go test ./ui/... -update`
	// runs in every package.
	_ "github.com/charmbracelet/x/exp/golden"
	"strings"
	"testing"
)

func subject() *Subject {
	return &Subject{
		Text:        strings.ToLower(`order.created orders {"order_id": 1842, "Customer": "ACME"} x-trace abc`),
		RoutingKey:  "order.EU.created",
		Exchange:    "orders",
		ContentType: "application/json",
		Format:      "celery",
		Terms:       map[string]string{"task": "tasks.Add", "id": "c0ffee", "status": ""},
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"", true},
		{"   ", true},
		{"acme", true},
		{"ACME 1842", true},
		{"acme 9999", false},
		{`"1842, "`, true}, // quotes keep the space
		{`"acme customer"`, false},
		{"-acme", false},
		{"-nothing", true},
		{"rk:order.#", true},
		{"rk:order.*.created", true},
		{"rk:order.*", false},
		{"rk:#.created", true},
		{"rk:#", true},
		{"rk:order.#.created", true},
		{"rk:eu", true},
		{"rk:EU.CREATED", true},
		{"exchange:ord", true},
		{"exchange:audit", false},
		{"ctype:json", true},
		{"format:celery", true},
		{"task:tasks.add", true},
		{"task:add", true},
		{"task:tasks.*", true},
		{"task:*.add", true},
		{"task:add*", false},
		{"-task:tasks.add", false},
		{"-task:tasks.ping", true},
		{"task:", true},
		{"group:", false},
		{"status:", false},
		{"-group:", true},
		{"id:c0f task:add acme", true},
		{"id:c0f task:add nope", false},
		{"http://acme", false}, // unknown name: free text "http://acme"
		{"-", true},            // a lone dash is free text (x-trace)
	}
	s := subject()
	for _, tt := range tests {
		if got := Parse(tt.query).Match(s); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestEmpty(t *testing.T) {
	if !Parse("  ").Empty() || Parse("x").Empty() {
		t.Error("Empty is wrong")
	}
	var zero Matcher
	if !zero.Match(&Subject{}) {
		t.Error("the zero Matcher must match everything")
	}
}

func TestTopicMatch(t *testing.T) {
	tests := []struct {
		pattern, key string
		want         bool
	}{
		{"a.b", "a.b", true},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"a.#", "a", true},
		{"a.#", "a.b.c", true},
		{"#.c", "c", true},
		{"#.c", "a.b.c", true},
		{"#.#", "", true},
		{"#", "", true},
		{"*", "", false}, // the empty key has no words, as in a broker binding (tap/topic)
		{"a.#.c", "a.c", true},
		{"a.#.c", "a.x.y.c", true},
		{"a.#.c", "a.x.y.d", false},
	}
	for _, tt := range tests {
		if got := topicMatch(tt.pattern, tt.key); got != tt.want {
			t.Errorf("topicMatch(%q, %q) = %v, want %v", tt.pattern, tt.key, got, tt.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"a*", "a", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "ac", true},
		{"a*a", "a", false},
		{"*b*", "abc", true},
		{"*x*", "abc", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestNarrows(t *testing.T) {
	tests := []struct {
		prev, cur string
		want      bool
	}{
		{"", "a", true},
		{"a", "ac", true},
		{"ac", "acme", true},
		{"acme", "acm", false},
		{"acme", "acme x", true},
		{"acme x", "acme", false},
		{"-ac", "-acme", false},
		{"-acme", "-acme x", true},
		{"rk:order", "rk:order.eu", true},
		{"rk:order.", "rk:order.#", false},
		{"task:", "task:a", false},
		{"task:a", "task:a*", false},
		{"a b", "ax b", false}, // only the last term may grow
		{"a", "b", false},
		{`"a b"`, `"a b c"`, true},
	}
	for _, tt := range tests {
		if got := Parse(tt.cur).Narrows(Parse(tt.prev)); got != tt.want {
			t.Errorf("Parse(%q).Narrows(Parse(%q)) = %v, want %v", tt.cur, tt.prev, got, tt.want)
		}
	}
}

// TestNarrowsIsSound checks on sample subjects that whenever Narrows says
// so, the new query matches no message that the old one did not.
func TestNarrowsIsSound(t *testing.T) {
	subjects := []*Subject{
		subject(),
		{Text: "order.eu.paid\nacme", RoutingKey: "order.eu.paid"},
		{Text: "acm", RoutingKey: "x"},
		{Text: "", RoutingKey: ""},
	}
	queries := []string{"", "a", "ac", "acm", "acme", "-a", "-acme", "rk:order", "rk:order.eu", "rk:order.#",
		"acme rk:", "acme rk:order", "task:", "task:tasks", "task:tasks.add", "x", "acme x"}
	for _, p := range queries {
		for _, c := range queries {
			prev, cur := Parse(p), Parse(c)
			if !cur.Narrows(prev) {
				continue
			}
			for _, s := range subjects {
				if cur.Match(s) && !prev.Match(s) {
					t.Errorf("%q narrows %q but matches %+v which %q does not", c, p, s, p)
				}
			}
		}
	}
}

func BenchmarkTopicMatch(b *testing.B) {
	m := Parse("rk:order.#.paid")
	s := &Subject{RoutingKey: "order.eu.west.paid"}
	for b.Loop() {
		m.Match(s)
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		query string
		warns []string // substrings, one per warning
	}{
		{"", nil},
		{`order "order created" rk:order.# -task:tasks.ping exchange: http://host`, nil},
		{"FORMAT:celery Task:x", nil},
		{"routing_key:order.paid", []string{`"routing_key:order.paid" is free text`}},
		{"-queue:celery", []string{`"queue" is not a field name`}},
		{`task:"a b`, []string{`unclosed "`}},
		{"10:30 a:b", []string{`"a:b" is free text`}},
	}
	for _, c := range cases {
		got := Check(c.query)
		if len(got) != len(c.warns) {
			t.Errorf("Check(%q) = %q, want %d warnings", c.query, got, len(c.warns))
			continue
		}
		for i, w := range c.warns {
			if !strings.Contains(got[i], w) {
				t.Errorf("Check(%q)[%d] = %q, want it to say %q", c.query, i, got[i], w)
			}
		}
	}
	if w := Check("queue:x"); len(w) != 1 || !strings.Contains(w[0], "rk, exchange, ctype, format, event, group, id") {
		t.Errorf("the warning does not list the field names: %q", w)
	}
}

// TestDottedTerms: a decoder's dotted terms (decode.IsTermName) are field
// names, not free text, in Parse and in Check.
func TestDottedTerms(t *testing.T) {
	s := &Subject{
		Text:  "com.example.order.created",
		Terms: map[string]string{"ce.type": "com.example.order.created", "proto.order_id": "42", "proto.customer.name": "ACME"},
	}
	for _, tt := range []struct {
		query string
		want  bool
	}{
		{"ce.type:com.example.*", true},
		{"CE.TYPE:com.example.order.created", true},
		{"ce.type:com.other.*", false},
		{"proto.order_id:42", true},
		{"proto.order_id:43", false},
		{"proto.customer.name:acme", true},
		{"proto.customer.name:", true},
		{"avro.amount:", false}, // a field that is not set
		{"-avro.amount:", true}, // as free text "avro.amount:" this would not match
		{"hook.kind:", false},
		{"ce.type", false}, // no colon: free text, not in the text
	} {
		if got := Parse(tt.query).Match(s); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.query, got, tt.want)
		}
	}
	for _, q := range []string{"ce.type:x", "proto.order_id:42", "-avro.a.b:", "hook.k:v"} {
		if w := Check(q); len(w) != 0 {
			t.Errorf("Check(%q) = %q, want no warning", q, w)
		}
	}
	if w := Check("queue:x"); len(w) != 1 || !strings.Contains(w[0], "proto.*") {
		t.Errorf("the warning does not name the dotted terms: %q", w)
	}
}
