package reading

import (
	"reflect"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// The read stage reads lifecycle facts once, with the reading, for Celery
// and oslo messages only; a delivery report and a plain JSON body get none.
func TestReadingCarriesLifecycleFacts(t *testing.T) {
	task := decode.Input{RoutingKey: "celery", ContentType: "application/json", ContentEncoding: "utf-8",
		Headers: map[string]any{"task": "tasks.add", "id": "t-1", "retries": int64(0), "argsrepr": "(2, 3)", "kwargsrepr": "{}"},
		Body:    []byte(`[[2, 3], {}, {}]`)}
	events := decode.Input{Exchange: "celeryev", RoutingKey: "task.succeeded", ContentType: "application/json",
		Body: []byte(`[{"type":"task-started","uuid":"t-1","hostname":"w1@h","timestamp":1.5},` +
			`{"type":"task-succeeded","uuid":"t-1","hostname":"w1@h","timestamp":2,"runtime":0.5,"result":"5"}]`)}
	reply := decode.Input{RoutingKey: "reply_abc", ContentType: "application/json",
		Body: []byte(`{"oslo.version":"2.0","oslo.message":"{\"_msg_id\":\"m1\",\"result\":1,\"failure\":null,\"ending\":true}"}`)}
	plain := decode.Input{RoutingKey: "orders", ContentType: "application/json", Body: []byte(`{"order_id":1}`)}

	cases := []struct {
		name  string
		in    Input
		kinds []decode.FactKind
	}{
		{"task message", Input{Message: task}, []decode.FactKind{decode.FactTask}},
		{"event batch", Input{Message: events}, []decode.FactKind{decode.FactTaskEvent, decode.FactTaskEvent}},
		{"oslo reply", Input{Message: reply}, []decode.FactKind{decode.FactOsloReply}},
		{"plain JSON", Input{Message: plain}, nil},
		{"delivery report", Input{Message: task, Delivery: &Delivery{Connection: "c"}}, nil},
	}
	for _, c := range cases {
		r := Build(c.in)
		// The read stage reads the facts from the body Summarize parsed:
		// the same facts as decode.Facts reading it afresh.
		if want := decode.Facts(c.in.Message); c.kinds != nil && !reflect.DeepEqual(r.Facts, want) {
			t.Errorf("%s: the reading's facts %+v, decode.Facts %+v", c.name, r.Facts, want)
		}
		if len(r.Facts) != len(c.kinds) {
			t.Errorf("%s: %d facts %+v, want kinds %v", c.name, len(r.Facts), r.Facts, c.kinds)
			continue
		}
		for i, f := range r.Facts {
			if f.Kind != c.kinds[i] {
				t.Errorf("%s: fact %d is kind %v, want %v", c.name, i, f.Kind, c.kinds[i])
			}
		}
	}
}

// BenchmarkFactsInTheReadStage is what reading a Celery event's facts
// adds to its reading, in the pipeline's read stage (off the UI
// goroutine): facts alone against the whole reading, facts included.
func BenchmarkFactsInTheReadStage(b *testing.B) {
	in := decode.Input{Exchange: "celeryev", RoutingKey: "task.succeeded", ContentType: "application/json",
		Body: []byte(`{"type":"task-succeeded","uuid":"7d3c4c1e-5a2b-4f7e-9d1a-0c6b8e2f4a10","hostname":"celery@w1","timestamp":1765000000.5,"runtime":0.25,"result":"5","clock":42,"pid":4242,"utcoffset":0}`)}
	b.Run("facts", func(b *testing.B) {
		for b.Loop() {
			_ = decode.Facts(in)
		}
	})
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			_ = Build(Input{Message: in})
		}
	})
}
