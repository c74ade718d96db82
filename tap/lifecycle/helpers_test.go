package lifecycle

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// t0 is the tap's clock at the start of every constructed scenario.
var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// taskMsg is a Celery protocol 2 task message as Celery publishes it.
func taskMsg(name, id string, retries int) decode.Input {
	return decode.Input{
		Exchange: "", RoutingKey: "celery", ContentType: "application/json", ContentEncoding: "utf-8",
		CorrelationID: id,
		Headers: map[string]any{"lang": "py", "task": name, "id": id, "root_id": id, "parent_id": nil,
			"group": nil, "retries": int64(retries), "eta": nil, "expires": nil,
			"argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen1@client"},
		Body: []byte(`[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`),
	}
}

// event is one Celery event body as a worker sends it on celeryev.
func event(typ, uuid, host string, ts float64, extra map[string]any) map[string]any {
	ev := map[string]any{"type": typ, "hostname": host, "timestamp": t0Unix() + ts, "utcoffset": 0,
		"pid": 4242, "clock": 7}
	if uuid != "" {
		ev["uuid"] = uuid
	}
	for k, v := range extra {
		ev[k] = v
	}
	return ev
}

func t0Unix() float64 { return float64(t0.Unix()) }

// eventMsg wraps events (one, or a batch) in a celeryev message.
func eventMsg(t testing.TB, evs ...map[string]any) decode.Input {
	var body []byte
	var err error
	if len(evs) == 1 {
		body, err = json.Marshal(evs[0])
	} else {
		body, err = json.Marshal(evs)
	}
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := evs[0]["type"].(string)
	return decode.Input{Exchange: "celeryev", RoutingKey: strings.Replace(typ, "-", ".", 1),
		ContentType: "application/json", ContentEncoding: "utf-8", Body: body,
		Headers: map[string]any{"hostname": evs[0]["hostname"]}}
}

// resultMsg is an rpc:// backend result.
func resultMsg(t testing.TB, id, status string, result any) decode.Input {
	body, err := json.Marshal(map[string]any{"task_id": id, "status": status, "result": result,
		"traceback": nil, "children": []any{}, "date_done": nil})
	if err != nil {
		t.Fatal(err)
	}
	return decode.Input{RoutingKey: "2f1e-reply", ContentType: "application/json", CorrelationID: id, Body: body}
}

// osloCall is an oslo.messaging RPC call in its 2.0 envelope.
func osloCall(t testing.TB, method, msgID string) decode.Input {
	inner := map[string]any{"method": method, "args": map[string]any{"x": 1}, "namespace": nil,
		"version": "1.0", "_unique_id": "u" + msgID, "_reply_q": "reply_abc", "_timeout": nil}
	if msgID != "" {
		inner["_msg_id"] = msgID
	}
	return osloEnvelope(t, inner, "openstack", "topic")
}

func osloReply(t testing.TB, msgID string, result any, failure string) decode.Input {
	inner := map[string]any{"_msg_id": msgID, "result": result, "failure": nil, "ending": true,
		"_unique_id": "r" + msgID}
	if failure != "" {
		inner["failure"] = failure
	}
	return osloEnvelope(t, inner, "", "reply_abc")
}

func osloEnvelope(t testing.TB, inner map[string]any, exchange, key string) decode.Input {
	ib, err := json.Marshal(inner)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"oslo.version": "2.0", "oslo.message": string(ib)})
	if err != nil {
		t.Fatal(err)
	}
	return decode.Input{Exchange: exchange, RoutingKey: key, ContentType: "application/json", Body: body}
}

func row(t testing.TB, s Snapshot, name string) NameRow {
	t.Helper()
	for _, r := range s.Names {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no row for %q in %+v", name, s.Names)
	return NameRow{}
}

func methodRow(t testing.TB, s Snapshot, name string) MethodRow {
	t.Helper()
	for _, r := range s.Methods {
		if r.Method == name {
			return r
		}
	}
	t.Fatalf("no row for method %q in %+v", name, s.Methods)
	return MethodRow{}
}

func workerRow(t testing.TB, s Snapshot, host string) WorkerRow {
	t.Helper()
	for _, r := range s.Workers {
		if r.Hostname == host {
			return r
		}
	}
	t.Fatalf("no worker %q in %+v", host, s.Workers)
	return WorkerRow{}
}

func states(tk Task) []State {
	var out []State
	for _, s := range tk.Steps {
		out = append(out, s.State)
	}
	return out
}
