package decode

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestIsSecretKey(t *testing.T) {
	secret := []string{
		"token", "Token", "TOKEN", "secret", "client_secret", "SecretAccessKey",
		"api_key", "apikey", "API-Key", "apiKey", "x-api-key", "private_key", "privateKey",
		"credentials", "Credential", "password", "Password", "admin_password", "os_password",
		"adminPassword", "passwd", "passphrase", "auth_token", "X-Auth-Token", "x-subject-token",
		"_context_auth_token", "access_token", "accessToken", "refresh_token", "csrftoken",
		"token_id", "Authorization", "_context_trust_secret",
	}
	plain := []string{
		"", "tokens", "max_tokens", "tokenizer", "TOKENS", "task", "id", "key", "routing_key",
		"kwargs", "author", "authority", "pass", "keystone", "user",
	}
	for _, k := range secret {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false", k)
		}
	}
	for _, k := range plain {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true", k)
		}
	}
}

func TestRedactReprText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"{'password': 'hunter2', 'n': 1}", "{'password': '[redacted]', 'n': 1}"},
		{`{"token": "abc", "user": "u"}`, `{"token": "[redacted]", "user": "u"}`},
		{"{'credentials': {'user': 'u', 'key': 'k'}, 'x': [1, 2]}", "{'credentials': '[redacted]', 'x': [1, 2]}"},
		{"{'api_key': b'\\x00k', 'when': datetime.datetime(2024, 5, 1)}", "{'api_key': '[redacted]', 'when': datetime.datetime(2024, 5, 1)}"},
		{"({'os_password': 'p'},)", "({'os_password': '[redacted]'},)"},
		{"{'note': \"it's: fine\", 'secret': 's'}", "{'note': \"it's: fine\", 'secret': '[redacted]'}"},
		{"{'password': None, 'token': ''}", "{'password': None, 'token': ''}"},
		{"{'token': 'cut sho", "{'token': '[redacted]'"},
		{"(2, 3)", "(2, 3)"},
		{"{'tokens': 5}", "{'tokens': 5}"},
	}
	for _, c := range cases {
		got, changed := redactReprText(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("redactReprText(%q) = %q, %v; want %q", c.in, got, changed, c.want)
		}
	}
}

func TestRedactHeaders(t *testing.T) {
	h := map[string]any{
		"X-Auth-Token": "tok-SECRET",
		"task":         "tasks.login",
		"kwargsrepr":   "{'user': 'ann', 'password': 'pw-SECRET'}",
		"nested":       map[string]any{"os_password": "pw-SECRET", "region": "r1"},
		"list":         []any{map[string]any{"api_key": []byte("k-SECRET")}, int64(3)},
		"password":     nil,
	}
	out := RedactHeaders(h)
	js, _ := json.Marshal(out)
	if strings.Contains(string(js), "SECRET") {
		t.Errorf("secret left: %s", js)
	}
	if out["task"] != "tasks.login" || out["password"] != nil || out["X-Auth-Token"] != redacted ||
		out["kwargsrepr"] != "{'user': 'ann', 'password': '[redacted]'}" {
		t.Errorf("redacted headers: %s", js)
	}
	// The input is never modified; nothing to redact returns it as is.
	if h["X-Auth-Token"] != "tok-SECRET" || h["nested"].(map[string]any)["os_password"] != "pw-SECRET" {
		t.Error("RedactHeaders modified its input")
	}
	plain := map[string]any{"task": "t", "id": "1"}
	if got := RedactHeaders(plain); len(got) != 2 || got["task"] != "t" {
		t.Errorf("plain headers changed: %v", got)
	}
	if RedactHeaders(nil) != nil {
		t.Error("nil headers should stay nil")
	}
}

func TestRedactBody(t *testing.T) {
	cases := []struct {
		name, ct string
		body     string
		want     string // "" means unchanged
	}{
		{"json", "application/json",
			`{"user": "ann", "password": "pw-SECRET", "n": 1.50, "deep": [{"X-Auth-Token": {"a": ["x"]}}]}`,
			`{"user": "ann", "password": "[redacted]", "n": 1.50, "deep": [{"X-Auth-Token": "[redacted]"}]}`},
		{"no content type", "", `{"token":"t-SECRET"}`, `{"token":"[redacted]"}`},
		{"celery protocol 2", "application/json",
			`[[1], {"api_key": "k-SECRET", "note": "ok"}, {"callbacks": null}]`,
			`[[1], {"api_key": "[redacted]", "note": "ok"}, {"callbacks": null}]`},
		{"celery event kwargs repr", "application/json",
			`{"type": "task-received", "kwargs": "{'password': 'pw-SECRET', 'n': 1}"}`,
			`{"type": "task-received", "kwargs": "{'password': '[redacted]', 'n': 1}"}`},
		{"oslo envelope", "application/json",
			`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"args\": {\"token\": \"t-SECRET\"}, \"_context_auth_token\": \"t-SECRET\"}"}`,
			`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"args\": {\"token\": \"[redacted]\"}, \"_context_auth_token\": \"[redacted]\"}"}`},
		{"null and empty kept", "application/json", `{"password": null, "token": ""}`, ""},
		{"nothing secret", "application/json", `{"tokens": 5, "msg": "a: 'b'"}`, ""},
		{"not JSON", "text/plain", `password: pw-SECRET`, ""},
		{"invalid JSON", "application/json", `{"password": "pw-SECRET"`, ""},
		{"trailing data", "application/json", `{"password": "pw-SECRET"} x`, ""},
		{"msgpack", "application/x-msgpack", "\x81\xa8password\xa9pw-SECRET", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, changed := RedactBody(Input{ContentType: c.ct, Body: []byte(c.body)})
			want := c.want
			if want == "" {
				want = c.body
			}
			if string(got) != want || changed != (c.want != "") {
				t.Errorf("RedactBody =\n  %s (%v)\nwant\n  %s", got, changed, want)
			}
			if changed && !json.Valid(got) {
				t.Errorf("output is not JSON: %s", got)
			}
		})
	}
	t.Run("compressed bodies are left alone", func(t *testing.T) {
		in := Input{Headers: map[string]any{"compression": "application/x-gzip"}, Body: []byte(`{"token": "x"}`)}
		if _, changed := RedactBody(in); changed {
			t.Error("changed a compressed body")
		}
		in = Input{Headers: map[string]any{"body_encoding": "base64"}, Body: []byte(`eyJ0b2tlbiI6ICJ4In0=`)}
		if _, changed := RedactBody(in); changed {
			t.Error("changed a base64 body")
		}
	})
	t.Run("too deep to walk is hidden whole", func(t *testing.T) {
		body := `{"a": ` + strings.Repeat("[", 600) + `"pw-SECRET"` + strings.Repeat("]", 600) + `}`
		got, changed := RedactBody(Input{Body: []byte(body)})
		if !changed || strings.Contains(string(got), "SECRET") || !json.Valid(got) {
			t.Errorf("deep body: changed %v, %.80s", changed, got)
		}
	})
}

