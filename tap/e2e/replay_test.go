package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// writeCapture writes n messages with routing keys order.1… to a capture.
func writeCapture(t *testing.T, n int) string {
	t.Helper()
	var msgs []tap.Message
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	for i := 1; i <= n; i++ {
		msgs = append(msgs, tap.Message{Seq: uint64(i), Time: t0, Exchange: "orders", RoutingKey: "order." + strings.Repeat("x", i), Body: []byte(`{"n":1}`)})
	}
	path := filepath.Join(t.TempDir(), "c.jsonl")
	if err := capture.WriteFile(path, msgs); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReplayNeedsATargetAndConsent: nothing is published without
// --exchange, or without --yes when no one can be asked.
func TestReplayNeedsATargetAndConsent(t *testing.T) {
	path := writeCapture(t, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{path, "--url", "amqp://guest@127.0.0.1:1/"}, "no target: give --exchange"},
		{[]string{path, "--exchange", "x", "--url", "amqp://guest@127.0.0.1:1/"}, "add --yes"},
		{[]string{"--exchange", "x", "--yes"}, "which capture?"},
		{[]string{path, "--exchange", "x", "--rate", "5", "--original-timing", "--yes"}, "not both"},
		{[]string{path, "--exchange", "x", "--rate", "-1", "--yes"}, "--rate must be positive"},
		{[]string{path, "other.jsonl", "--exchange", "x", "--yes"}, `unexpected argument "other.jsonl"`},
	} {
		r := runArgs(t, "", false, append([]string{"replay"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestReplayAsksFirst: at a terminal, anything but y publishes nothing.
func TestReplayAsksFirst(t *testing.T) {
	path := writeCapture(t, 3)
	r := runArgs(t, "n\n", true, "replay", path, "--exchange", "orders", "--url", "amqp://guest@127.0.0.1:1/")
	if r.code != 0 || !strings.Contains(r.stdout, "(3 lines) to exchange \"orders\" on 127.0.0.1:1") || !strings.Contains(r.stdout, "Nothing published.") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestReplayCommand publishes a capture to a bound exchange through the
// command line (--url and --api from the shared connection flags) and
// reports the counts without printing the password.
func TestReplayCommand(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "#")
	path := writeCapture(t, 4)
	r := runArgs(t, "", false, "replay", path, "--url", ep.AMQP.String(), "--api", ep.API, "--exchange", x, "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "published 4, confirmed 4, nacked 0, returned unroutable 0") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "publishing "+path) {
		t.Errorf("no progress line on stderr: %q", r.stderr)
	}
	if ep.Password != "" && strings.Contains(r.stdout+r.stderr, ep.Password) {
		t.Error("the password was printed")
	}
	ch := taptest.Channel(t, ep)
	taptest.Eventually(t, 5*time.Second, "the replayed messages in "+q, func() bool { return taptest.QueueDepth(t, ch, q) == 4 })
}

// TestReplayToMissingExchange exits 1 before publishing, saying what to do.
func TestReplayToMissingExchange(t *testing.T) {
	ep := taptest.Endpoint(t)
	path := writeCapture(t, 1)
	r := runArgs(t, "", false, "replay", path, "--url", ep.AMQP.String(), "--exchange", taptest.Name("missing"), "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "does not exist") || strings.Contains(r.stdout, "Replayed") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if ep.Password != "" && strings.Contains(r.stdout+r.stderr, ep.Password) {
		t.Error("the password was printed")
	}
}
