package decode

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

func TestFactsCeleryTaskMessage(t *testing.T) {
	in := Input{RoutingKey: "celery", ContentType: "application/json", CorrelationID: "id-1",
		Headers: map[string]any{"task": "billing.charge", "id": "id-1", "root_id": "r", "parent_id": "None",
			"retries": int32(2), "eta": "2026-12-06T12:00:05", "argsrepr": "(1,)",
			"kwargsrepr": "{'card': 4242, 'password': 'hunter2'}"},
		Body: []byte(`[[1], {"card": 4242, "password": "hunter2"}, {}]`)}
	f := Facts(in)
	if len(f) != 1 {
		t.Fatalf("facts %+v", f)
	}
	g := f[0]
	if g.Kind != FactTask || g.Name != "billing.charge" || g.TaskID != "id-1" || g.RootID != "r" ||
		g.ParentID != "" || g.Retries != 2 || !g.HasRetries || g.ETA != "2026-12-06T12:00:05" || g.Args != "(1,)" {
		t.Fatalf("fact %+v", g)
	}
	if strings.Contains(g.Kwargs, "hunter2") || !strings.Contains(g.Kwargs, "4242") {
		t.Errorf("kwargs not redacted: %q", g.Kwargs)
	}
	// A pickle body is never executed: the headers tell all.
	in.ContentType = "application/x-python-serialize"
	in.Body = []byte{0x80, 4, 0x95, 1, 0, 0, 0, 0, 0, 0, 0, '.'}
	if f := Facts(in); len(f) != 1 || f[0].Name != "billing.charge" {
		t.Fatalf("pickle task: %+v", f)
	}
}

func TestFactsCeleryV1(t *testing.T) {
	in := Input{ContentType: "application/json",
		Body: []byte(`{"task": "old.t", "id": "v1", "args": [1, 2], "kwargs": {"token": "s"}, "retries": 1}`)}
	f := Facts(in)
	if len(f) != 1 || f[0].Kind != FactTask || f[0].Name != "old.t" || f[0].Args != "(1, 2)" ||
		f[0].Retries != 1 || strings.Contains(f[0].Kwargs, "'s'") {
		t.Fatalf("facts %+v", f)
	}
}

func TestFactsCeleryEvents(t *testing.T) {
	body := `[{"hostname": "celery@w1", "utcoffset": 0, "pid": 7, "clock": 12, "uuid": "u1",
	  "name": "t.add", "args": "(2, 3)", "kwargs": "{'api_key': 'xyz'}", "root_id": "u1", "parent_id": null,
	  "retries": 0, "eta": null, "expires": null, "timestamp": 1765000000.25, "type": "task-received"},
	 {"hostname": "celery@w1", "uuid": "u1", "result": "5", "runtime": 0.0123, "timestamp": 1765000000.5,
	  "type": "task-succeeded"},
	 {"hostname": "celery@w1", "uuid": "u2", "exception": "ZeroDivisionError('division by zero')",
	  "traceback": "Traceback (most recent call last):\n  File \"x\"\nZeroDivisionError: division by zero\n",
	  "timestamp": 1765000001, "type": "task-failed"},
	 {"hostname": "celery@w1", "uuid": "u3", "terminated": true, "signum": 15, "expired": false,
	  "timestamp": 1765000002, "type": "task-revoked"},
	 {"hostname": "celery@w1", "freq": 2.0, "active": 1, "processed": 9, "loadavg": [0.1, 0.2, 0.3],
	  "sw_ident": "py-celery", "timestamp": 1765000003, "type": "worker-heartbeat"}]`
	f := Facts(Input{Exchange: "celeryev", RoutingKey: "task.multi", ContentType: "application/json", Body: []byte(body)})
	if len(f) != 5 {
		t.Fatalf("%d facts: %+v", len(f), f)
	}
	if r := f[0]; r.Kind != FactTaskEvent || r.Type != "task-received" || r.Name != "t.add" || r.Args != "(2, 3)" ||
		!r.HasRetries || r.Timestamp != 1765000000.25 || strings.Contains(r.Kwargs, "xyz") {
		t.Errorf("received %+v", r)
	}
	if s := f[1]; !s.HasRuntime || s.Runtime != 0.0123 || s.Result != "5" || s.HasRetries {
		t.Errorf("succeeded %+v", s)
	}
	if x := f[2]; x.Exception != "ZeroDivisionError('division by zero')" || !strings.HasSuffix(x.Traceback, "division by zero\n") {
		t.Errorf("failed %+v", x)
	}
	if v := f[3]; !v.Terminated || v.Expired {
		t.Errorf("revoked %+v", v)
	}
	if w := f[4]; w.Kind != FactWorkerEvent || w.Freq != 2 || !w.HasLoad || w.Active != 1 || w.Processed != 9 || w.TaskID != "" {
		t.Errorf("heartbeat %+v", w)
	}
}

