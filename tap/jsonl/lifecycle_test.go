package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

var lcT0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func lcTask(seq uint64, name, id string, retries int) tap.Message {
	return tap.Message{Seq: seq, Time: lcT0.Add(time.Duration(seq) * time.Second), RoutingKey: "celery",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id},
		Headers: map[string]any{"task": name, "id": id, "root_id": id, "retries": int64(retries),
			"argsrepr": "(2, 3)", "kwargsrepr": "{'password': 'hunter2'}"},
		Body: []byte(`[[2, 3], {}, {}]`)}
}

func lcEvent(t *testing.T, seq uint64, ev map[string]any) tap.Message {
	ev["hostname"] = "celery@w1"
	ev["timestamp"] = float64(lcT0.Unix()) + float64(seq) - 0.5
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{Seq: seq, Time: lcT0.Add(time.Duration(seq) * time.Second), Exchange: "celeryev",
		RoutingKey: strings.Replace(ev["type"].(string), "-", ".", 1),
		Properties: tap.Properties{ContentType: "application/json"}, Body: body}
}

func lcOslo(t *testing.T, seq uint64, exchange, key string, inner map[string]any) tap.Message {
	ib, _ := json.Marshal(inner)
	body, err := json.Marshal(map[string]any{"oslo.version": "2.0", "oslo.message": string(ib)})
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{Seq: seq, Time: lcT0.Add(time.Duration(seq) * time.Second), Exchange: exchange, RoutingKey: key,
		Properties: tap.Properties{ContentType: "application/json"}, Body: body}
}

func lcTraffic(t *testing.T) []tap.Message {
	tb := "Traceback (most recent call last):\n  File \"t.py\", line 3, in f\nValueError: boom"
	return []tap.Message{
		lcTask(1, "tasks.add", "a-1", 0),
		lcEvent(t, 2, map[string]any{"type": "task-received", "uuid": "a-1", "name": "tasks.add", "retries": 0}),
		lcEvent(t, 3, map[string]any{"type": "task-started", "uuid": "a-1"}),
		lcEvent(t, 4, map[string]any{"type": "task-succeeded", "uuid": "a-1", "runtime": 0.25, "result": "5"}),
		// The same event tapped twice prints nothing more.
		lcEvent(t, 4, map[string]any{"type": "task-succeeded", "uuid": "a-1", "runtime": 0.25, "result": "5"}),
		lcTask(5, "tasks.fail", "f-1", 0),
		lcEvent(t, 6, map[string]any{"type": "task-failed", "uuid": "f-1", "exception": "ExceptionWithTraceback()", "traceback": tb}),
		lcTask(7, "tasks.slow", "s-1", 0), // never finishes: no line
		lcOslo(t, 8, "openstack", "compute", map[string]any{"method": "resize", "_msg_id": "m-1", "_reply_q": "reply_1", "args": map[string]any{}}),
		lcOslo(t, 9, "", "reply_1", map[string]any{"_msg_id": "m-1", "result": nil, "failure": "nova.exception.Invalid: no flavor", "ending": true}),
	}
}

func printLifecycle(t *testing.T, p LifecyclePrinter, msgs []tap.Message) []Outcome {
	t.Helper()
	ch := make(chan tap.Batch, 1)
	ch <- tap.Batch{Messages: msgs, Status: tap.Status{State: tap.StateRunning}}
	close(ch)
	var out bytes.Buffer
	if err := p.Print(context.Background(), ch, &out); err != nil {
		t.Fatal(err)
	}
	var got []Outcome
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var o Outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, o)
	}
	return got
}

func TestLifecyclePrinterOneLinePerOutcome(t *testing.T) {
	got := printLifecycle(t, LifecyclePrinter{}, lcTraffic(t))
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3 (succeeded, failed, rpc): %+v", len(got), got)
	}
	ok, failed, rpc := got[0], got[1], got[2]
	if ok.Kind != "task" || ok.ID != "a-1" || ok.Name != "tasks.add" || ok.State != "succeeded" || ok.Worker != "celery@w1" ||
		ok.Runtime == nil || *ok.Runtime != 0.25 || ok.Result != "5" || len(ok.Steps) != 4 {
		t.Errorf("succeeded line %+v", ok)
	}
	if strings.Contains(ok.Kwargs, "hunter2") {
		t.Errorf("a secret in kwargs was not redacted: %q", ok.Kwargs)
	}
	if failed.State != "failed" || failed.Exception != "ValueError: boom" || !strings.Contains(failed.Traceback, "t.py") || failed.Runtime != nil {
		t.Errorf("failed line %+v", failed)
	}
	if rpc.Kind != "rpc" || rpc.Method != "resize" || rpc.Status != "failed" || rpc.Failure != "nova.exception.Invalid: no flavor" ||
		rpc.Latency == nil || *rpc.Latency != 1 {
		t.Errorf("rpc line %+v", rpc)
	}
	only := printLifecycle(t, LifecyclePrinter{Filter: filter.Parse("status:failed")}, lcTraffic(t))
	if len(only) != 2 || only[0].ID != "f-1" || only[1].MsgID != "m-1" {
		t.Errorf("--filter status:failed kept %+v", only)
	}
	if n := printLifecycle(t, LifecyclePrinter{Count: 1}, lcTraffic(t)); len(n) != 1 {
		t.Errorf("--count 1 printed %d lines", len(n))
	}
}

func TestLifecycleLinesMatchTheSchema(t *testing.T) {
	const file = "../../docs/lifecycle-lines.schema.json"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("lifecycle-lines.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("lifecycle-lines.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	ch := make(chan tap.Batch, 1)
	ch <- tap.Batch{Messages: lcTraffic(t)}
	close(ch)
	var out bytes.Buffer
	if err := (LifecyclePrinter{}).Print(context.Background(), ch, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, line := range lines {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("line %s: %v", line, err)
		}
	}
	// The schema refuses what a line never is.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"kind":"task","time":"2026-12-06T12:00:00Z","state":"running"}`))
	if sch.Validate(bad) == nil {
		t.Error("the schema accepts a task line without id, steps and with a state that is not an outcome")
	}
	if len(lines) != 3 {
		t.Errorf("%d lines validated, want 3", len(lines))
	}
}
