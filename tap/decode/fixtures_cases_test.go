package decode

import (
	"strings"
	"testing"
)

// fixtureCase is what one fixture must decode to. Empty fields are not
// checked; Fields lists name/value pairs that must be present.
type fixtureCase struct {
	format     string
	summary    string
	terms      map[string]string
	task       *Task
	fields     map[string]string
	notes      []string // substrings, each in some note
	bodyKind   BodyKind
	bodyHas    []string
	bodyHasNot []string
}

var fixtureCases = map[string]fixtureCase{
	"celery_json_add": {
		format:  "celery",
		summary: "tasks.add(2, 3) · retry 2 · eta 12:00:05",
		terms:   map[string]string{"task": "tasks.add", "id": "3f2ac924-0000-4000-8000-000000000001", "root": "3f2ac924-0000-4000-8000-000000000001"},
		task:    &Task{Kind: "task", Name: "tasks.add", ID: "3f2ac924-0000-4000-8000-000000000001", RootID: "3f2ac924-0000-4000-8000-000000000001"},
		fields: map[string]string{"Args": "(2, 3)", "Kwargs": "{}", "ETA": "2024-05-01T12:00:05+00:00",
			"Retries": "2", "Origin": "gen4242@worker1", "Serializer": "json"},
		bodyKind: BodyJSON,
		bodyHas:  []string{"\"callbacks\": null"},
	},
	"celery_json_kwargs_unicode": {
		format:  "celery",
		summary: `tasks.charge_card(order=1842, amount=12.5, note='café ☕ "rush"', customer={'name': 'Zoë', 'vip': True, 'tags': None})`,
		fields: map[string]string{"Args": "()", "Expires": "2024-05-01T13:00:00+00:00",
			"Time limit": "soft 20s, hard 30s", "Shadow": "charge_card[order=1842]"},
	},
	"celery_json_undefined": {
		format:  "celery",
		summary: "tasks.add(4, 4)",
		terms:   map[string]string{"task": "tasks.add", "id": "3f2a1ae8-0000-4000-8000-000000000001", "root": "3f2a1ae8-0000-4000-8000-000000000001"},
		task:    &Task{Kind: "task", Name: "tasks.add", ID: "3f2a1ae8-0000-4000-8000-000000000001", RootID: "3f2a1ae8-0000-4000-8000-000000000001"},
	},
	"celery_json_chain": {
		format:  "celery",
		summary: "tasks.add(1, 2)",
		fields: map[string]string{"Chain": "tasks.mul(4)[3f2a405e-0000-4000-8000-000000000004] → " +
			"tasks.add(10)[3f2a405e-0000-4000-8000-000000000003]"},
	},
	"celery_json_callbacks": {
		format: "celery",
		fields: map[string]string{"Callbacks": "tasks.mul(3)", "Errbacks": "tasks.on_error"},
	},
	"celery_json_group": {
		format:  "celery",
		summary: "tasks.add(0, 0)",
		terms: map[string]string{"task": "tasks.add", "group": "3f2a1c51-0000-4000-8000-000000000003",
			"id": "3f2a1c51-0000-4000-8000-000000000001", "root": "3f2a1c51-0000-4000-8000-000000000001"},
		task: &Task{Kind: "task", Name: "tasks.add", ID: "3f2a1c51-0000-4000-8000-000000000001",
			RootID: "3f2a1c51-0000-4000-8000-000000000001", GroupID: "3f2a1c51-0000-4000-8000-000000000003"},
	},
	"celery_json_chord": {
		format: "celery",
		fields: map[string]string{"Chord": "tasks.tsum[3f2a4fd0-0000-4000-8000-000000000004]",
			"Group": "3f2a4fd0-0000-4000-8000-000000000003"},
	},
	"celery_json_workflow": {
		format:  "celery",
		summary: "tasks.add(1, 1)",
		fields: map[string]string{"Chain": "chord(group(tasks.mul(2)[3f2a6f4f-0000-4000-8000-000000000003], " +
			"tasks.mul(3)[3f2a6f4f-0000-4000-8000-000000000006])) → chain(tasks.tsum[3f2a6f4f-0000-4000-8000-000000000004] → " +
			"tasks.add(100)[3f2a6f4f-0000-4000-8000-000000000005])"},
	},
	"celery_json_kombu_types": {
		format: "celery",
		summary: "billing.invoice(when=2024-05-01T12:00:05+00:00, amount=12.50, " +
			"ref=3f2a0501-0000-4000-8000-000000000501, blob=b'rawé')",
	},
	"celery_msgpack": {
		format:   "celery",
		summary:  "tasks.charge_card(order=7, customer={'1': 'one', '2': 'two'})",
		fields:   map[string]string{"Serializer": "msgpack"},
		notes:    []string{"decoded from msgpack"},
		bodyKind: BodyJSON,
		bodyHas:  []string{`"customer": {`, `"1": "one"`},
	},
	"celery_yaml": {
		format:   "celery",
		summary:  "tasks.add(2, 3)",
		fields:   map[string]string{"Serializer": "yaml"},
		bodyKind: BodyText,
		bodyHas:  []string{"- - 2"},
	},
	"celery_pickle": {
		format: "celery",
		summary: "tasks.charge_card(99, note='pickled', customer={'when': " +
			"datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=datetime.timezone.utc)})",
		fields:   map[string]string{"Serializer": "pickle", "Args": "(99,)"},
		notes:    []string{"pickle body not executed: showing argsrepr/kwargsrepr and a disassembly"},
		bodyKind: BodyText,
		bodyHas: []string{"globals referenced (not imported): datetime.datetime, datetime.timezone, datetime.timedelta",
			"PROTO              4", "STACK_GLOBAL", "STOP"},
		bodyHasNot: []string{"stopped:"},
	},
	"celery_zlib": {
		format:  "celery",
		summary: "tasks.add(2, 3)",
		fields:  map[string]string{"Compression": "application/x-gzip (zlib)"},
	},
	"celery_bzip2": {
		format:  "celery",
		summary: "tasks.add(5, 6)",
		fields:  map[string]string{"Compression": "application/x-bz2 (bzip2)"},
	},
	"celery_zstd": {
		format:  "celery",
		summary: "tasks.add(7, 8)",
		fields:  map[string]string{"Compression": "application/zstd (zstd)"},
	},
	"celery_brotli": {
		format:  "celery",
		summary: "tasks.add(9, 10)",
		fields:  map[string]string{"Compression": "application/x-brotli (brotli)"},
	},
	"celery_lzma": {
		format:  "celery",
		summary: "tasks.add(11, 12)",
		fields:  map[string]string{"Compression": "application/x-lzma (xz)"},
	},
	"celery_v1": {
		format:  "celery",
		summary: "tasks.add(2, 3) · retry 1 · eta 12:00:05",
		terms:   map[string]string{"task": "tasks.add", "id": "3f2a5416-0000-4000-8000-000000000001"},
		fields:  map[string]string{"Protocol": "1", "Time limit": "soft none, hard 10s", "Callbacks": "tasks.mul(2)"},
	},
	"celery_result_success": {
		format:  "celery/result",
		summary: "SUCCESS 3f2acce2… → 5",
		terms:   map[string]string{"status": "SUCCESS", "id": "3f2acce2-0000-4000-8000-000000000001"},
		task:    &Task{Kind: "result", ID: "3f2acce2-0000-4000-8000-000000000001", Status: "SUCCESS"},
		fields:  map[string]string{"Result": "5"},
	},
	"celery_result_failure": {
		format:  "celery/result",
		summary: "FAILURE 3f2a1091… ZeroDivisionError('division by zero')",
		task:    &Task{Kind: "result", ID: "3f2a1091-0000-4000-8000-000000000001", Status: "FAILURE"},
		fields: map[string]string{"Exception": "ZeroDivisionError('division by zero')",
			"Traceback": "ZeroDivisionError: division by zero"},
	},
	"celery_event_received": {
		format:  "celery/event",
		summary: "task-received tasks.add 3f2a0000… (2, 3) celery@worker1",
		terms: map[string]string{"event": "task-received", "status": "task-received", "task": "tasks.add",
			"id": "3f2a0000-0000-4000-8000-0000000000aa", "root": "3f2a0000-0000-4000-8000-0000000000aa"},
		task: &Task{Kind: "event", Name: "tasks.add", ID: "3f2a0000-0000-4000-8000-0000000000aa",
			RootID: "3f2a0000-0000-4000-8000-0000000000aa", Status: "task-received"},
		fields: map[string]string{"Timestamp": "2024-05-01 12:00:05.122 UTC"},
	},
	"celery_event_succeeded": {
		format:  "celery/event",
		summary: "task-succeeded 3f2a0000… runtime 0.0123s → 5",
		task:    &Task{Kind: "event", ID: "3f2a0000-0000-4000-8000-0000000000aa", Status: "task-succeeded"},
	},
	"celery_event_failed": {
		format:  "celery/event",
		summary: "task-failed 3f2a0000… ZeroDivisionError('division by zero')",
	},
	"celery_event_heartbeat": {
		format:  "celery/event",
		summary: "worker-heartbeat celery@worker1 · active 2",
		terms:   map[string]string{"event": "worker-heartbeat", "status": "worker-heartbeat"},
		fields:  map[string]string{"Processed": "120", "Load average": "[0.1, 0.2, 0.3]"},
	},
	"oslo_notify_envelope": {
		format:     "oslo/notify",
		summary:    "compute.instance.create.end (compute.host1, INFO)",
		terms:      map[string]string{"event": "compute.instance.create.end"},
		fields:     map[string]string{"Envelope": "oslo.version 2.0", "Context auth_token": "[redacted]", "Publisher": "compute.host1"},
		notes:      []string{"envelope unwrapped"},
		bodyKind:   BodyJSON,
		bodyHas:    []string{`"_context_auth_token": "[redacted]"`, `"event_type": "compute.instance.create.end"`},
		bodyHasNot: []string{"SECRETTOKEN", "oslo.message"},
	},
	"oslo_notify_plain": {
		format:  "oslo/notify",
		summary: "image.upload (image.localhost, WARN)",
		terms:   map[string]string{"event": "image.upload"},
	},
	"oslo_rpc_call": {
		format: "oslo/rpc",
		summary: "[RPC call] get_console_output(instance_uuid='1d2c3b4a-0000-4000-8000-3f2a00000102', " +
			"tail_length=50, admin_password='[redacted]')",
		terms:      map[string]string{"method": "get_console_output", "id": "5e1f0c9b7a6d4e3f8a2b1c0d3f2a0201"},
		fields:     map[string]string{"Kind": "call", "Reply queue": "reply_9b8a7c6d5e4f4a3b2c1d0e9f8a7b6c5d", "Timeout": "60"},
		bodyHasNot: []string{"SECRETTOKEN", "hunter2"},
	},
	"oslo_rpc_console_token": {
		format: "oslo/rpc",
		terms:  map[string]string{"method": "validate_console_auth_token", "id": "5e1f0c9b7a6d4e3f8a2b1c0d3f2a0207"},
		fields: map[string]string{"Context auth_token": "[redacted]",
			"Args": "{'instance': {'nova_object.name': 'Instance', 'nova_object.namespace': 'nova', " +
				"'nova_object.version': '2.7', 'nova_object.data': {'uuid': '1d2c3b4a-0000-4000-8000-3f2a00000102'}}, " +
				"'token': '[redacted]'}"},
		bodyHas:    []string{`"token": "[redacted]"`, `"_context_auth_token": "[redacted]"`},
		bodyHasNot: []string{"CONSOLETOKEN", "SECRETTOKEN"},
	},
	"oslo_rpc_cast": {
		format:  "oslo/rpc",
		summary: "[RPC cast] update_available_resource(nodename='host1')",
		terms:   map[string]string{"method": "update_available_resource"},
		fields:  map[string]string{"Kind": "cast", "Namespace": "baseapi"},
	},
	"oslo_reply": {
		format:  "oslo/reply",
		summary: "[reply] 5e1f0c9b… → {'output': 'login: '} (ending)",
		terms:   map[string]string{"id": "5e1f0c9b7a6d4e3f8a2b1c0d3f2a0201"},
	},
	"oslo_reply_failure": {
		format:  "oslo/reply",
		summary: "[reply] 5e1f0c9b… failure nova.exception.InstanceNotFound: Instance 1d2c3b4a could not be found.",
	},
	"spring": {
		format:  "spring",
		summary: `com.acme.orders.OrderCreated {"orderId":1842,"customer":"ACME","total":99.5}`,
		terms:   map[string]string{"type": "com.acme.orders.OrderCreated"},
	},
	"spring_list": {
		format:  "spring",
		summary: `java.util.ArrayList<com.acme.orders.LineItem> [{"sku":"A-1"},{"sku":"B-2"}]`,
	},
	"masstransit": {
		format: "masstransit",
		summary: `Acme.Orders.Contracts:OrderSubmitted {"orderId":"3f2a0301-0000-4000-8000-000000000301",` +
			`"customerNumber":"C-77","total":12.5}`,
		terms:  map[string]string{"type": "Acme.Orders.Contracts:OrderSubmitted"},
		fields: map[string]string{"Host": "host1 Acme.Orders.Api 8.2.1.0", "Also": "Acme.Orders.Contracts:IOrderEvent"},
	},
	"nservicebus": {
		format:  "nservicebus",
		summary: `Sales.Messages.PlaceOrder {"OrderId":1842,"Product":"Widget"}`,
		terms:   map[string]string{"type": "Sales.Messages.PlaceOrder"},
		fields:  map[string]string{"Intent": "Send", "Originating endpoint": "Sales.Api"},
	},
	"generic_json": {
		format:   "json",
		summary:  `{"order_id":1842,"items":3,"note":"überweisung ✓"}`,
		bodyKind: BodyJSON,
	},
	"generic_text": {
		format:   "text",
		summary:  "ERROR 2024-05-01 12:00:05 payment gateway timeout",
		bodyKind: BodyText,
	},
	"generic_binary": {
		format:   "binary",
		summary:  "512 bytes: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f…",
		bodyKind: BodyHex,
		bodyHas:  []string{"00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|"},
	},
	"generic_empty": {format: "empty", bodyKind: BodyEmpty},
	"generic_gzip": {
		format:  "json",
		summary: `{"compressed":true,"n":42}`,
		fields:  map[string]string{"Compression": "deflate (zlib)"},
	},
	"generic_truncated": {format: "json", bodyKind: BodyJSON},
}