func TestFactsResultsAndOslo(t *testing.T) {
	res := Facts(Input{ContentType: "application/json", CorrelationID: "c1",
		Body: []byte(`{"task_id": "c1", "status": "FAILURE", "result": {"exc_type": "KeyError", "exc_message": ["k"], "exc_module": "builtins"}, "traceback": "tb\nKeyError: 'k'", "children": []}`)})
	if len(res) != 1 || res[0].Kind != FactResult || res[0].Type != "FAILURE" || res[0].Exception != "KeyError('k')" {
		t.Fatalf("result %+v", res)
	}
	call := Facts(Input{ContentType: "application/json",
		Body: []byte(`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"args\": {\"admin_password\": \"p\", \"n\": 1}, \"_msg_id\": \"x1\", \"_reply_q\": \"reply_1\", \"_timeout\": 5}"}`)})
	if len(call) != 1 || call[0].Kind != FactOsloCall || call[0].Method != "m" || call[0].MsgID != "x1" ||
		call[0].ReplyQ != "reply_1" || call[0].Timeout != "5" || call[0].Cast || strings.Contains(call[0].Args, "'p'") {
		t.Fatalf("call %+v", call)
	}
	reply := Facts(Input{ContentType: "application/json",
		Body: []byte(`{"oslo.version": "2.0", "oslo.message": "{\"_msg_id\": \"x1\", \"result\": null, \"failure\": \"{\\\"class\\\": \\\"ValueError\\\", \\\"module\\\": \\\"builtins\\\", \\\"message\\\": \\\"bad\\\"}\", \"ending\": true}"}`)})
	if len(reply) != 1 || reply[0].Kind != FactOsloReply || reply[0].Failure != "builtins.ValueError: bad" || !reply[0].Ending {
		t.Fatalf("reply %+v", reply)
	}
	notify := Facts(Input{ContentType: "application/json",
		Body: []byte(`{"event_type": "compute.instance.create.end", "publisher_id": "compute.h", "payload": {}, "priority": "INFO"}`)})
	if len(notify) != 0 {
		t.Fatalf("a notification is no lifecycle: %+v", notify)
	}
}

