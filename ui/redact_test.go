package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

// redactSecrets are every secret value in secretMessage.
var redactSecrets = []string{"CONSOLETOKEN", "SECRETTOKENVALUE", "tok-SECRET", "pw-SECRET", "k-SECRET"}

// secretMessage is a real-shaped oslo.messaging call whose args carry the
// plain key "token", with secrets in its headers too.
func secretMessage(t *testing.T, seq uint64) tap.Message {
	t.Helper()
	body, err := os.ReadFile("../testdata/decode/oslo_rpc_console_token.body")
	if err != nil {
		t.Fatal(err)
	}
	return tap.Message{
		Seq: seq, Time: t0, Exchange: "nova", RoutingKey: "compute.host1",
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

// secretsIn lists the secrets that text holds.
func secretsIn(text string) []string {
	var found []string
	for _, s := range redactSecrets {
		if strings.Contains(text, s) {
			found = append(found, s)
		}
	}
	return found
}

// TestRedactedByThePipeline: a message the pipeline redacted (--redact,
// for a tap and for open alike) shows no secret in the detail pane
// (headers and body), a save, or the clipboard; without it the same
// message shows them, so the check can fail.
func TestRedactedByThePipeline(t *testing.T) {
	for _, redact := range []bool{false, true} {
		dir := t.TempDir()
		opts := testOptions
		opts.SaveDir = dir
		m := newModel(t, 120, 40, opts)
		msg := secretMessage(t, 1)
		if redact {
			msg = pipeline.Redact(msg)
		}
		m = update(t, m, batch([]tap.Message{msg}, running(1)))
		m = press(t, m, "enter")
		e := m.retained.selectedEntry()
		if e == nil {
			t.Fatal("no message selected")
		}
		var out strings.Builder
		out.WriteString(ansi.Strip(strings.Join(detailLines(m.com.Styles, e), "\n")))
		record, _ := clipboardText(e.msg, false)
		body, _ := clipboardText(e.msg, true)
		out.WriteString(record + body)
		m = runKey(t, m, "s")
		files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if len(files) != 1 {
			t.Fatalf("redact=%v: saved %v (%s)", redact, files, m.notice)
		}
		saved, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		out.Write(saved)
		found := secretsIn(out.String())
		switch {
		case redact && len(found) > 0:
			t.Errorf("with Redact the pane, copy or save holds %v", found)
		case !redact && len(found) != len(redactSecrets):
			t.Errorf("without Redact only %v of %v show: the test no longer sees what it checks", found, redactSecrets)
		}
		if redact && !bytes.Contains(saved, []byte(`"plain":"kept"`)) {
			t.Errorf("redaction took more than secrets:\n%s", saved)
		}
	}
}

// TestStartingFilter: Options.Filter filters from the first batch and
// shows in the filter bar, as if typed and kept.
func TestStartingFilter(t *testing.T) {
	opts := testOptions
	opts.Filter = "task:tasks.add"
	m := newModel(t, 100, 30, opts)
	m = update(t, m, batch(messages(1, 12), running(12)))
	if n := len(m.retained.shown); n != 2 {
		t.Errorf("%d messages shown, want the 2 Celery tasks of 12", n)
	}
	for _, e := range m.retained.shown {
		if e.r.Shown.Terms["task"] != "tasks.add" {
			t.Errorf("shown %d: task %q", e.msg.Seq, e.r.Shown.Terms["task"])
		}
	}
	s := screen(m)
	if !strings.Contains(s, "/ task:tasks.add") {
		t.Errorf("the filter bar does not show the starting filter:\n%s", s)
	}
	checkScreen(t, m)
	// esc clears it like a filter the user kept.
	m = press(t, m, "esc")
	if n := len(m.retained.shown); n != 12 {
		t.Errorf("after esc %d shown, want 12", n)
	}
}
