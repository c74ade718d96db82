package formats

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

func TestParseRule(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rule
		err  string
	}{
		{in: "orders.*=shop.Order", want: Rule{RoutingKey: "orders.*", Type: "shop.Order"}},
		{in: "#=shop.Order", want: Rule{RoutingKey: "#", Type: "shop.Order"}},
		{in: "rk:orders.#=shop.Order", want: Rule{RoutingKey: "orders.#", Type: "shop.Order"}},
		{in: "exchange:orders=shop.Order", want: Rule{Exchange: "orders", Type: "shop.Order"}},
		{in: "header:kind=order=shop.Order", want: Rule{Header: "kind=order", Type: "shop.Order"}},
		{in: "header:x-order=shop.Order", want: Rule{Header: "x-order", Type: "shop.Order"}},
		{in: "exchange:shop, rk:orders.# = shop.Order", want: Rule{Exchange: "shop", RoutingKey: "orders.#", Type: "shop.Order"}},
		{in: "urn:a:b=shop.Order", want: Rule{RoutingKey: "urn:a:b", Type: "shop.Order"}},
		{in: "shop.Order", err: "give CONDITION=TYPE"},
		{in: "orders.*=", err: "no type"},
		{in: "=shop.Order", err: "no condition"},
		{in: "exchange:=shop.Order", err: "with nothing after it"},
		{in: "exchange:a,exchange:b=shop.Order", err: "given twice"},
		{in: "header:=v=shop.Order", err: "give name or name=value"},
	} {
		got, err := ParseRule(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want %q", c.in, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseHook(t *testing.T) {
	for _, c := range []struct {
		in   string
		want HookConfig
		err  string
	}{
		{in: "content-type=application/x-legacy:python3 decode.py --flag",
			want: HookConfig{Command: []string{"python3", "decode.py", "--flag"}, ContentTypes: []string{"application/x-legacy"}}},
		{in: "rk=legacy.#,timeout=500ms,max-body=64KiB,name=leg:./d.sh",
			want: HookConfig{Name: "leg", Command: []string{"./d.sh"}, Match: []Rule{{RoutingKey: "legacy.#"}}, Timeout: 500 * time.Millisecond, MaxBody: 64 << 10}},
		{in: "header=kind=x,exchange=a:./d.sh",
			want: HookConfig{Command: []string{"./d.sh"}, Match: []Rule{{Header: "kind=x"}, {Exchange: "a"}}}},
		{in: "filter=exchange:legacy rk:a.# :./d.sh arg",
			want: HookConfig{Command: []string{"./d.sh", "arg"}, Filter: "exchange:legacy rk:a.#"}},
		{in: "./d.sh", err: "give OPTIONS:COMMAND"},
		{in: "content-type=a/b:", err: "give OPTIONS:COMMAND"},
		{in: "timeout=5:./d.sh", err: "give a duration"},
		{in: "max-body=lots,rk=a:./d.sh", err: "give bytes"},
		{in: "colour=red:./d.sh", err: "unknown option"},
		{in: "name=x:./d.sh", err: "bound to no message"},
		{in: "filter=exchange:a:./d.sh", err: "give OPTIONS:COMMAND"},
	} {
		got, err := ParseHook(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want %q", c.in, err, c.err)
		case c.err == "" && (err != nil || !reflect.DeepEqual(got, c.want)):
			t.Errorf("%q: %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
}

func TestTopicMatch(t *testing.T) {
	for _, c := range []struct {
		p, k string
		want bool
	}{
		{"orders.*", "orders.new", true}, {"orders.*", "orders.new.eu", false}, {"orders.*", "orders", false},
		{"orders.#", "orders", true}, {"orders.#", "orders.a.b", true}, {"#", "", true}, {"#", "a.b", true},
		{"#.eu", "orders.new.eu", true}, {"#.eu", "orders.new.us", false}, {"a.#.#.b", "a.b", true},
		{"a.*.c", "a.b.c", true}, {"a", "A", false}, {"", "", true},
	} {
		if got := TopicMatch(c.p, c.k); got != c.want {
			t.Errorf("TopicMatch(%q, %q) = %v", c.p, c.k, got)
		}
	}
	for _, c := range []struct {
		p, s string
		want bool
	}{{"orders", "ORDERS", true}, {"ord*", "orders", true}, {"*-dlx", "a-dlx", true}, {"a*b*c", "abc", true}, {"a*a", "a", false}, {"x", "xy", false}} {
		if got := Glob(c.p, c.s); got != c.want {
			t.Errorf("Glob(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestRuleMatches(t *testing.T) {
	in := decode.Input{Exchange: "shop", RoutingKey: "orders.new", Headers: map[string]any{"kind": []byte("order"), "n": int32(3)}}
	for _, c := range []struct {
		r    Rule
		want bool
	}{
		{Rule{}, true}, {Rule{Exchange: "shop"}, true}, {Rule{Exchange: "other"}, false},
		{Rule{Exchange: "shop", RoutingKey: "orders.*"}, true}, {Rule{Exchange: "shop", RoutingKey: "refunds.*"}, false},
		{Rule{Header: "kind"}, true}, {Rule{Header: "kind=order"}, true}, {Rule{Header: "kind=refund"}, false},
		{Rule{Header: "n=3"}, true}, {Rule{Header: "absent"}, false},
	} {
		if got := c.r.Matches(in); got != c.want {
			t.Errorf("%+v: %v", c.r, got)
		}
	}
}

func TestCheckAndMerge(t *testing.T) {
	bad := Config{
		Proto: ProtoConfig{Types: []Rule{{RoutingKey: "a"}}},
		Avro:  AvroConfig{Types: []Rule{{Type: "x"}}},
		Hooks: []HookConfig{{Name: "h"}, {Name: "u", Command: []string{"x"}}, {Name: "n", Command: []string{"x"}, ContentTypes: []string{"a"}, Timeout: -1}},
	}
	err := bad.Check()
	for _, want := range []string{"proto types[0]: no type", "no .proto file", "no schema is named", "hook h: no command", "hook u: bound to no message", "must not be negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %v, want %q", err, want)
		}
	}
	file := Config{Proto: ProtoConfig{Files: []string{"a.proto"}, Types: []Rule{{RoutingKey: "#", Type: "file.T"}}}}
	flags := Config{Proto: ProtoConfig{Types: []Rule{{RoutingKey: "x", Type: "flag.T"}}, Trial: true}}
	m := file.Merge(flags)
	if m.Proto.Types[0].Type != "flag.T" || m.Proto.Types[1].Type != "file.T" || !m.Proto.Trial || len(m.Proto.Files) != 1 {
		t.Errorf("merge: %+v", m.Proto)
	}
	if !(Config{}).Empty() || m.Empty() {
		t.Error("Empty")
	}
	h := HookConfig{Command: []string{"x"}}.WithDefaults(1)
	if h.Name != "hook2" || h.Timeout != DefaultHookTimeout || h.MaxBody != DefaultHookMaxBody || h.MaxAnswer != DefaultHookMaxAnswer {
		t.Errorf("defaults: %+v", h)
	}
}
