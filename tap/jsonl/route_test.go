package jsonl

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
)

const (
	testTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpanID  = "00f067aa0ba902b7"
)

// routedMessages are messages read and routed as the pipeline's read
// stage does: routed (traced, and a dead letter itself), unroutable, and
// unknown (an exchange type the model does not evaluate).
func routedMessages() []tap.Message {
	at := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	live := routingtest.Live()
	msgs := []tap.Message{
		{Seq: 1, Time: at, Exchange: "orders", RoutingKey: "order.paid", Body: []byte(`{"id":1}`),
			Headers: map[string]any{
				"traceparent": "00-" + testTraceID + "-" + testSpanID + "-01",
				"x-death": []any{map[string]any{"queue": "billing", "reason": "rejected", "count": int64(2),
					"exchange": "orders", "routing-keys": []any{"order.paid"}, "time": at}},
				"x-first-death-queue": "billing", "x-first-death-reason": "rejected", "x-first-death-exchange": "orders",
			}},
		{Seq: 2, Time: at, Exchange: "orders", RoutingKey: "order.lost", Body: []byte("lost")},
		{Seq: 3, Time: at, Exchange: "hash", RoutingKey: "k", Body: []byte("h")},
	}
	for i := range msgs {
		r := msgs[i].Read()
		r.SetRoute(live.Route(msgs[i].Exchange, msgs[i].RoutingKey, msgs[i].Headers))
		msgs[i].Reading = r
	}
	return msgs
}

// TestRoutedLines: routed_to (with the path and where the queue's dead
// letters go), unroutable, routing_unknown, dead_letter, trace_id and
// span_id are written as docs/json-lines.md says, and match the schema.
func TestRoutedLines(t *testing.T) {
	sch := compileSchema(t)
	var recs []Record
	for _, m := range routedMessages() {
		line := writeLine(t, m)
		inst, err := jsonschemaUnmarshal(line)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("line %d does not match the schema: %v\n%s", m.Seq, err, line)
		}
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	routed := recs[0]
	if len(routed.RoutedTo) != 1 || routed.RoutedTo[0].Queue != "paid" || routed.Unroutable {
		t.Fatalf("routed: %+v", routed)
	}
	if p := routed.RoutedTo[0].Path; len(p) != 1 || !strings.Contains(p[0], `"order.paid"`) {
		t.Errorf("path %q", p)
	}
	if d := routed.RoutedTo[0].DeadLetters; d == nil || d.Exchange != "dlx" || len(d.RoutedTo) != 1 || d.RoutedTo[0] != "dead" {
		t.Errorf("dead letters of paid: %+v", d)
	}
	if routed.TraceID != testTraceID || routed.SpanID != testSpanID {
		t.Errorf("trace %q span %q", routed.TraceID, routed.SpanID)
	}
	dl := routed.DeadLetter
	if dl == nil || len(dl.Deaths) != 1 || dl.Deaths[0].Reason != "rejected" || dl.Deaths[0].Queue != "billing" || dl.Deaths[0].Count != 2 || dl.First == nil {
		t.Errorf("dead_letter %+v", dl)
	}
	if lost := recs[1]; !lost.Unroutable || len(lost.RoutedTo) != 0 || lost.TraceID != "" || lost.DeadLetter != nil {
		t.Errorf("unroutable: %+v", lost)
	}
	if h := recs[2]; h.Unroutable || len(h.RoutedTo) != 0 || len(h.RoutingUnknown) == 0 || !strings.Contains(h.RoutingUnknown[0], "x-consistent-hash") {
		t.Errorf("unknown: %+v", h)
	}
	// Without a routing model (a capture file, no management API) none of
	// the routing keys is written.
	plain := tap.Message{Seq: 4, Exchange: "orders", RoutingKey: "order.lost", Body: []byte("x")}
	if line := writeLine(t, plain); strings.Contains(line, "unroutable") || strings.Contains(line, "routed_to") {
		t.Errorf("a line without a model has routing: %s", line)
	}
}

func jsonschemaUnmarshal(line string) (any, error) {
	return jsonschema.UnmarshalJSON(strings.NewReader(line))
}
