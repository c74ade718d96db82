package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// secrets are every secret value in secretMessage.
var secrets = []string{"CONSOLETOKEN", "SECRETTOKENVALUE", "tok-SECRET", "pw-SECRET", "k-SECRET"}

// secretMessage is a real-shaped oslo.messaging call (nova's
// validate_console_auth_token, whose args carry the plain key "token")
// with secrets in its headers too.
func secretMessage(t *testing.T) tap.Message {
	t.Helper()
	body, err := os.ReadFile("../../testdata/decode/oslo_rpc_console_token.body")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CONSOLETOKEN", "SECRETTOKENVALUE"} {
		if !bytes.Contains(body, []byte(s)) {
			t.Fatalf("fixture lacks %s", s)
		}
	}
	return tap.Message{
		Seq: 1, Time: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC), Exchange: "nova", RoutingKey: "compute.host1",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"},
		Headers: map[string]any{
			"X-Auth-Token": "tok-SECRET",
			"kwargsrepr":   "{'user': 'ann', 'password': 'pw-SECRET'}",
			"nested":       map[string]any{"api_key": "k-SECRET", "region": "r1"},
			"plain":        "kept",
		},
		Body: body,
	}
}

func writeLine(t *testing.T, m tap.Message) string {
	t.Helper()
	var buf bytes.Buffer
	w := jsonl.NewWriter(&buf)
	if err := w.Write(m); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestRedactKeepsSecretsOutOfTheLine(t *testing.T) {
	m := secretMessage(t)
	orig := string(m.Body)
	line := writeLine(t, Redact(m))
	for _, s := range secrets {
		if strings.Contains(line, s) {
			t.Errorf("redacted line holds %q:\n%s", s, line)
		}
	}
	// The line reads back as a message whose body is still oslo's
	// envelope, with only the secret values changed.
	back, err := jsonl.Parse([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal(back.Body, &env); err != nil {
		t.Fatalf("body is no longer JSON: %v\n%s", err, back.Body)
	}
	var inner struct {
		Method string         `json:"method"`
		Args   map[string]any `json:"args"`
		Ctx    string         `json:"_context_auth_token"`
		User   string         `json:"_context_user_id"`
	}
	if err := json.Unmarshal([]byte(env["oslo.message"]), &inner); err != nil {
		t.Fatalf("oslo.message is no longer JSON: %v", err)
	}
	if inner.Method != "validate_console_auth_token" || inner.Args["token"] != "[redacted]" ||
		inner.Ctx != "[redacted]" || inner.User != "9a1f6d5c0b1e4c3a8f7e6d5c4b3a2910" {
		t.Errorf("inner message: %+v", inner)
	}
	if back.Headers["plain"] != "kept" || back.Headers["X-Auth-Token"] != "[redacted]" {
		t.Errorf("headers: %v", back.Headers)
	}
	// The message handed in is not modified.
	if string(m.Body) != orig || m.Headers["X-Auth-Token"] != "tok-SECRET" {
		t.Error("Redact modified the message it was given")
	}
}

// TestRedactStage: with Config.Redact every message of every batch
// comes out redacted, in order, with its batch's status, before it is
// read: its reading, JSON line and filter subject hold no secret. The
// input batches are left as they were.
func TestRedactStage(t *testing.T) {
	in := make(chan tap.Batch, 2)
	plain := tap.Message{Seq: 2, Body: []byte("no secrets here"), Properties: tap.Properties{ContentType: "text/plain"}}
	first := tap.Batch{Messages: []tap.Message{secretMessage(t), plain}, Status: tap.Status{Seen: 2}}
	in <- first
	in <- tap.Batch{Status: tap.Status{Seen: 2, Detail: "status only"}}
	close(in)
	var got []tap.Batch
	_, out := Start(context.Background(), in, Config{Redact: true})
	for b := range out {
		got = append(got, b)
	}
	if len(got) != 2 || len(got[0].Messages) != 2 || got[0].Status.Seen != 2 || got[1].Status.Detail != "status only" {
		t.Fatalf("batches %+v", got)
	}
	red := got[0].Messages[0]
	line := writeLine(t, red)
	for _, s := range secrets {
		if strings.Contains(line, s) || strings.Contains(red.Reading.SearchText(), strings.ToLower(s)) {
			t.Errorf("redacted stream holds %q", s)
		}
		if filter.Parse(strings.ToLower(s)).Match(&red.Reading.Subject) {
			t.Errorf("a filter finds %q", s)
		}
	}
	if !strings.Contains(line, "[redacted]") {
		t.Errorf("nothing redacted:\n%s", line)
	}
	if string(got[0].Messages[1].Body) != "no secrets here" || got[0].Messages[1].Seq != 2 {
		t.Errorf("second message %+v", got[0].Messages[1])
	}
	if !bytes.Contains(first.Messages[0].Body, []byte("SECRETTOKENVALUE")) {
		t.Error("the input batch was changed")
	}
}

// TestWithoutRedactNothingChanges: without Config.Redact the secrets are
// written as received.
func TestWithoutRedactNothingChanges(t *testing.T) {
	in := make(chan tap.Batch, 1)
	m := secretMessage(t)
	in <- tap.Batch{Messages: []tap.Message{m}}
	close(in)
	_, out := Start(context.Background(), in, Config{})
	b := <-out
	back, err := jsonl.Parse([]byte(writeLine(t, b.Messages[0])))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Body, m.Body) || back.Headers["X-Auth-Token"] != "tok-SECRET" ||
		back.Headers["kwargsrepr"] != m.Headers["kwargsrepr"] {
		t.Errorf("body or headers changed without Redact")
	}
}

// TestStageStopsWithCtx: a stage whose reader went away ends.
func TestStageStopsWithCtx(t *testing.T) {
	in := make(chan tap.Batch)
	ctx, cancel := context.WithCancel(context.Background())
	out := Map(ctx, in, redactBatch)
	cancel()
	select {
	case _, ok := <-out:
		if ok {
			t.Error("a batch out of nothing")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stage did not end with its context")
	}
}

// TestRecordingIsRedacted: with --redact and --record, the capture file
// holds no secret, and a message without secrets is recorded as received.
func TestRecordingIsRedacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	rec, err := capture.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := tap.Message{Seq: 2, Body: []byte(`{"n": 1}`), Properties: tap.Properties{ContentType: "application/json"}}
	in := make(chan tap.Batch, 1)
	in <- tap.Batch{Messages: []tap.Message{secretMessage(t), plain}}
	close(in)
	p, out := Start(context.Background(), in, Config{Redact: true, Recorder: rec})
	for range out {
	}
	if n, err := p.Stop(); err != nil || n != 2 {
		t.Fatalf("recorded %d (%v)", n, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("capture file holds %q", s)
		}
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	back, err := jsonl.Parse(lines[1])
	if err != nil || !bytes.Equal(back.Body, plain.Body) {
		t.Errorf("a message without secrets changed: %s (%v)", back.Body, err)
	}
}