func TestFixtures(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range fixtureNames(t) {
		seen[name] = true
		want, ok := fixtureCases[name]
		if !ok {
			t.Errorf("fixture %s has no expectations in fixtureCases", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			in := loadFixture(t, name)
			r := Decode(in)
			checkInvariants(t, in, r)
			if r.Format != want.format {
				t.Errorf("Format = %q, want %q", r.Format, want.format)
			}
			if want.summary != "" && r.Summary != want.summary {
				t.Errorf("Summary =\n  %q\nwant\n  %q", r.Summary, want.summary)
			}
			for k, v := range want.terms {
				if r.Terms[k] != v {
					t.Errorf("Terms[%q] = %q, want %q", k, r.Terms[k], v)
				}
			}
			if want.terms != nil && len(r.Terms) != len(want.terms) {
				t.Errorf("Terms = %v, want %v", r.Terms, want.terms)
			}
			if want.task != nil {
				if r.Task == nil || *r.Task != *want.task {
					t.Errorf("Task = %+v, want %+v", r.Task, want.task)
				}
			}
			for name, v := range want.fields {
				if got := fieldValue(r, name); got != v {
					t.Errorf("field %q = %q, want %q", name, got, v)
				}
			}
			for _, n := range want.notes {
				if !hasNote(r, n) {
					t.Errorf("no note containing %q in %q", n, r.Notes)
				}
			}
			if want.bodyKind != BodyEmpty && r.Body.Kind != want.bodyKind {
				t.Errorf("Body.Kind = %v, want %v", r.Body.Kind, want.bodyKind)
			}
			for _, s := range want.bodyHas {
				if !strings.Contains(r.Body.Text, s) {
					t.Errorf("body lacks %q:\n%s", s, truncate(r.Body.Text, 2000))
				}
			}
			for _, s := range want.bodyHasNot {
				if strings.Contains(r.Body.Text, s) || strings.Contains(r.Summary, s) || strings.Contains(fmtFields(r), s) {
					t.Errorf("result contains %q", s)
				}
			}
		})
	}
	for name := range fixtureCases {
		if !seen[name] {
			t.Errorf("fixtureCases has %s but there is no such fixture", name)
		}
	}
}

func fieldValue(r Result, name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return "<missing>"
}

func hasNote(r Result, sub string) bool {
	for _, n := range r.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func fmtFields(r Result) string {
	var b strings.Builder
	for _, f := range r.Fields {
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	for k, v := range r.Terms {
		b.WriteString(k + "=" + v + "\n")
	}
	return b.String()
}