// Hostile bodies cost bounded memory and never panic.
func TestFactsHostile(t *testing.T) {
	huge := strings.Repeat("  File \"x.py\", line 1, in f\n", 200_000) + "RuntimeError: boom\n"
	body := `{"type": "task-failed", "uuid": "` + strings.Repeat("u", 5000) + `", "hostname": "h", "timestamp": 1,
	  "exception": "` + strings.Repeat("E", 100_000) + `", "traceback": ` + quoteJSON(huge) + `}`
	f := Facts(Input{Exchange: "celeryev", RoutingKey: "task.failed", ContentType: "application/json", Body: []byte(body)})
	if len(body) > maxParse {
		if len(f) != 0 {
			t.Fatalf("a body over %d bytes is not parsed, yet gave %d facts", maxParse, len(f))
		}
	} else if len(f) != 1 || len(f[0].Traceback) > MaxFactTraceback+8 || !strings.HasSuffix(f[0].Traceback, "RuntimeError: boom\n") ||
		len(f[0].Exception) > MaxFactText+8 || len(f[0].TaskID) > 140 {
		t.Fatalf("bounds: traceback %d exception %d id %d", len(f[0].Traceback), len(f[0].Exception), len(f[0].TaskID))
	}
	// A traceback just under the parse limit is kept to its last lines.
	mid := strings.Repeat("frame\n", 100_000) + "KeyError: 'k'\n"
	f = Facts(Input{Exchange: "celeryev", ContentType: "application/json",
		Body: []byte(`{"type": "task-failed", "uuid": "u", "hostname": "h", "timestamp": 1, "traceback": ` + quoteJSON(mid) + `}`)})
	if len(f) != 1 || len(f[0].Traceback) > MaxFactTraceback+8 || !strings.HasSuffix(f[0].Traceback, "KeyError: 'k'\n") ||
		!strings.HasPrefix(f[0].Traceback, "…frame") {
		t.Fatalf("traceback %d bytes: %q…", len(f[0].Traceback), f[0].Traceback[:20])
	}
	for _, b := range []string{`{"type": "task-failed", "uuid": `, `[{"type": "task-received"}, 3]`, `[]`, `null`,
		`{"type": 7, "uuid": "x"}`, `[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]`, "\x80\x04\x95", `{"type": "task-started", "uuid": {"a": 1}}`} {
		for _, ct := range []string{"application/json", "application/x-python-serialize", "application/x-msgpack", ""} {
			f := Facts(Input{Exchange: "celeryev", RoutingKey: "task.failed", ContentType: ct, Body: []byte(b)})
			for _, x := range f {
				if x.Kind == FactTaskEvent && x.TaskID == "" && x.Type == "" {
					t.Errorf("%q as %s gave an empty event %+v", b, ct, x)
				}
			}
		}
	}
	// Pickle on celeryev is not executed, so it tells nothing.
	if f := Facts(Input{Exchange: "celeryev", ContentType: "application/x-python-serialize",
		Body: []byte{0x80, 4, 0x95, 1, 0, 0, 0, 0, 0, 0, 0, '.'}}); len(f) != 0 {
		t.Fatalf("pickle event: %+v", f)
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func FuzzFacts(f *testing.F) {
	f.Add([]byte(`[{"type": "task-received", "uuid": "u", "hostname": "h", "timestamp": 1, "name": "n"}]`), byte(1), byte(4))
	f.Add([]byte(`{"type": "worker-heartbeat", "hostname": "h", "freq": 2, "active": 1, "processed": 2}`), byte(1), byte(4))
	f.Add([]byte(`{"task_id": "c", "status": "SUCCESS", "result": 1}`), byte(1), byte(0))
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"args\": {}, \"_msg_id\": \"x\"}"}`), byte(1), byte(0))
	f.Add([]byte(`{"_msg_id": "x", "failure": "{\"class\": \"E\"}", "ending": true}`), byte(1), byte(0))
	f.Add([]byte(`[[1], {}, {}]`), byte(1), byte(1))
	recoverPanics = false
	defer func() { recoverPanics = true }()
	f.Fuzz(func(t *testing.T, body []byte, ct, hdr byte) {
		in := Input{Body: body, ContentType: fuzzContentTypes[int(ct)%len(fuzzContentTypes)]}
		fuzzHeaders[int(hdr)%len(fuzzHeaders)](&in)
		for _, x := range Facts(in) {
			if x.Kind == FactNone {
				t.Errorf("a fact of no kind: %+v", x)
			}
			for _, s := range []string{x.Name, x.Args, x.Kwargs, x.Result, x.Exception, x.Reason, x.Method, x.Failure, x.Hostname} {
				if len(s) > MaxFactText+8 {
					t.Errorf("a %d-byte field: %q…", len(s), s[:40])
				}
			}
			if len(x.Traceback) > MaxFactTraceback+8 || len(x.TaskID) > 136 || len(x.MsgID) > 136 {
				t.Errorf("unbounded fact %+v", x)
			}
		}
	})
}

// Celery 5.2 on Python 3.11 sends billiard's wrapper in place of the
// exception; the traceback of the same event names the real one (this
// traceback is what a real worker sent in TestRealCeleryLifecycles).
func TestFactsUnwrapBilliardException(t *testing.T) {
	tb := "Traceback (most recent call last):\n  File \"trace.py\", line 451, in trace_task\n    R = retval = fun(*args, **kwargs)\n" +
		"  File \"lifetasks.py\", line 57, in fail\n    raise ValueError(\"boom %d\" % n)\n" +
		"billiard.einfo.ExceptionWithTraceback: \n\"\"\"\nTraceback (most recent call last):\n  File \"lifetasks.py\", line 57, in fail\n" +
		"    raise ValueError(\"boom %d\" % n)\nValueError: boom 3\n\"\"\"\n"
	body := `{"type": "task-failed", "uuid": "u", "hostname": "h", "timestamp": 1, "exception": "ExceptionWithTraceback()", "traceback": ` + quoteJSON(tb) + `}`
	f := Facts(Input{Exchange: "celeryev", ContentType: "application/json", Body: []byte(body)})
	if len(f) != 1 || f[0].Exception != "ValueError: boom 3" {
		t.Fatalf("facts %+v", f)
	}
	for _, c := range []struct{ exc, tb, want string }{
		{"ValueError('x')", tb, "ValueError('x')"}, // not the wrapper: kept
		{"ExceptionWithTraceback()", "", "ExceptionWithTraceback()"},
		{"ExceptionWithTraceback()", "garbage line\n", "ExceptionWithTraceback()"},
		{"ExceptionWithTraceback()", "Traceback\nbilliard.einfo.ExceptionWithTraceback: \n", "ExceptionWithTraceback()"},
		{"ExceptionWithTraceback()", "Traceback\nrequests.exceptions.HTTPError: 503\n", "requests.exceptions.HTTPError: 503"},
	} {
		if got := unwrapException(c.exc, c.tb); got != c.want {
			t.Errorf("unwrapException(%q, %q) = %q, want %q", c.exc, c.tb, got, c.want)
		}
	}
}

// SummarizeFacts reads the facts from the message Summarize prepared and
// parsed: the same facts as Facts alone, for events single, batched and
// gzipped, a base64 task message, an rpc:// result and an oslo call; and
// the same result as Summarize.
func TestSummarizeFactsEqualsFacts(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(`{"type":"task-received","uuid":"u2","name":"t.mul","hostname":"w","timestamp":3,"args":"(2, 3)","kwargs":"{'api_key': 'k'}","retries":0}`)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ins := []Input{
		{Exchange: "celeryev", RoutingKey: "task.received", ContentType: "application/json", ContentEncoding: "gzip", Body: gz.Bytes()},
		{Exchange: "celeryev", RoutingKey: "task.failed", ContentType: "application/json",
			Body: []byte(`{"type":"task-failed","uuid":"u1","hostname":"w@h","timestamp":2,"exception":"ExceptionWithTraceback()","traceback":"Traceback:\nValueError: boom","password":"x"}`)},
		{Exchange: "celeryev", RoutingKey: "task.multi", ContentType: "application/json",
			Body: []byte(`[{"type":"task-started","uuid":"u1","hostname":"w","timestamp":1},{"type":"task-succeeded","uuid":"u1","hostname":"w","timestamp":2,"runtime":0.5,"result":"{'token': 'x'}"}]`)},
		{RoutingKey: "celery", ContentType: "application/json", Headers: map[string]any{"body_encoding": "base64"},
			Body: []byte(base64.StdEncoding.EncodeToString([]byte(`{"task":"t.add","id":"i1","args":[1],"kwargs":{"password":"p"},"retries":1}`)))},
		{RoutingKey: "reply_x", ContentType: "application/json", CorrelationID: "c1",
			Body: []byte(`{"status":"FAILURE","result":{"exc_type":"ValueError","exc_message":["bad"]},"traceback":"tb","task_id":"c1"}`)},
		{Exchange: "openstack", RoutingKey: "compute", ContentType: "application/json",
			Body: []byte(`{"oslo.version":"2.0","oslo.message":"{\"method\":\"resize\",\"args\":{\"admin_password\":\"p\"},\"_msg_id\":\"m1\",\"_reply_q\":\"reply_1\"}"}`)},
		{RoutingKey: "orders", ContentType: "application/json", Body: []byte(`{"order_id":1}`)},
	}
	for i, in := range ins {
		res, got := (*Decoder)(nil).SummarizeFacts(in, func(Result) bool { return true })
		want := Facts(in)
		if (len(want) == 0) != (i == len(ins)-1) {
			t.Errorf("%d (%s): %d facts, want some for all but the plain JSON", i, res.Format, len(want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d (%s): SummarizeFacts %+v, Facts %+v", i, res.Format, got, want)
		}
		if sum := Summarize(in); !reflect.DeepEqual(res, briefOf(sum)) {
			t.Errorf("%d: SummarizeFacts' result %+v, Summarize %+v", i, res, sum)
		}
		// Skipping the fields changes no fact.
		if _, lean := (*Decoder)(nil).SummarizeFactsWithoutFields(in, func(Result) bool { return true }); !reflect.DeepEqual(lean, want) {
			t.Errorf("%d (%s): SummarizeFactsWithoutFields %+v, Facts %+v", i, res.Format, lean, want)
		}
		// An extension's claim leaves Facts to prepare the body itself
		// (the prepared message is not kept): the same facts.
		d := NewDecoder(claimAll{})
		res, got = d.SummarizeFacts(in, func(Result) bool { return true })
		if res.Format != "claimed" || !reflect.DeepEqual(got, want) {
			t.Errorf("%d (extension, %s): SummarizeFacts %+v, Facts %+v", i, res.Format, got, want)
		}
		// An extension's fields are kept: only the built-in ones are
		// left out.
		if res, _ = d.SummarizeFactsWithoutFields(in, func(Result) bool { return false }); res.FieldsLeftOut || len(res.Fields) == 0 || res.Fields[0].Name != "Claimed" {
			t.Errorf("%d (extension): the fields of an extension's claim were left out: %+v", i, res)
		}
	}
}

// claimAll is an extension that claims every message.
type claimAll struct{}

func (claimAll) Decode(Input, []byte) (Result, bool) {
	return Result{Format: "claimed", Fields: []Field{{Name: "Claimed", Value: "yes"}}}, true
}

// TestFactKindNames: every kind has a name in JSON lines and reads back
// from it; an unknown name or kind is refused.
func TestFactKindNames(t *testing.T) {
	for k := FactNone; k <= FactOsloReply; k++ {
		text, err := k.MarshalText()
		if err != nil {
			t.Fatalf("%d: %v", k, err)
		}
		var back FactKind
		if err := back.UnmarshalText(text); err != nil || back != k || k.String() != string(text) {
			t.Errorf("%d → %q → %d (%v)", k, text, back, err)
		}
	}
	var k FactKind
	if err := k.UnmarshalText([]byte("task-forecast")); err == nil {
		t.Error("an unknown name was read")
	}
	if _, err := FactKind(42).MarshalText(); err == nil {
		t.Error("a kind without a name was written")
	}
}
