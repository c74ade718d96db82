package ui

import (
	"slices"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// TestMatchFuncAgreesWithTheFilterBar: for every query, MatchFunc (what
// --filter applies to JSON lines) keeps exactly the messages the filter
// bar shows, hostile ones included.
func TestMatchFuncAgreesWithTheFilterBar(t *testing.T) {
	msgs := messages(1, 60)
	msgs = append(msgs, hostileMessage(61), secretMessage(t, 62))
	queries := []string{
		"order", "ACME", `"ACME GmbH"`, "rk:order.#", "rk:order.*.paid", "-rk:order.#",
		"exchange:orders", "exchange:", "ctype:json", "format:celery", "format:binary",
		"task:tasks.add", "task:tasks.*", "-task:", "id:0000", "x-trace-id", "pwned", "evil",
		"method:validate_console_auth_token", "format:oslo", "curl",
	}
	for _, q := range queries {
		opts := testOptions
		opts.Filter = q
		m := newModel(t, 100, 30, opts)
		m = update(t, m, batch(msgs, running(uint64(len(msgs)))))
		var bar []uint64
		for _, e := range m.stream.shown {
			bar = append(bar, e.msg.Seq)
		}
		match := MatchFunc(q)
		var fn []uint64
		for _, msg := range msgs {
			if match(msg, decode.Decode(msg.DecodeInput())) {
				fn = append(fn, msg.Seq)
			}
		}
		if !slices.Equal(bar, fn) {
			t.Errorf("%q: the filter bar shows %v, MatchFunc keeps %v", q, bar, fn)
		}
		if len(bar) == 0 || len(bar) == len(msgs) {
			t.Errorf("%q selects %d of %d: pick a query that tells messages apart", q, len(bar), len(msgs))
		}
	}
	if MatchFunc("") != nil || MatchFunc("  ") != nil {
		t.Error("an empty query gives a test; it should give nil (keep everything)")
	}
}
