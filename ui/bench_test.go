package ui

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

const benchRetained = 100_000

// retainedModel returns a 120×40 model holding n messages.
func retainedModel(b *testing.B, n int) Model {
	b.Helper()
	opts := testOptions
	opts.Retain = n
	m := newModel(b, 120, 40, opts)
	const chunk = 1000
	for seq := uint64(1); seq <= uint64(n); seq += chunk {
		m = update(b, m, batch(messages(seq, seq+chunk-1), running(seq+chunk-1)))
	}
	return m
}

// BenchmarkRenderAppendBatch100k is one tick of a busy tap: a batch of 50
// messages arrives (decoded, filtered, evicting as many) and the screen is
// drawn, with 100k messages retained.
func BenchmarkRenderAppendBatch100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	next := uint64(benchRetained + 1)
	var batches []batchMsg
	for range 64 {
		batches = append(batches, batch(messages(next, next+49), running(next+49)))
		next += 50
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bm := batches[i%len(batches)]
		// Fresh sequence numbers each time, as the tap would send.
		msgs := make([]tap.Message, len(bm.Messages))
		for j, msg := range bm.Messages {
			msg.Seq = next
			next++
			msgs[j] = msg
		}
		i++
		out, _ := m.Update(batchMsg{Messages: msgs, Status: bm.Status})
		m = out.(Model)
		_ = m.View()
	}
}

// BenchmarkRenderScrolled100k draws the screen after a key press, away
// from the tail, with 100k messages retained.
func BenchmarkRenderScrolled100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	m = press(b, m, "home")
	b.ReportAllocs()
	keys := []string{"pgdown", "pgdown", "pgup", "down"}
	i := 0
	for b.Loop() {
		out, _ := m.Update(keyMsg(keys[i%len(keys)]))
		m = out.(Model)
		i++
		_ = m.View()
	}
}

// BenchmarkFilterFreeText100k is one keystroke in the filter bar: every
// retained message tested again, their haystacks made by an earlier
// free-text query (the first one's cost is BenchmarkFirstFreeTextFilter100k).
func BenchmarkFilterFreeText100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	m.retained.setFilter(filter.Parse("x")) // the haystacks made
	queries := []string{"acme", "acme gmbh", "1834", "curl"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// From no filter, so that every retained message is tested.
		m.retained.setFilter(filter.Matcher{})
		m.retained.setFilter(filter.Parse(queries[i%len(queries)]))
		i++
	}
}

// BenchmarkFirstFreeTextFilter100k is the first free-text query over 100k
// retained messages, which makes each one's haystack (tap/reading
// SearchText: nothing makes it before a free-text term asks). It is the
// work of the command that applies such a filter off the UI goroutine
// (matchAll, on every CPU); a fresh model each time (not timed). Run with
// -benchtime 1x or 3x.
func BenchmarkFirstFreeTextFilter100k(b *testing.B) {
	b.ReportAllocs()
	q := filter.Parse("acme gmbh")
	for range b.N {
		b.StopTimer()
		m := retainedModel(b, benchRetained)
		pool := make([]*entry, 0, m.retained.ring.len())
		for i := range m.retained.ring.len() {
			pool = append(pool, m.retained.ring.at(i))
		}
		b.StartTimer()
		if len(matchAll(q, pool)) == 0 {
			b.Fatal("no message matched")
		}
	}
}

// BenchmarkFilterTerms100k is the same with named terms.
func BenchmarkFilterTerms100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	b.ReportAllocs()
	for b.Loop() {
		m.retained.setFilter(filter.Matcher{})
		m.retained.setFilter(filter.Parse("rk:order.# -rk:#.paid -task:"))
	}
}

// BenchmarkFilterTyping100k types "acme gmbh" one key at a time into the
// filter: after the first key only the current matches are tested again.
func BenchmarkFilterTyping100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	const query = "acme gmbh"
	b.ReportAllocs()
	for b.Loop() {
		m.retained.setFilter(filter.Matcher{})
		for i := 1; i <= len(query); i++ {
			m.retained.setFilter(filter.Parse(query[:i]))
		}
	}
}

