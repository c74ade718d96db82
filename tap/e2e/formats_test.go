package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// decodedLine is what a test reads of a JSON line's decoded section.
type decodedLine struct {
	RoutingKey string `json:"routing_key"`
	Decoded    struct {
		Format  string                         `json:"format"`
		Summary string                         `json:"summary"`
		Fields  []struct{ Name, Value string } `json:"fields"`
		Terms   map[string]string              `json:"terms"`
		Notes   []string                       `json:"notes"`
	} `json:"decoded"`
}

func (d decodedLine) field(name string) string {
	for _, f := range d.Decoded.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// decodingArgs are the decoding flags over the decoders' fixtures, and a
// hook (the documentation's minimal hook, behind a wrapper that writes
// its process id to pidFile).
func decodingArgs(t *testing.T, pidFile string) []string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	decode := filepath.Join(wd, "..", "decode")
	hook := filepath.Join(t.TempDir(), "hook.sh")
	script := fmt.Sprintf("#!/bin/sh\necho $$ > %q\nexec python3 %q\n", pidFile, filepath.Join(decode, "hook", "testdata", "minimal.py"))
	if err := os.WriteFile(hook, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{
		"--proto", filepath.Join(decode, "protodec", "testdata", "protos"),
		"--proto-type", "orders.*=shop.v1.Order",
		"--avro-schema", filepath.Join(decode, "avrodec", "testdata", "schemas"),
		"--hook", "content-type=application/x-legacy,name=legacy:" + hook,
	}
}

// publishFormats publishes one message of each format to x: Protobuf
// (typed by the --proto-type mapping), Avro single-object encoding,
// a binary-mode CloudEvent and a body for the hook.
func publishFormats(t *testing.T, ch *amqp.Channel, x string) {
	t.Helper()
	fixture := func(path string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "decode", path))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	taptest.Publish(t, ch, x, "orders.new", amqp.Publishing{ContentType: "application/x-protobuf", Body: fixture("protodec/testdata/order.bin")})
	taptest.Publish(t, ch, x, "payments.new", amqp.Publishing{ContentType: "application/octet-stream", Body: fixture("avrodec/testdata/order.single.bin")})
	taptest.Publish(t, ch, x, "events.order", amqp.Publishing{
		ContentType: "application/json",
		Headers: amqp.Table{
			"cloudEvents_specversion": "1.0", "cloudEvents_id": "ev-1", "cloudEvents_source": "/shop",
			"cloudEvents_type": "com.example.order.created", "cloudEvents_subject": "order-42",
		},
		Body: []byte(`{"order_id":42}`),
	})
	taptest.Publish(t, ch, x, "legacy.record", amqp.Publishing{ContentType: "application/x-legacy", Body: []byte("id=7;kind=refund")})
}

// TestDecodingFlagsEndToEnd taps with --proto, --proto-type,
// --avro-schema and --hook and --json: each format's decoded section,
// then a --filter on a CloudEvents term. The hook runs once per run and
// is gone when shoveltap exits.
func TestDecodingFlagsEndToEnd(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the hook")
	}
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	ch := taptest.Channel(t, ep)
	pidFile := filepath.Join(t.TempDir(), "hook.pid")

	p := startJSON(t, ep, append([]string{"--exchange", x, "--count", "5", "--web", "127.0.0.1:0"}, decodingArgs(t, pidFile)...)...)
	page := webAddress.FindStringSubmatch(p.stderr.String())
	if page == nil {
		t.Fatalf("no web monitor address: %s", p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "decoding with protobuf: ") || !strings.Contains(p.stderr.String(), "decoding with hook legacy") {
		t.Errorf("stderr does not say what decodes: %s", p.stderr.String())
	}
	publishFormats(t, ch, x)
	got := map[string]decodedLine{}
	for range 4 {
		rec := p.readRecord(t)
		raw, _ := json.Marshal(rec)
		var d decodedLine
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		got[d.RoutingKey] = d
	}
	// The web page's detail of the Protobuf message: the decoded section
	// and the body as JSON, by the same decoders.
	detail := webMessage(t, page[1], `"orders.new"`)
	for _, want := range []string{"shop.v1.Order", `\"order_id\": \"42\"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("the web detail lacks %s: %s", want, detail)
		}
	}
	// A fifth message ends the run (--count 5), once the page was read.
	taptest.Publish(t, ch, x, "end", amqp.Publishing{Body: []byte("end")})
	if code := p.wait(t); code != 0 {
		t.Errorf("exit %d; stderr: %s", code, p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)

	proto := got["orders.new"]
	if proto.Decoded.Format != "protobuf" || proto.field("Type") != "shop.v1.Order" ||
		proto.Decoded.Terms["proto.order_id"] != "42" || proto.Decoded.Terms["proto.customer.name"] != "Ada" {
		t.Errorf("Protobuf: %+v", proto.Decoded)
	}
	avro := got["payments.new"]
	if avro.Decoded.Format != "avro" || avro.Decoded.Terms["type"] != "shop.v1.Order" || avro.Decoded.Terms["avro.customer.name"] != "Ada" {
		t.Errorf("Avro: %+v", avro.Decoded)
	}
	ce := got["events.order"]
	if ce.Decoded.Format != "cloudevents" || ce.Decoded.Terms["ce.type"] != "com.example.order.created" || ce.Decoded.Terms["ce.subject"] != "order-42" {
		t.Errorf("CloudEvent: %+v", ce.Decoded)
	}
	legacy := got["legacy.record"]
	if legacy.Decoded.Format != "hook/legacy" || legacy.Decoded.Summary != "record 7" || legacy.Decoded.Terms["hook.kind"] != "refund" {
		t.Errorf("hook: %+v", legacy.Decoded)
	}

	// The hook was started once and has ended with shoveltap.
	pid := hookPID(t, pidFile)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the hook (pid %d) is still there after shoveltap exited: %v", pid, err)
	}

	// --filter on a CloudEvents term prints the CloudEvent only.
	_ = os.Remove(pidFile)
	p = startJSON(t, ep, append([]string{"--exchange", x, "--count", "1", "--filter", "ce.type:com.example.order.*"}, decodingArgs(t, pidFile)...)...)
	publishFormats(t, ch, x)
	if rec := p.readRecord(t); rec["routing_key"] != "events.order" {
		t.Errorf("--filter ce.type: printed %v", rec)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit %d; stderr: %s", code, p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), "is free text") {
		t.Errorf("the filter's dotted term was taken for free text: %s", p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
	pid = hookPID(t, pidFile)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the hook (pid %d) is still there after shoveltap exited: %v", pid, err)
	}
}

// webMessage finds the web monitor's detail of the message whose JSON
// holds marker, looking again for a few seconds (the monitor is fed
// beside JSON lines).
func webMessage(t *testing.T, page, marker string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for id := 1; id <= 10; id++ {
			res, err := http.Get(page + "api/message?id=" + strconv.Itoa(id))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && strings.Contains(string(b), marker) {
				return string(b)
			}
		}
	}
	t.Fatalf("the web monitor has no message with %s", marker)
	return ""
}

func hookPID(t *testing.T, pidFile string) int {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the hook never started: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// A schema that does not compile ends the run with one line before
// anything is created on the broker.
func TestBadSchemaCreatesNothing(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	bad := filepath.Join(t.TempDir(), "bad.proto")
	if err := os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage Broken { int32 id = ; }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(ep, "--exchange", x, "--json", "--proto", bad)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit %v; output: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "bad.proto") || strings.Contains(out, "creating a tap") {
		t.Errorf("want one line naming the file, before any tap: %q", out)
	}
}
