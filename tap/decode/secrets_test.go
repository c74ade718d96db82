package decode

import (
	"bytes"
	"encoding/base64"
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

// isSecretKeyByContains is IsSecretKey as it was first written (the
// key lower-cased, then each part looked for): the reference the one-pass
// isSecretKey must agree with.
func isSecretKeyByContains(name string) bool {
	k := []byte(name)
	for i, c := range k {
		if isUpperASCII(c) {
			k[i] = c + 'a' - 'A'
		}
	}
	for _, p := range secretParts {
		if bytes.Contains(k, p) {
			return true
		}
	}
	for i := 0; ; {
		j := bytes.Index(k[i:], tokenWord)
		if j < 0 {
			return false
		}
		end := i + j + len(tokenWord)
		if end == len(k) || !isLowerASCII(k[end]) || isUpperASCII(name[end]) && !isUpperASCII(name[end-1]) {
			return true
		}
		i = end
	}
}

// TestIsSecretKeyAgrees holds the one-pass isSecretKey to the reference
// on keys made of every pair of fragments (parts, near misses, case and
// separators), as a string and as bytes.
func TestIsSecretKeyAgrees(t *testing.T) {
	frags := []string{"", "x", "_", "-", "s", "S", "ToKeN", "token", "TOKEN", "tokens", "Tokens", "tokenId", "TOKENS", "toke",
		"pass", "PassWord", "passwd", "PASSPHRASE", "secre", "SECRET", "credentia", "Credential", "api", "APIKEY", "api_key", "Api-Key",
		"private", "PrivateKey", "private_key", "PRIVATE-KEY", "auth", "AuthToken", "auth_token", "AUTH-token", "Authorization", "authorisation",
		"é", "\xff", "Ä", "id", "order_id", "a", "p", "c", "t"}
	n := 0
	for _, a := range frags {
		for _, b := range frags {
			for _, c := range []string{"", "n", "N", "_x"} {
				k := a + b + c
				want := isSecretKeyByContains(k)
				if got := IsSecretKey(k); got != want {
					t.Errorf("IsSecretKey(%q) = %v, want %v", k, got, want)
				}
				if got := isSecretKey([]byte(k)); got != want {
					t.Errorf("isSecretKey([]byte(%q)) = %v, want %v", k, got, want)
				}
				if want {
					n++
				}
			}
		}
	}
	if n == 0 {
		t.Error("no secret key among the keys tried")
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
		{"msgpack", "application/x-msgpack", "\x82\xa8password\xa9pw-SECRET\x01\xc0", "\x82\xa8password\xaa[redacted]\x01\xc0"},
		{"msgpack nil kept", "application/x-msgpack", "\x81\xa8password\xc0", ""},
		{"msgpack invalid", "application/x-msgpack", "\x82\xa8password\xa9pw-SECRET", ""},
		{"yaml", "application/x-yaml", "password: pw-SECRET\n", ""},
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
			if changed && c.ct != "application/x-msgpack" && !json.Valid(got) {
				t.Errorf("output is not JSON: %s", got)
			}
		})
	}
	t.Run("too deep to walk is hidden whole", func(t *testing.T) {
		body := `{"a": ` + strings.Repeat("[", 600) + `"pw-SECRET"` + strings.Repeat("]", 600) + `}`
		got, changed := RedactBody(Input{Body: []byte(body)})
		if !changed || strings.Contains(string(got), "SECRET") || !json.Valid(got) {
			t.Errorf("deep body: changed %v, %.80s", changed, got)
		}
	})
}

