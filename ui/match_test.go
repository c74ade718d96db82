package ui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// TestJSONFilterAgreesWithTheFilterBar: for every query, --json --filter
// (jsonl.Printer) writes exactly the messages the filter bar shows,
// hostile ones included: both match the message's one reading.
func TestJSONFilterAgreesWithTheFilterBar(t *testing.T) {
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
		for _, e := range m.retained.shown {
			bar = append(bar, e.msg.Seq)
		}
		in := make(chan tap.Batch, 1)
		in <- tap.Batch{Messages: msgs}
		close(in)
		var out bytes.Buffer
		if err := (jsonl.Printer{Filter: filter.Parse(q)}).Print(context.Background(), in, &out); err != nil {
			t.Fatal(err)
		}
		var printed []uint64
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if l == "" {
				continue
			}
			rec, err := jsonl.Parse([]byte(l))
			if err != nil {
				t.Fatal(err)
			}
			printed = append(printed, rec.Seq)
		}
		if !slices.Equal(bar, printed) {
			t.Errorf("%q: the filter bar shows %v, --json --filter writes %v", q, bar, printed)
		}
		if len(bar) == 0 || len(bar) == len(msgs) {
			t.Errorf("%q selects %d of %d: pick a query that tells messages apart", q, len(bar), len(msgs))
		}
	}
}
