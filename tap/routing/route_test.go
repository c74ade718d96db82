package routing

import (
	"errors"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/broker"
)

func TestTopicMatch(t *testing.T) {
	cases := []struct {
		pattern, key string
		want         bool
	}{
		{"a.b", "a.b", true},
		{"a.b", "a.c", false},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"a.*", "a.", true}, // "*" is one word, the empty one too
		{"*", "", false},    // the empty key has no words
		{"*", ".", false},   // "." is two empty words
		{"*.*", ".", true},
		{"#", "", true},
		{"#", "a.b.c", true},
		{"a.#", "a", true}, // "#" is zero words too
		{"a.#", "a.b.c", true},
		{"a.#", "b", false},
		{"#.a", "a", true},
		{"#.a", "x.y.a", true},
		{"#.a", "x.y.b", false},
		{"a.#.b", "a.b", true},
		{"a.#.b", "a.x.y.b", true},
		{"a.#.b", "a.x.y.c", false},
		{"a.#.#.b", "a.b", true},
		{"#.#", "", true},
		{"a..b", "a..b", true},
		{"a.*.b", "a..b", true},
		{"a.b", "a..b", false},
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"order.*.paid", "order.paid", false},
		{"order.#.paid", "order.paid", true},
		{"*.#", "", false},
		{"*.#", "a", true},
		{"#.*", "a.b", true},
		{"a.*.#.c", "a.b.c", true},
		{"a.*.#.c", "a.c", false},
	}
	for _, c := range cases {
		if got := topicMatch(splitWords(c.pattern), splitWords(c.key)); got != c.want {
			t.Errorf("topicMatch(%q, %q) = %v, want %v", c.pattern, c.key, got, c.want)
		}
		// The trie (the broker's algorithm) must agree with the plain matcher.
		root := &trie{}
		root.add(splitWords(c.pattern), 0)
		hit := map[int]bool{}
		root.match(splitWords(c.key), hit)
		if hit[0] != c.want {
			t.Errorf("trie: %q against %q = %v, want %v", c.pattern, c.key, hit[0], c.want)
		}
	}
}

// TestTrieAgreesWithMatcher checks the trie against the plain matcher on
// random patterns and keys, with many bindings in one trie.
func TestTrieAgreesWithMatcher(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"a", "b", "", "*", "#"}
	gen := func(wild bool) string {
		n := rng.Intn(5)
		parts := make([]string, n)
		for i := range parts {
			w := words[rng.Intn(len(words))]
			if !wild && (w == "*" || w == "#") {
				w = "c"
			}
			parts[i] = w
		}
		return strings.Join(parts, ".")
	}
	patterns := make([]string, 300)
	root := &trie{}
	for i := range patterns {
		patterns[i] = gen(true)
		root.add(splitWords(patterns[i]), i)
	}
	for n := 0; n < 2000; n++ {
		key := gen(n%10 == 0) // now and then a key with "*" or "#" words
		hit := map[int]bool{}
		root.match(splitWords(key), hit)
		for i, p := range patterns {
			if want := topicMatch(splitWords(p), splitWords(key)); hit[i] != want {
				t.Fatalf("pattern %q key %q: trie %v, matcher %v", p, key, hit[i], want)
			}
		}
	}
}