// msgpack bodies keep every byte but the redacted values, so Python's int
// keys survive.
func TestRedactBodyMsgpack(t *testing.T) {
	body, err := msgpack.Marshal([]any{
		[]any{"ann"},
		map[string]any{"credentials": map[string]any{"user": "u", "key": "k-SECRET"}},
		map[string]any{"callbacks": nil, "X-Auth-Token": []byte("b-SECRET")},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{ContentType: "application/x-msgpack", Body: body}
	got, changed := RedactBody(in)
	if !changed || bytes.Contains(got, []byte("SECRET")) {
		t.Fatalf("changed %v: %q", changed, got)
	}
	v, err := decodeMsgpack(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[["ann"],{"credentials":"[redacted]"},{"callbacks":null,"X-Auth-Token":"[redacted]"}]`
	if js := string(appendJSON(nil, v, 0, 1<<20)); js != want && js != strings.Replace(want, `"callbacks":null,"X-Auth-Token":"[redacted]"`, `"X-Auth-Token":"[redacted]","callbacks":null`, 1) {
		t.Errorf("decoded: %s", js)
	}
	// The real kombu message with int keys has nothing to redact.
	real := loadFixture(t, "celery_msgpack")
	if got, changed := RedactBody(real); changed || !bytes.Equal(got, real.Body) {
		t.Error("celery_msgpack changed")
	}
	// Under zlib too.
	z, _ := recompress("zlib", body)
	got, changed = RedactBody(Input{ContentType: "application/x-msgpack", Headers: map[string]any{"compression": "zlib"}, Body: z})
	out, _, _ := decompress("zlib", got, maxDecompressed)
	if !changed || bytes.Contains(out, []byte("SECRET")) {
		t.Errorf("zlib msgpack: changed %v, %q", changed, out)
	}
}

// Compressed and base64 bodies are unwrapped, redacted and wrapped again
// the same way, so that their headers still describe them.
func TestRedactBodyCompressed(t *testing.T) {
	const plain = `{"user": "ann", "password": "pw-SECRET"}`
	const want = `{"user": "ann", "password": "[redacted]"}`
	for _, c := range []struct{ method, algo string }{
		{"application/x-gzip", "zlib"}, {"gzip", "gzip"}, {"deflate", "deflate"},
		{"application/zstd", "zstd"}, {"application/x-brotli", "brotli"},
		{"application/x-lzma", "xz"}, {"lzma", "lzma"},
	} {
		t.Run(c.method+" "+c.algo, func(t *testing.T) {
			body, err := recompress(c.algo, []byte(plain))
			if err != nil {
				t.Fatal(err)
			}
			in := Input{ContentType: "application/json", Headers: map[string]any{"compression": c.method}, Body: body}
			got, changed := RedactBody(in)
			if !changed {
				t.Fatal("not redacted")
			}
			out, algo, err := decompress(c.method, got, maxDecompressed)
			if err != nil || algo != c.algo || string(out) != want {
				t.Errorf("redacted body decompresses (%s, %v) to %s", algo, err, out)
			}
		})
	}
	t.Run("zstd frames name their content size", func(t *testing.T) {
		// kombu decompresses zstd with python-zstandard's one-shot
		// decompress, which refuses frames without a content size.
		for _, n := range []int{10, 300, 5000, 2 << 20} {
			b, err := recompress("zstd", bytes.Repeat([]byte("a"), n))
			if err != nil {
				t.Fatal(err)
			}
			fhd := b[4]
			if fhd>>6 == 0 && fhd&0x20 == 0 {
				t.Errorf("%d bytes: frame header %#x has no content size", n, fhd)
			}
		}
	})
	t.Run("base64 body_encoding", func(t *testing.T) {
		in := Input{Headers: map[string]any{"body_encoding": "base64"},
			Body: []byte(base64.StdEncoding.EncodeToString([]byte(plain)))}
		got, changed := RedactBody(in)
		out, err := base64.StdEncoding.DecodeString(string(got))
		if !changed || err != nil || string(out) != want {
			t.Errorf("got %s (%v, %v)", out, changed, err)
		}
	})
	t.Run("base64 of zlib", func(t *testing.T) {
		z, _ := recompress("zlib", []byte(plain))
		in := Input{Headers: map[string]any{"body_encoding": "base64", "compression": "application/x-gzip"},
			Body: []byte(base64.StdEncoding.EncodeToString(z))}
		got, changed := RedactBody(in)
		r := Decode(Input{Headers: in.Headers, Body: got})
		if !changed || !strings.Contains(r.Body.Text, `"password": "[redacted]"`) {
			t.Errorf("changed %v, decoded %q, notes %q", changed, r.Body.Text, r.Notes)
		}
	})
	// Real kombu bodies without secrets come back byte for byte.
	for _, name := range []string{"celery_zlib", "celery_bzip2", "celery_zstd", "celery_brotli", "celery_lzma"} {
		in := loadFixture(t, name)
		if got, changed := RedactBody(in); changed || !bytes.Equal(got, in.Body) {
			t.Errorf("%s: a body without secrets changed", name)
		}
	}
	unchanged := map[string]Input{
		// bz2.compress(b'{"password": "pw-SECRET"}') in Python: Go has no
		// bzip2 writer, so this one cannot be redacted.
		"bzip2": {Headers: map[string]any{"compression": "application/x-bz2"},
			Body: []byte("\x42\x5a\x68\x39\x31\x41\x59\x26\x53\x59\x71\xa8\x0d\x6d\x00\x00\x0b\x9f\x80\x50\x02\x00\x10\x0a" +
				"\x00\x1c\x00\x24\x00\xd8\x8a\x20\x00\x22\x86\x8d\x34\xda\x9a\x6d\x41\x4d\x32\x31\x31\x31\x11\xca\x39\x5d" +
				"\x80\x06\x3b\x2c\xd4\x99\x2b\x6f\x67\xe2\xee\x48\xa7\x0a\x12\x0e\x35\x01\xad\xa0")},
		"not compressed":    {Headers: map[string]any{"compression": "application/x-gzip"}, Body: []byte(plain)},
		"bad base64":        {Headers: map[string]any{"body_encoding": "base64"}, Body: []byte("%%" + plain)},
		"unknown algorithm": {Headers: map[string]any{"compression": "snappy"}, Body: []byte(plain)},
	}
	for name, in := range unchanged {
		if got, changed := RedactBody(in); changed || !bytes.Equal(got, in.Body) {
			t.Errorf("%s: changed", name)
		}
	}
	if out, _, err := decompress("bzip2", unchanged["bzip2"].Body, 100); err != nil || !strings.Contains(string(out), "pw-SECRET") {
		t.Errorf("the bzip2 sample is not what it claims: %q %v", out, err)
	}
	t.Run("bomb", func(t *testing.T) {
		// Past maxRedact the body is not redacted, and not inflated further.
		body := mustRead(t, "bomb/zeros100m.zst")
		in := Input{Headers: map[string]any{"compression": "zstd"}, Body: body}
		if _, changed := RedactBody(in); changed {
			t.Error("redacted a bomb")
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
		{"json cut short", Input{ContentType: "application/json",
			Body: []byte(`{"user": "u", "password": "` + s + `", "more": [1, 2`)}},
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

// RedactBody never breaks JSON or msgpack: valid in, valid out, and a
// secret key at the top level never keeps a non-empty string value.
func FuzzRedactBody(f *testing.F) {
	for _, name := range fixtureNames(f) {
		in := loadFixture(f, name)
		if len(in.Body) <= 16<<10 {
			f.Add(in.Body, in.ContentType == "application/x-msgpack")
		}
	}
	f.Add([]byte(`{"a": "{\"password\": \"x\", \"b\": \"{'token': 'y'}\"}"}`), false)
	f.Add([]byte(`[{"X-Auth-Token": [1, {"k": "v"}]}, "{'secret': b'x'}"]`), false)
	f.Add([]byte("\x92\x82\xa8password\xa9pw-SECRET\x01\xc0\x81\xa5token\x92\x01\x02"), true)
	f.Fuzz(func(t *testing.T, body []byte, isMsgpack bool) {
		if isMsgpack {
			out, changed := RedactBody(Input{ContentType: "application/x-msgpack", Body: body})
			if !changed && string(out) != string(body) {
				t.Fatalf("unchanged but different")
			}
			if changed && checkMsgpack(out) != nil {
				t.Fatalf("valid msgpack became invalid: %q -> %q", body, out)
			}
			return
		}
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
