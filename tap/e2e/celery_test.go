package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// celeryPython is Debian's interpreter, which has python3-celery; a pyenv
// python3 earlier on PATH would not.
const celeryPython = "/usr/bin/python3"

// celerySent is what scripts/celery_e2e/send_tasks.py reports for one
// published message, from Celery's own after_task_publish signal.
type celerySent struct {
	Case             string   `json:"case"`
	Serializer       string   `json:"serializer"`
	Compression      *string  `json:"compression"`
	Task             string   `json:"task"`
	ID               string   `json:"id"`
	RootID           *string  `json:"root_id"`
	ParentID         *string  `json:"parent_id"`
	Group            *string  `json:"group"`
	Retries          int      `json:"retries"`
	ETA              *string  `json:"eta"`
	ArgsRepr         string   `json:"args_repr"`
	KwargsRepr       string   `json:"kwargs_repr"`
	KwargsReprSorted string   `json:"kwargs_repr_sorted"`
	RoutingKey       string   `json:"routing_key"`
	Chain            []string `json:"chain"`
	Chord            *string  `json:"chord"`
}

type celeryReport struct {
	Serializers []string     `json:"serializers"`
	Sent        []celerySent `json:"sent"`
}

// jsonRecord is the part of a --json line this test reads.
type jsonRecord struct {
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Decoded    *struct {
		Format  string            `json:"format"`
		Summary string            `json:"summary"`
		Fields  []decodedField    `json:"fields"`
		Terms   map[string]string `json:"terms"`
		Notes   []string          `json:"notes"`
		Task    *struct {
			Kind     string `json:"kind"`
			Name     string `json:"name"`
			ID       string `json:"id"`
			RootID   string `json:"root_id"`
			ParentID string `json:"parent_id"`
			GroupID  string `json:"group_id"`
		} `json:"task"`
	} `json:"decoded"`
}