// The decoded view shows no secret from any decoder: JSON, Celery with
// each serializer, Celery's repr headers and events, oslo.
func TestDecodeRedactsSecrets(t *testing.T) {
	const s = "SECRET-VALUE"
	mp, err := msgpack.Marshal([]any{[]any{}, map[string]any{"password": s, "n": 1}, map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	mpGeneric, _ := msgpack.Marshal(map[string]any{"api_key": s})
	task := map[string]any{"task": "tasks.login", "id": "i1"}
	cases := []struct {
		name string
		in   Input
	}{
		{"generic json", Input{ContentType: "application/json", Body: []byte(`{"user": "u", "token": "` + s + `"}`)}},
		{"generic json large", Input{ContentType: "application/json",
			Body: []byte(`{"password": "` + s + `", "pad": "` + strings.Repeat("x", maxParse) + `"}`)}},
		{"celery json kwargs", Input{ContentType: "application/json", Headers: task,
			Body: []byte(`[["ann"], {"password": "` + s + `"}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)}},
		{"celery msgpack kwargs", Input{ContentType: "application/x-msgpack", Headers: task, Body: mp}},
		{"celery yaml kwargs", Input{ContentType: "application/x-yaml", Headers: task,
			Body: []byte("- [ann]\n- {password: " + s + "}\n- {}\n")}},
		{"celery pickle reprs", Input{ContentType: "application/x-python-serialize",
			Headers: map[string]any{"task": "tasks.login", "id": "i1", "argsrepr": "('ann', {'api_key': '" + s + "'})",
				"kwargsrepr": "{'password': '" + s + "'}"}, Body: []byte{0x80, 4, 'N', '.'}}},
		{"celery event repr", Input{ContentType: "application/json", Exchange: "celeryev", RoutingKey: "task.received",
			Body: []byte(`{"type": "task-received", "uuid": "u1", "name": "tasks.login", "hostname": "h", "timestamp": 1.0, ` +
				`"args": "()", "kwargs": "{'password': '` + s + `'}"}`)}},
		{"celery result", Input{ContentType: "application/json",
			Body: []byte(`{"task_id": "i1", "status": "SUCCESS", "result": {"access_token": "` + s + `"}, "traceback": null}`)}},
		{"generic msgpack", Input{ContentType: "application/x-msgpack", Body: mpGeneric}},
		{"oslo notify payload", Input{ContentType: "application/json",
			Body: []byte(`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"identity.authenticate\", \"publisher_id\": \"identity.host\", ` +
				`\"payload\": {\"token\": \"` + s + `\"}, \"priority\": \"INFO\"}"}`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Decode(c.in)
			all := r.Summary + "\n" + r.Body.Text + "\n" + fmtFields(r) + strings.Join(r.Notes, "\n")
			if strings.Contains(all, s) {
				t.Errorf("%s leaks the secret (format %s):\n%.3000s", c.name, r.Format, all)
			}
			if !strings.Contains(all, redacted) {
				t.Errorf("%s shows no [redacted] (format %s):\n%.3000s", c.name, r.Format, all)
			}
		})
	}
}

// RedactBody never breaks JSON: valid JSON in, valid JSON out, and a
// secret key at the top level never keeps a non-empty string value.
func FuzzRedactBody(f *testing.F) {
	for _, name := range fixtureNames(f) {
		in := loadFixture(f, name)
		if len(in.Body) <= 16<<10 {
			f.Add(in.Body)
		}
	}
	f.Add([]byte(`{"a": "{\"password\": \"x\", \"b\": \"{'token': 'y'}\"}"}`))
	f.Add([]byte(`[{"X-Auth-Token": [1, {"k": "v"}]}, "{'secret': b'x'}"]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, changed := RedactBody(Input{Body: body})
		if !changed && string(out) != string(body) {
			t.Fatalf("unchanged but different")
		}
		if json.Valid(body) && !json.Valid(out) {
			t.Fatalf("valid JSON became invalid:\n%s\n%s", body, out)
		}
		if changed && json.Valid(out) {
			var top map[string]any
			if json.Unmarshal(out, &top) == nil {
				for k, v := range top {
					if s, ok := v.(string); ok && IsSecretKey(k) && s != "" && s != redacted {
						t.Fatalf("key %q kept %q", k, s)
					}
				}
			}
		}
	})
}