func TestHeadersMatch(t *testing.T) {
	h := map[string]any{"region": "eu", "n": int32(5), "x-tenant": "t1", "flag": true, "raw": []byte("b")}
	cases := []struct {
		name string
		args map[string]any
		want bool
	}{
		{"all, all match", map[string]any{"x-match": "all", "region": "eu", "n": 5.0}, true},
		{"no x-match means all", map[string]any{"region": "eu", "n": 6.0}, false},
		{"all, one missing", map[string]any{"x-match": "all", "region": "eu", "zone": "a"}, false},
		{"all, one differs", map[string]any{"x-match": "all", "region": "us"}, false},
		{"any, one matches", map[string]any{"x-match": "any", "region": "us", "n": 5.0}, true},
		{"any, none matches", map[string]any{"x-match": "any", "region": "us", "zone": "a"}, false},
		{"all with no keys matches everything", map[string]any{"x-match": "all"}, true},
		{"any with no keys matches nothing", map[string]any{"x-match": "any"}, false},
		{"all ignores x- arguments", map[string]any{"x-match": "all", "region": "eu", "x-tenant": "other"}, true},
		{"any ignores x- arguments", map[string]any{"x-match": "any", "x-tenant": "t1"}, false},
		{"all-with-x compares x- headers", map[string]any{"x-match": "all-with-x", "region": "eu", "x-tenant": "other"}, false},
		{"all-with-x, x- header equal", map[string]any{"x-match": "all-with-x", "x-tenant": "t1"}, true},
		{"any-with-x, x- header equal", map[string]any{"x-match": "any-with-x", "x-tenant": "t1", "region": "us"}, true},
		{"void asks presence", map[string]any{"x-match": "all", "region": nil}, true},
		{"void, header missing", map[string]any{"x-match": "all", "zone": nil}, false},
		{"bool", map[string]any{"flag": true}, true},
		{"bool differs", map[string]any{"flag": false}, false},
		{"byte array equals string", map[string]any{"raw": "b"}, true},
		{"string is not a number", map[string]any{"n": "5"}, false},
	}
	for _, c := range cases {
		if got, _ := headersMatch(c.args, h, false); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if ok, _ := headersMatch(map[string]any{"x-match": "all"}, nil, false); !ok {
		t.Error("x-match all with no keys must match a message without headers")
	}
	if ok, _ := headersMatch(map[string]any{"a": "1"}, nil, false); ok {
		t.Error("a message without headers cannot match a key")
	}
}

// fixture is a small vhost with one exchange of each kind, an exchange
// chain with a cycle, an alternate exchange and a dead-letter queue.
func fixture() *Topology {
	xs := []Exchange{
		{Name: "orders", Type: Topic, Alternate: "lost", AlternateFrom: "argument"},
		{Name: "lost", Type: Fanout},
		{Name: "direct", Type: Direct},
		{Name: "hdr", Type: Headers},
		{Name: "chain1", Type: Fanout},
		{Name: "chain2", Type: Direct},
		{Name: "hash", Type: "x-consistent-hash"},
		{Name: "noalt", Type: Direct, Alternate: "missing-x", AlternateFrom: "argument"},
		{Name: "shoveltap-host-abc-x-0", Type: Fanout},
		{Name: "dlx", Type: Direct},
	}
	qs := []Queue{
		{Name: "paid"}, {Name: "all-orders"}, {Name: "lost-q"}, {Name: "d1"}, {Name: "eu"},
		{Name: "c2"}, {Name: "hashed"}, {Name: "work", DeadLetter: &DeadLetter{Exchange: "dlx", RoutingKey: "dead", HasRoutingKey: true, From: "argument"}},
		{Name: "dead-q"}, {Name: "shoveltap-host-abc-src-0"},
	}
	bs := []Binding{
		{Source: "orders", Destination: "paid", DestinationType: ToQueue, Key: "order.*.paid"},
		{Source: "orders", Destination: "all-orders", DestinationType: ToQueue, Key: "order.#"},
		{Source: "orders", Destination: "shoveltap-host-abc-src-0", DestinationType: ToQueue, Key: "tap.#"},
		{Source: "lost", Destination: "lost-q", DestinationType: ToQueue},
		{Source: "direct", Destination: "d1", DestinationType: ToQueue, Key: "k1"},
		{Source: "direct", Destination: "chain1", DestinationType: ToExchange, Key: "k2"},
		{Source: "hdr", Destination: "eu", DestinationType: ToQueue, Args: map[string]any{"x-match": "all", "region": "eu", "tier": "gold"}},
		{Source: "chain1", Destination: "chain2", DestinationType: ToExchange},
		{Source: "chain2", Destination: "chain1", DestinationType: ToExchange, Key: "k2"}, // a cycle
		{Source: "chain2", Destination: "c2", DestinationType: ToQueue, Key: "k2"},
		{Source: "hash", Destination: "hashed", DestinationType: ToQueue, Key: "1"},
		{Source: "dlx", Destination: "dead-q", DestinationType: ToQueue, Key: "dead"},
		{Source: "direct", Destination: "work", DestinationType: ToQueue, Key: "w"},
		{Source: "", Destination: "paid", DestinationType: ToQueue, Key: "paid"},
	}
	return New("/", xs, qs, bs)
}

func TestRoute(t *testing.T) {
	top := fixture()
	cases := []struct {
		name      string
		m         Message
		verdict   string
		queues    []string
		alternate bool
	}{
		{"topic star", Message{Exchange: "orders", RoutingKey: "order.eu.paid"}, Routed, []string{"all-orders", "paid"}, false},
		{"topic hash only", Message{Exchange: "orders", RoutingKey: "order.paid"}, Routed, []string{"all-orders"}, false},
		{"alternate when nothing matched", Message{Exchange: "orders", RoutingKey: "invoice.sent"}, Routed, []string{"lost-q"}, true},
		// The broker counts the tap's binding as a match: no alternate.
		{"tap binding holds the alternate back", Message{Exchange: "orders", RoutingKey: "tap.x"}, Unroutable, nil, false},
		{"direct", Message{Exchange: "direct", RoutingKey: "k1"}, Routed, []string{"d1"}, false},
		{"direct miss", Message{Exchange: "direct", RoutingKey: "nope"}, Unroutable, nil, false},
		{"CC adds keys", Message{Exchange: "direct", RoutingKey: "nope", Headers: map[string]any{"CC": []any{"k1"}}}, Routed, []string{"d1"}, false},
		{"BCC adds keys", Message{Exchange: "direct", RoutingKey: "k1", Headers: map[string]any{"BCC": []any{"w"}}}, Routed, []string{"d1", "work"}, false},
		{"chain with a cycle", Message{Exchange: "direct", RoutingKey: "k2"}, Routed, []string{"c2"}, false},
		{"headers all", Message{Exchange: "hdr", Headers: map[string]any{"region": "eu", "tier": "gold"}}, Routed, []string{"eu"}, false},
		{"headers one missing", Message{Exchange: "hdr", Headers: map[string]any{"region": "eu"}}, Unroutable, nil, false},
		{"unknown type", Message{Exchange: "hash", RoutingKey: "1"}, Unknown, nil, false},
		{"missing alternate is dropped", Message{Exchange: "noalt", RoutingKey: "x"}, Unroutable, nil, true},
		{"default exchange", Message{Exchange: "", RoutingKey: "eu"}, Routed, []string{"eu"}, false},
		{"default exchange, no such queue", Message{Exchange: "", RoutingKey: "nosuch"}, Unroutable, nil, false},
		{"default exchange never reaches the tap", Message{Exchange: "", RoutingKey: "shoveltap-host-abc-src-0"}, Unroutable, nil, false},
		{"default exchange with CC", Message{Exchange: "", RoutingKey: "eu", Headers: map[string]any{"CC": []any{"d1", 7}}}, Routed, []string{"d1", "eu"}, false},
		{"no such exchange", Message{Exchange: "gone", RoutingKey: "x"}, Unknown, nil, false},
		{"tap exchange is not production", Message{Exchange: "shoveltap-host-abc-x-0"}, Unknown, nil, false},
	}
	for _, c := range cases {
		r := top.Route(c.m)
		if r.Verdict != c.verdict || !slices.Equal(r.QueueNames(), c.queues) && len(c.queues)+len(r.Queues) > 0 || r.UsedAlternate != c.alternate {
			t.Errorf("%s: got %s %v alternate=%v (unknowns %v, notes %v), want %s %v alternate=%v",
				c.name, r.Verdict, r.QueueNames(), r.UsedAlternate, r.Unknowns, r.Notes, c.verdict, c.queues, c.alternate)
		}
	}
}

func TestRoutePath(t *testing.T) {
	r := fixture().Route(Message{Exchange: "direct", RoutingKey: "k2"})
	if len(r.Queues) != 1 {
		t.Fatalf("queues %v", r.QueueNames())
	}
	path := r.Queues[0].Path
	var got []string
	for _, s := range path {
		got = append(got, s.Exchange)
	}
	if !slices.Equal(got, []string{"direct", "chain1", "chain2"}) {
		t.Errorf("path through %v, want direct, chain1, chain2", got)
	}
	if !slices.Equal(r.Visited, []string{"direct", "chain1", "chain2"}) {
		t.Errorf("visited %v: each exchange once, cycle cut", r.Visited)
	}
	alt := fixture().Route(Message{Exchange: "orders", RoutingKey: "invoice"})
	if len(alt.Queues) != 1 || !alt.Queues[0].ByAlternate || alt.Queues[0].Path[0].Alternate != "lost" {
		t.Errorf("alternate path: %+v", alt.Queues)
	}
}

// TestAlternateOnlyWhenNothingMatched: an exchange whose binding matched
// an exchange that leads nowhere did match, so its alternate is not used
// (rabbit_exchange:process_alternate looks at the exchange's own result).
func TestAlternateOnlyWhenNothingMatched(t *testing.T) {
	top := New("/", []Exchange{
		{Name: "a", Type: Direct, Alternate: "ae"},
		{Name: "ae", Type: Fanout},
		{Name: "empty", Type: Direct},
	}, []Queue{{Name: "q-ae"}}, []Binding{
		{Source: "a", Destination: "empty", DestinationType: ToExchange, Key: "k"},
		{Source: "ae", Destination: "q-ae", DestinationType: ToQueue},
	})
	if r := top.Route(Message{Exchange: "a", RoutingKey: "k"}); r.Verdict != Unroutable || r.UsedAlternate {
		t.Errorf("matched an exchange: %s %v alternate=%v, want unroutable without alternate", r.Verdict, r.QueueNames(), r.UsedAlternate)
	}
	if r := top.Route(Message{Exchange: "a", RoutingKey: "other"}); !slices.Equal(r.QueueNames(), []string{"q-ae"}) {
		t.Errorf("nothing matched: %v, want the alternate's queue", r.QueueNames())
	}
	// An exchange down the chain with no match uses its own alternate.
	top2 := New("/", []Exchange{
		{Name: "a", Type: Fanout},
		{Name: "b", Type: Direct, Alternate: "ae"},
		{Name: "ae", Type: Fanout},
	}, []Queue{{Name: "q-ae"}}, []Binding{
		{Source: "a", Destination: "b", DestinationType: ToExchange},
		{Source: "ae", Destination: "q-ae", DestinationType: ToQueue},
	})
	if r := top2.Route(Message{Exchange: "a", RoutingKey: "k"}); !slices.Equal(r.QueueNames(), []string{"q-ae"}) || !r.UsedAlternate {
		t.Errorf("alternate down the chain: %v alternate=%v", r.QueueNames(), r.UsedAlternate)
	}
}

func TestUnknownTypeDownTheChain(t *testing.T) {
	top := New("/", []Exchange{
		{Name: "a", Type: Fanout},
		{Name: "delayed", Type: "x-delayed-message"},
	}, []Queue{{Name: "q"}}, []Binding{
		{Source: "a", Destination: "q", DestinationType: ToQueue},
		{Source: "a", Destination: "delayed", DestinationType: ToExchange},
	})
	r := top.Route(Message{Exchange: "a"})
	if r.Verdict != Routed || len(r.Unknowns) != 1 || !strings.Contains(r.Unknowns[0], "x-delayed-message") {
		t.Errorf("got %s %v unknowns %v: want routed to q and the delayed exchange said unknown", r.Verdict, r.QueueNames(), r.Unknowns)
	}
}

func TestWhyNot(t *testing.T) {
	top := fixture()
	cases := []struct {
		m       Message
		queue   string
		reached bool
		want    string
	}{
		{Message{Exchange: "orders", RoutingKey: "order.paid"}, "paid", false, "`order.*.paid` needs exactly one word between `order` and `paid` where `order.paid` has none"},
		{Message{Exchange: "orders", RoutingKey: "order.eu.paid"}, "paid", true, "`order.*.paid` matches `order.eu.paid`"},
		{Message{Exchange: "orders", RoutingKey: "order.eu.shipped"}, "paid", false, "`order.*.paid` wants word 3 to be `paid` where `order.eu.shipped` has `shipped`"},
		{Message{Exchange: "hdr", Headers: map[string]any{"region": "eu"}}, "eu", false, "x-match all: header `tier` missing"},
		{Message{Exchange: "hdr", Headers: map[string]any{"region": "us", "tier": "gold"}}, "eu", false, "header `region` is \"us\" where the binding wants \"eu\""},
		{Message{Exchange: "direct", RoutingKey: "k3"}, "d1", false, "direct: binding key \"k1\" is not key \"k3\""},
		{Message{Exchange: "direct", RoutingKey: "k1"}, "c2", false, "exchange chain2 was not on the message's way"},
		{Message{Exchange: "orders", RoutingKey: "order.x"}, "lost-q", false, "exchange orders matched 1 binding(s), so its alternate exchange lost was not used"},
		{Message{Exchange: "orders", RoutingKey: "x"}, "nosuch", false, "not in the model"},
		{Message{Exchange: "orders", RoutingKey: "invoice"}, "lost-q", true, "reached queue lost-q: exchange orders matched nothing → alternate exchange lost, then exchange lost → queue lost-q"},
		{Message{Exchange: "", RoutingKey: "eu"}, "paid", false, "the default exchange routes only key \"paid\" to queue paid; the message has key \"eu\""},
	}
	for _, c := range cases {
		w := top.WhyNot(c.m, c.queue)
		all := w.Summary
		for _, ch := range w.Checks {
			all += "\n" + ch.Why
		}
		if w.Reached != c.reached || !strings.Contains(all, c.want) {
			t.Errorf("why not %s for %+v: reached=%v\n%s\nwant reached=%v and %q", c.queue, c.m, w.Reached, all, c.reached, c.want)
		}
	}
}

func TestExplainTopic(t *testing.T) {
	cases := []struct{ pattern, key, want string }{
		{"order.*.paid", "order.paid", "`order.*.paid` needs exactly one word between `order` and `paid` where `order.paid` has none"},
		{"a.*", "a.b.c", "`a.*` needs exactly one word after `a` where `a.b.c` has 2"},
		{"a.#.z", "a.b.c", "`a.#.z` needs the word(s) `z` after `a`, which `a.b.c` does not have there"},
		{"*", "", "`*` needs one word where the empty routing key has none"},
		{"a.b", "a..b", "`a.b` allows no word between `a` and `b` where `a..b` has one word (an empty word: two dots in a row)"},
		{"a.*.c", "b.x.c", "`a.*.c` wants word 1 to be `a` where `b.x.c` has `b`"},
		{"a.#.b", "a", "`a.#.b` needs the word(s) `b` after `a`, which `a` does not have there"},
		{"*.*", "a", "`*.*` needs exactly 2 words where `a` has 1"},
	}
	for _, c := range cases {
		ok, why := explainTopic(c.pattern, c.key)
		if ok || why != c.want {
			t.Errorf("explainTopic(%q, %q) = %v %q, want %q", c.pattern, c.key, ok, why, c.want)
		}
	}
}

func TestDeadLetters(t *testing.T) {
	top := fixture()
	m := Message{Exchange: "direct", RoutingKey: "w", Headers: map[string]any{"CC": []any{"k1"}}}
	d, r := top.DeadLetters("work", m)
	if d == nil || d.Exchange != "dlx" || !slices.Equal(r.QueueNames(), []string{"dead-q"}) {
		t.Fatalf("dead letters of work: %+v %+v", d, r)
	}
	gone := New("/", nil, []Queue{{Name: "q", DeadLetter: &DeadLetter{Exchange: "gone"}}}, nil)
	if d, r := gone.DeadLetters("q", m); d == nil || r.Verdict != Unroutable || len(r.Notes) != 1 {
		t.Errorf("dead letters to a missing exchange are dropped: %+v %+v", d, r)
	}
	if d, _ := top.DeadLetters("d1", m); d != nil {
		t.Errorf("d1 has no dead-letter exchange, got %+v", d)
	}
}

func TestFromBrokerPolicies(t *testing.T) {
	// deadLetterOf: the argument wins over the policy, key by key.
	d := deadLetterOf(map[string]any{"x-dead-letter-routing-key": "arg-key"}, map[string]any{"dead-letter-exchange": "pol-x", "dead-letter-routing-key": "pol-key"}, "p1")
	if d == nil || d.Exchange != "pol-x" || d.RoutingKey != "arg-key" || d.From != "policy p1" {
		t.Errorf("deadLetterOf: %+v", d)
	}
	if d := deadLetterOf(map[string]any{"x-dead-letter-exchange": ""}, nil, ""); d == nil || d.Exchange != "" || d.HasRoutingKey {
		t.Errorf("dead-lettering to the default exchange: %+v", d)
	}
	if d := deadLetterOf(nil, nil, ""); d != nil {
		t.Errorf("no dead-letter settings: %+v", d)
	}
}

func BenchmarkRouteTopic1000(b *testing.B) {
	xs := []Exchange{{Name: "t", Type: Topic}}
	var qs []Queue
	var bs []Binding
	for i := 0; i < 1000; i++ {
		q := "q" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + itoa(i)
		qs = append(qs, Queue{Name: q})
		bs = append(bs, Binding{Source: "t", Destination: q, DestinationType: ToQueue, Key: "svc" + itoa(i%100) + ".*.event" + itoa(i)})
	}
	top := New("/", xs, qs, bs)
	m := Message{Exchange: "t", RoutingKey: "svc42.eu.event542"}
	b.ReportAllocs()
	for b.Loop() {
		if r := top.Route(m); len(r.Queues) != 1 {
			b.Fatalf("queues %v", r.QueueNames())
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkRouteFanIn routes over 5,000 topic bindings with "#", 20 of
// them matching, as TestLoadCost does on a broker.
func BenchmarkRouteFanIn(b *testing.B) {
	var qs []Queue
	var bs []Binding
	for i := 0; i < 1000; i++ {
		q := "q" + itoa(i)
		qs = append(qs, Queue{Name: q})
		for j := 0; j < 5; j++ {
			bs = append(bs, Binding{Source: "big", Destination: q, DestinationType: ToQueue, Key: "svc" + itoa(i%50) + ".*.event" + itoa(j) + ".#"})
		}
	}
	top := New("/", []Exchange{{Name: "big", Type: Topic}}, qs, bs)
	m := Message{Exchange: "big", RoutingKey: "svc7.eu.event3.x"}
	b.ReportAllocs()
	for b.Loop() {
		if r := top.Route(m); len(r.Queues) != 20 {
			b.Fatalf("queues %v", r.QueueNames())
		}
	}
}

func TestFromBroker(t *testing.T) {
	raw := &broker.RoutingTopology{
		Exchanges: []broker.RoutingExchange{
			{Name: ""}, // the default exchange, as the API lists it
			{Name: "by-arg", Type: Direct, Arguments: map[string]any{"alternate-exchange": "ae1"}, Policy: "p"},
			{Name: "by-policy", Type: Direct, Policy: "p"},
			{Name: "hdr", Type: Headers},
			{Name: "shoveltap-h-1-x-0", Type: Fanout},
		},
		Queues: []broker.RoutingQueue{
			{Name: "q1", Arguments: map[string]any{"x-dead-letter-exchange": "dlx"}},
			{Name: "q2", Policy: "p", PolicyDefinition: map[string]any{"dead-letter-exchange": "pdlx", "dead-letter-routing-key": "k"}},
			{Name: "shoveltap-h-1-src-0"},
		},
		Bindings: []broker.RoutingBinding{
			{Source: "", Destination: "q1", DestinationType: ToQueue, RoutingKey: "q1"},
			{Source: "hdr", Destination: "q1", DestinationType: ToQueue, Arguments: map[string]any{"x-match": "all", "flag": "undefined"}},
			{Source: "by-arg", Destination: "shoveltap-h-1-src-0", DestinationType: ToQueue, RoutingKey: "k"},
		},
		Policies: []broker.RoutingPolicy{{Name: "p", Definition: map[string]any{"alternate-exchange": "ae2"}}},
	}
	top := FromBroker("/", raw)
	if x, _ := top.Exchange("by-arg"); x.Alternate != "ae1" || x.AlternateFrom != "argument" {
		t.Errorf("the argument wins over the policy: %+v", x)
	}
	if x, _ := top.Exchange("by-policy"); x.Alternate != "ae2" || x.AlternateFrom != "policy p" {
		t.Errorf("alternate by policy: %+v", x)
	}
	if _, ok := top.Exchange("shoveltap-h-1-x-0"); ok {
		t.Error("shoveltap's own exchange is in the model")
	}
	if q, _ := top.Queue("q2"); q.DeadLetter == nil || q.DeadLetter.Exchange != "pdlx" || q.DeadLetter.RoutingKey != "k" {
		t.Errorf("dead letter by policy: %+v", q.DeadLetter)
	}
	if x, q, b := top.Counts(); x != 3 || q != 2 || b != 1 {
		t.Errorf("counts %d %d %d, want 3 exchanges, 2 queues, 1 binding (own and default left out)", x, q, b)
	}
	// "undefined" is how the API shows a void argument: presence only.
	if r := top.Route(Message{Exchange: "hdr", Headers: map[string]any{"flag": 1}}); !r.Reached("q1") {
		t.Errorf("void argument: %v", r.QueueNames())
	}
	// The tap's binding matched: no alternate, and a note says so.
	r := top.Route(Message{Exchange: "by-arg", RoutingKey: "k"})
	if r.Verdict != Unroutable || r.UsedAlternate || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "without the tap") {
		t.Errorf("tap binding: %+v", r)
	}

	raw.Policies, raw.PoliciesErr = nil, errors.New("refused")
	top = FromBroker("/", raw)
	if x, _ := top.Exchange("by-policy"); !x.PolicyUnknown {
		t.Errorf("unreadable policies: %+v", x)
	}
	if len(top.Notes()) != 1 {
		t.Errorf("notes %v", top.Notes())
	}
	r = top.Route(Message{Exchange: "by-policy", RoutingKey: "nothing"})
	if r.Verdict != Unknown {
		t.Errorf("nothing matched and the alternate is unknown: %s %v", r.Verdict, r.Unknowns)
	}
}

func TestResultSummary(t *testing.T) {
	top := fixture()
	cases := []struct {
		m    Message
		want string
	}{
		{Message{Exchange: "orders", RoutingKey: "order.eu.paid"}, "→ all-orders, paid"},
		{Message{Exchange: "orders", RoutingKey: "invoice"}, "→ lost-q (via alternate exchange)"},
		{Message{Exchange: "direct", RoutingKey: "zzz"}, "unroutable: no production queue got it"},
		{Message{Exchange: "hash", RoutingKey: "1"}, `unknown: exchange "hash" is of type "x-consistent-hash", which shoveltap does not evaluate: cannot say where it routes`},
	}
	for _, c := range cases {
		if got := top.Route(c.m).Summary(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.m, got, c.want)
		}
	}
}

func TestTapped(t *testing.T) {
	h := map[string]any{"region": "eu", "x-shovelled": []any{map[string]any{"shovel-name": "s"}}, "x-shovelled-timestamp": int64(1)}
	m := Tapped("hdr", "k", h)
	if len(m.Headers) != 1 || m.Headers["region"] != "eu" || len(h) != 3 {
		t.Errorf("headers %v (original %v)", m.Headers, h)
	}
	plain := map[string]any{"region": "eu"}
	if m := Tapped("hdr", "k", plain); len(m.Headers) != 1 || m.Exchange != "hdr" || m.RoutingKey != "k" {
		t.Errorf("%+v", m)
	}
	// A with-x binding would otherwise see the shovel's headers.
	top := New("/", []Exchange{{Name: "hdr", Type: Headers}}, []Queue{{Name: "q"}}, []Binding{
		{Source: "hdr", Destination: "q", DestinationType: ToQueue, Args: map[string]any{"x-match": "any-with-x", "x-shovelled-timestamp": nil}},
	})
	if r := top.Route(Tapped("hdr", "k", h)); r.Verdict != Unroutable {
		t.Errorf("the shovel's header routed it: %v", r.QueueNames())
	}
}

// TestHeadersNumbersByBrokerVersion: RabbitMQ 3.x matches 5 against 5.0,
// RabbitMQ 4 (=:=) does not; integers of any width match in both.
func TestHeadersNumbersByBrokerVersion(t *testing.T) {
	args := map[string]any{"x-match": "all", "n": int32(5)}
	for _, c := range []struct {
		got    any
		strict bool
		want   bool
	}{
		{int64(5), false, true}, {int64(5), true, true},
		{5.0, false, true}, {5.0, true, false},
		{float32(5), true, false}, {int8(5), true, true},
	} {
		ok, checks := headersMatch(args, map[string]any{"n": c.got}, c.strict)
		if ok != c.want {
			t.Errorf("n=%T(%v) strict=%v: matched %v, want %v (%+v)", c.got, c.got, c.strict, ok, c.want, checks)
		}
	}
	_, checks := headersMatch(args, map[string]any{"n": 5.0}, true)
	said := false
	for _, c := range checks {
		said = said || strings.Contains(c.why, "RabbitMQ 4 compares the type")
	}
	if !said {
		t.Errorf("the why-not does not say why: %+v", checks)
	}
	for v, want := range map[string]int{"4.0.5": 4, "3.10.8": 3, "": 0, "x": 0} {
		if got := majorVersion(v); got != want {
			t.Errorf("majorVersion(%q) = %d, want %d", v, got, want)
		}
	}
}