type decodedField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (r jsonRecord) field(name string) string {
	for _, f := range r.Decoded.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// requireCelery skips the test when Debian's python3-celery is missing,
// except in CI, where .ci/run installs it and its absence is a failure.
func requireCelery(t *testing.T) {
	t.Helper()
	taptest.SkipShort(t)
	if err := exec.Command(celeryPython, "-c", "import celery").Run(); err != nil {
		taptest.NeedBroker(t, "Celery for "+celeryPython+" (apt-get install python3-celery python3-msgpack python3-yaml)", err)
	}
}

// TestRealCelery sends tasks with real Celery through a topic exchange that
// shoveltap taps and checks that shoveltap's JSON lines show what Celery
// says it sent: names, ids, args, kwargs, workflow ids, retries and ETA,
// with every serializer and compression.
func TestRealCelery(t *testing.T) {
	requireCelery(t)
	ep := taptest.Endpoint(t)

	// Celery declares the exchange and the queue as well (as
	// here); both have names no one else uses and are deleted at the end.
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "e2e.#")

	p := startJSON(t, ep, "--exchange", x)
	report := sendCeleryTasks(t, ep, x, q)
	if len(report.Sent) < 15 {
		t.Fatalf("the script reports %d messages, want at least 15: %+v", len(report.Sent), report)
	}

	byID := map[string]jsonRecord{}
	for range report.Sent {
		raw := p.readRecord(t)
		b, _ := json.Marshal(raw)
		var rec jsonRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("record %s: %v", b, err)
		}
		if rec.Decoded == nil || rec.Decoded.Task == nil {
			t.Errorf("record without a decoded task: %s", b)
			continue
		}
		byID[rec.Decoded.Task.ID] = rec
	}

	for _, s := range report.Sent {
		name := s.Case + " " + s.Task + " " + s.ID
		rec, ok := byID[s.ID]
		if !ok {
			t.Errorf("%s: Celery sent it, shoveltap did not show it", name)
			continue
		}
		checkCeleryRecord(t, name, s, rec)
	}
	for _, want := range []string{"json", "pickle"} {
		if !strings.Contains(strings.Join(report.Serializers, " "), want) {
			t.Errorf("serializer %s was not sent: %v", want, report.Serializers)
		}
	}

	if code := stop(t, p); code != 0 {
		t.Errorf("exit code %d; stderr: %s", code, p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
}

func checkCeleryRecord(t *testing.T, name string, s celerySent, rec jsonRecord) {
	t.Helper()
	d := rec.Decoded
	task := d.Task
	if d.Format != "celery" || task.Kind != "task" {
		t.Errorf("%s: format %q kind %q, want celery task", name, d.Format, task.Kind)
	}
	if task.Name != s.Task || d.Terms["task"] != s.Task {
		t.Errorf("%s: task name %q (term %q), Celery sent %q", name, task.Name, d.Terms["task"], s.Task)
	}
	if rec.RoutingKey != s.RoutingKey {
		t.Errorf("%s: routing key %q, Celery sent %q", name, rec.RoutingKey, s.RoutingKey)
	}
	if got := rec.field("Args"); got != s.ArgsRepr {
		t.Errorf("%s: args %q, Celery sent %q", name, got, s.ArgsRepr)
	}
	kwargs := rec.field("Kwargs")
	if kwargs != s.KwargsRepr && !(s.Serializer == "yaml" && kwargs == s.KwargsReprSorted) {
		t.Errorf("%s: kwargs %q, Celery sent %q", name, kwargs, s.KwargsRepr)
	}
	if want := deref(s.RootID); task.RootID != want {
		t.Errorf("%s: root id %q, Celery sent %q", name, task.RootID, want)
	}
	if want := deref(s.ParentID); task.ParentID != want {
		t.Errorf("%s: parent id %q, Celery sent %q", name, task.ParentID, want)
	}
	if want := deref(s.Group); task.GroupID != want {
		t.Errorf("%s: group %q, Celery sent %q", name, task.GroupID, want)
	}
	if s.Retries > 0 && rec.field("Retries") != fmt.Sprint(s.Retries) {
		t.Errorf("%s: retries %q, Celery sent %d", name, rec.field("Retries"), s.Retries)
	}
	if s.ETA != nil && rec.field("ETA") != *s.ETA {
		t.Errorf("%s: eta %q, Celery sent %q", name, rec.field("ETA"), *s.ETA)
	}
	if s.ETA == nil && rec.field("ETA") != "" {
		t.Errorf("%s: eta %q, Celery sent none", name, rec.field("ETA"))
	}
	if len(s.Chain) > 0 {
		chain := rec.field("Chain")
		at := 0
		for _, next := range s.Chain { // in the order they will run
			i := strings.Index(chain[at:], next)
			if i < 0 {
				t.Errorf("%s: chain %q lacks %s in order %v", name, chain, next, s.Chain)
				break
			}
			at += i + len(next)
		}
	}
	if s.Chord != nil && !strings.Contains(rec.field("Chord"), *s.Chord) {
		t.Errorf("%s: chord %q, Celery's callback is %s", name, rec.field("Chord"), *s.Chord)
	}
	if s.Serializer == "pickle" && !strings.Contains(strings.Join(d.Notes, " "), "not executed") {
		t.Errorf("%s: pickle body without the note that it was not executed: %v", name, d.Notes)
	}
	if !strings.HasPrefix(d.Summary, s.Task+"(") {
		t.Errorf("%s: summary %q does not start with the call", name, d.Summary)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sendCeleryTasks runs the sending script and returns its report.
func sendCeleryTasks(t *testing.T, ep broker.Endpoint, exchange, queue string) celeryReport {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "celery_e2e", "send_tasks.py")
	broker := neturl.URL{Scheme: "amqp", User: neturl.UserPassword(ep.User, ep.Password), Host: ep.Address(),
		Path: "/" + ep.Vhost, RawPath: "/" + neturl.PathEscape(ep.Vhost)}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, celeryPython, script, exchange, queue)
	cmd.Env = append(os.Environ(), "CELERY_E2E_BROKER="+broker.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", celeryPython, script, err, stderr.String())
	}
	var r celeryReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("reading the script's report: %v\n%s", err, stdout.String())
	}
	return r
}

// stop ends shoveltap with SIGINT, as a user would, and returns its exit
// code.
func stop(t *testing.T, p *proc) int {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	return p.wait(t)
}