// BenchmarkDetailLargeJSON opens the detail pane on a 200 KB JSON body,
// the worst case of colouring, and draws it.
func BenchmarkDetailLargeJSON(b *testing.B) {
	var body []byte
	body = append(body, '[')
	for i := 0; i < 2000; i++ {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"order_id":1842,"customer":"ACME GmbH","total":129.5,"paid":true,"coupon":null}`...)
	}
	body = append(body, ']')
	msg := message(3)
	msg.Body = body
	m := newModel(b, 120, 40, testOptions)
	m = update(b, m, batch([]tap.Message{msg}, running(1)))
	b.ReportAllocs()
	for b.Loop() {
		m.detail.entry = nil // force a rebuild
		m = press(b, m, "enter")
		_ = m.View()
		m = press(b, m, "esc")
	}
}

// BenchmarkEntriesRedact is the cost of --redact where it is paid: in
// the pipeline, redacting and reading a batch of 50 messages of the usual
// mix (JSON, Celery, text, binary), with and without redacting each.
func BenchmarkEntriesRedact(b *testing.B) {
	for _, redact := range []bool{false, true} {
		name := "plain"
		if redact {
			name = "redact"
		}
		b.Run(name, func(b *testing.B) {
			msgs := messages(1, 50)
			b.ReportAllocs()
			for b.Loop() {
				in := msgs
				if redact {
					in = make([]tap.Message, len(msgs))
					for i, m := range msgs {
						in[i] = pipeline.Redact(m)
					}
				}
				_ = newEntries(in)
			}
		})
	}
}

// BenchmarkUIGoroutinePerMessage1KB is what the UI goroutine spends per
// message of a busy tap: Update appending a batch of 100 ready entries
// (decoded by the decoding stage and prepared in the receiving command,
// off the UI goroutine) and View drawing the screen, with 10k retained
// 1 KB JSON messages. Reported as ns per message.
func BenchmarkUIGoroutinePerMessage1KB(b *testing.B) {
	const perBatch = 100
	opts := testOptions
	opts.Retain = 10_000
	m := newModel(b, 120, 40, opts)
	body := []byte(`{"order_id":1842,"customer":"ACME GmbH","lines":[`)
	for len(body) < 1000 {
		body = append(body, `{"sku":"A-1","qty":2,"price":12.5},`...)
	}
	body = append(body[:len(body)-1], "]}"...)
	mk := func(seq uint64) tap.Message {
		msg := message(seq)
		msg.Body, msg.Properties.ContentType = body, "application/json"
		return msg
	}
	seq := uint64(0)
	ready := func() batchMsg {
		msgs := make([]tap.Message, perBatch)
		for i := range msgs {
			seq++
			msgs[i] = mk(seq)
		}
		return batchMsg{Messages: msgs, Status: running(seq), entries: newEntries(msgs)}
	}
	for range opts.Retain / perBatch {
		out, _ := m.Update(ready())
		m = out.(Model)
	}
	batches := make([]batchMsg, 64)
	for i := range batches {
		batches[i] = ready()
	}
	loopBatches(b, m, batches, perBatch, "ns/msg")
}

// loopBatches measures the UI goroutine taking the batches in turn (Update,
// then View) and reports the time per message of a batch in unit.
func loopBatches(b *testing.B, m Model, batches []batchMsg, perBatch int, unit string) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		out, _ := m.Update(batches[i%len(batches)])
		m = out.(Model)
		_ = m.View()
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perBatch), unit)
}

// BenchmarkFilterKeystrokeUIGoroutine100k is what one filter keystroke
// costs the UI goroutine with 100k messages retained: the key, the
// scheduling and, after the debounce, the snapshot handed to the command
// (the matching itself runs in the command, off the UI goroutine).
func BenchmarkFilterKeystrokeUIGoroutine100k(b *testing.B) {
	m := retainedModel(b, benchRetained)
	m = press(b, m, "/")
	queries := []string{"a", "ac", "acm", "acme"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.filter.Clear()
		m.retained.setFilter(filter.Matcher{})
		_ = m.filtering.change(m.retained, filter.Parse(queries[i%len(queries)]))
		_ = m.filtering.start(filterTickMsg{gen: m.filtering.gen}, m.retained)
		i++
	}
}
