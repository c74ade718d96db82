package jsonl

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
)

// TestParseCountedIsWhatTheTapRead: for every kind of message a line
// holds (every decoder fixture, deliveries, dead letters, traces), a line
// read for counting gives the facts, dead letter and trace context a full
// reading of the message gives, and a Celery or oslo line that carries no
// facts (written before lines had them) is read in full to be decoded
// again.
func TestParseCountedIsWhatTheTapRead(t *testing.T) {
	msgs := schemaMessages(t)
	msgs = append(msgs, tap.Message{Seq: 99, Time: msgs[0].Time, Exchange: "dlx", RoutingKey: "orders",
		Headers: map[string]any{
			"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"x-death":     []any{map[string]any{"queue": "orders", "reason": "rejected", "count": int64(2), "exchange": "orders"}},
		},
		Properties: tap.Properties{ContentType: "application/json"}, Body: []byte(`{"id": 1}`)})
	withFacts := 0
	for _, m := range msgs {
		full := m.Read()
		line := strings.TrimSuffix(writeLine(t, m), "\n")
		got, err := ParseCounted([]byte(line))
		if err != nil {
			t.Fatalf("seq %d: %v\n%s", m.Seq, err, line)
		}
		if !got.CountOnly || got.Seq != m.Seq || !got.Time.Equal(m.Time) {
			t.Errorf("seq %d: count only %v, seq %d, time %v", m.Seq, got.CountOnly, got.Seq, got.Time)
		}
		if got.Reading == nil {
			t.Errorf("seq %d (%s): read in full, though its line says all a count needs:\n%s", m.Seq, full.Decoded.Format, line)
			continue
		}
		if len(full.Facts) > 0 {
			withFacts++
		}
		if !reflect.DeepEqual(got.Reading.Facts, full.Facts) {
			t.Errorf("seq %d: facts from the line\n%+v\nfrom the message\n%+v", m.Seq, got.Reading.Facts, full.Facts)
		}
		if !reflect.DeepEqual(got.Reading.DeadLetter, full.DeadLetter) {
			t.Errorf("seq %d: dead letter %+v, want %+v", m.Seq, got.Reading.DeadLetter, full.DeadLetter)
		}
		if (got.Reading.Decoded.Trace == nil) != (full.Decoded.Trace == nil) ||
			got.Reading.Decoded.Trace != nil && got.Reading.Decoded.Trace.TraceID != full.Decoded.Trace.TraceID {
			t.Errorf("seq %d: trace %+v, want %+v", m.Seq, got.Reading.Decoded.Trace, full.Decoded.Trace)
		}
		if (got.Delivery == nil) != (m.Delivery == nil) {
			t.Errorf("seq %d: delivery %+v, want %+v", m.Seq, got.Delivery, m.Delivery)
		}

		// The same line without its facts, as written before: a
		// lifecycle-shaped message is read in full, to be decoded again.
		old, _, found := cutFacts(line)
		if !found {
			continue
		}
		again, err := ParseCounted([]byte(old))
		if err != nil {
			t.Fatal(err)
		}
		if again.Reading != nil || !again.CountOnly || !bytes.Equal(again.Body, m.Body) {
			t.Errorf("seq %d: a line without facts was not read in full: %+v", m.Seq, again)
		}
	}
	if withFacts < 10 {
		t.Errorf("only %d messages with facts among the fixtures", withFacts)
	}
}

// cutFacts takes the "facts" member out of a line.
func cutFacts(line string) (string, string, bool) {
	i := strings.Index(line, `,"facts":`)
	if i < 0 {
		return line, "", false
	}
	return line[:i] + "}", line[i:], true
}

// TestParseCountedRefusesWhatParseRefuses: a line Parse refuses is
// refused for counting too, with Parse's reason; a line whose facts are
// of a kind this version does not know is read in full.
func TestParseCountedRefusesWhatParseRefuses(t *testing.T) {
	good := strings.TrimSuffix(writeLine(t, tap.Message{Seq: 1, Exchange: "x", RoutingKey: "k", Body: []byte("hello")}), "\n")
	for _, bad := range []string{
		good[:len(good)/2],
		strings.Replace(good, `"size":5`, `"size":6`, 1),
		strings.Replace(good, `"exchange":"x",`, ``, 1),
		`{"seq":1,"exchange":"x","routing_key":"k","size":2,"properties":{},"body_base64":"!!"}`,
	} {
		_, want := Parse([]byte(bad))
		_, got := ParseCounted([]byte(bad))
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%s:\nParseCounted: %v\nParse: %v", bad, got, want)
		}
	}
	celery := tap.Message{Seq: 2, Exchange: "celeryev", RoutingKey: "task.started", Properties: tap.Properties{ContentType: "application/json"},
		Body: []byte(`{"type": "task-started", "uuid": "u1", "hostname": "w1", "timestamp": 1700000000.5}`)}
	line := strings.TrimSuffix(writeLine(t, celery), "\n")
	if !strings.Contains(line, `"facts":[{"kind":"task-event"`) {
		t.Fatalf("no facts in %s", line)
	}
	later := strings.Replace(line, `"kind":"task-event"`, `"kind":"task-forecast"`, 1)
	m, err := ParseCounted([]byte(later))
	if err != nil || m.Reading != nil || !m.CountOnly || string(m.Body) != string(celery.Body) {
		t.Errorf("a fact of an unknown kind: %v, %+v", err, m)
	}
}

// TestFactsThatJSONChangesAreLeftOut: a fact with a string that is not
// UTF-8 is not written (JSON would change it); a reader decodes that
// message again.
func TestFactsThatJSONChangesAreLeftOut(t *testing.T) {
	facts := []decode.Fact{{Kind: decode.FactTask, TaskID: "a"}, {Kind: decode.FactTaskEvent, Args: "\xff\xfe"}}
	if got := newFacts(facts); got != nil {
		t.Errorf("facts with invalid UTF-8 written: %+v", got)
	}
	if got := newFacts(facts[:1]); len(got) != 1 || got[0] != facts[0] {
		t.Errorf("facts %+v", got)
	}
	if got := newFacts([]decode.Fact{{Kind: decode.FactKind(42)}}); got != nil {
		t.Errorf("a kind without a name written: %+v", got)
	}
}
