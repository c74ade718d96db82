package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// osloWithToken is a real-shaped nova call whose args carry the plain key
// "token", with an auth token header.
func osloWithToken(t *testing.T) tap.Message {
	t.Helper()
	body, err := os.ReadFile("../../testdata/decode/oslo_rpc_console_token.body")
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{Seq: 9, Time: t0, Exchange: "nova", RoutingKey: "compute.host1",
		Properties: tap.Properties{ContentType: "application/json"},
		Headers:    map[string]any{"X-Auth-Token": "tok-SECRET", "n": int64(1)},
		Body:       body}
}

var captureSecrets = []string{"CONSOLETOKEN", "SECRETTOKENVALUE", "tok-SECRET"}

func TestRecorderRedacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	rec, err := CreateWith(path, jsonl.Options{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteBatch([]tap.Message{osloWithToken(t), sample(1, 4)}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range captureSecrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("capture file holds %q", s)
		}
	}
	msgs, _ := readAll(t, path)
	if len(msgs) != 2 || !strings.Contains(string(msgs[0].Body), `\"token\": \"[redacted]\"`) {
		t.Fatalf("read back %d messages, first body %.300s", len(msgs), msgs[0].Body)
	}
	// A message without secrets is recorded exactly as with no option.
	if !bytes.Equal(msgs[1].Body, sample(1, 4).Body) {
		t.Errorf("a message without secrets changed: %s", msgs[1].Body)
	}
}

func TestWriteFileWithRedactAndWithout(t *testing.T) {
	dir := t.TempDir()
	m := osloWithToken(t)
	red := filepath.Join(dir, "red.jsonl")
	if err := WriteFileWith(red, []tap.Message{m}, jsonl.Options{Redact: true}); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.jsonl")
	if err := WriteFile(plain, []tap.Message{m}); err != nil {
		t.Fatal(err)
	}
	redData, _ := os.ReadFile(red)
	plainData, _ := os.ReadFile(plain)
	for _, s := range captureSecrets {
		if bytes.Contains(redData, []byte(s)) {
			t.Errorf("redacted file holds %q", s)
		}
		if !bytes.Contains(plainData, []byte(s)) {
			t.Errorf("file written without the option lacks %q: output changed", s)
		}
	}
	back, _ := readAll(t, plain)
	if len(back) != 1 || !bytes.Equal(back[0].Body, m.Body) || back[0].Headers["X-Auth-Token"] != "tok-SECRET" {
		t.Errorf("without the option the message does not read back as written")
	}
}
