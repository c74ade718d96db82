package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// shoveltap --queue STREAM --from first --json: history as JSON lines, each
// with its offset.
func TestTapStreamAsJSON(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, nil)
	taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("j", 0, 8))
	r := runArgs(t, "", false, "--url", ep.AMQP.String(), "--api", ep.API, "--queue", stream, "--from", "offset:3", "--json", "--count", "5")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), r.stdout)
	}
	for i, l := range lines {
		var rec struct {
			Offset *int64 `json:"offset"`
			Body   string `json:"body"`
			Source string `json:"source"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Offset == nil || *rec.Offset != int64(3+i) || rec.Body != taptest.Bodies("j", 3+i, 4+i)[0] || rec.Source != "stream "+stream {
			t.Errorf("line %d: %s", i+1, l)
		}
	}
	if !strings.Contains(r.stderr, "stream "+stream+", from offset 3") {
		t.Errorf("stderr does not say what is read: %s", r.stderr)
	}
}

// --from on an exchange exits 1 saying there is no history and how to keep
// one.
func TestTapFromOnAnExchangeIsRefused(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	r := runArgs(t, "", false, "--url", ep.AMQP.String(), "--api", ep.API, "--exchange", x, "--from", "-10m", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "keeps no history") || !strings.Contains(r.stderr, "--history 24h") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}
