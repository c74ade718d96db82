package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestDemoCeleryCleanup: make demo-down removes the exchanges Celery
// declared for remote control and events (issue 22, edge 9), but not one
// that something is still bound to.
func TestDemoCeleryCleanup(t *testing.T) {
	taptest.SkipShort(t)
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	// As Celery declares them.
	for x, kind := range map[string]string{"celery.pidbox": "fanout", "reply.celery.pidbox": "direct", "celeryev": "topic"} {
		if err := ch.ExchangeDeclare(x, kind, false, false, false, false, nil); err != nil {
			t.Fatalf("declaring %s: %v", x, err)
		}
	}
	// Another Celery's worker still listens for remote control.
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "", "celery.pidbox", false, nil); err != nil {
		t.Fatal(err)
	}

	script, err := filepath.Abs("../../scripts/demo-celery-cleanup.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script, ep.API, ep.Vhost).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	t.Logf("%s", out)

	rh := taptest.Admin(t, ep)
	for x, want := range map[string]bool{"celery.pidbox": true, "reply.celery.pidbox": false, "celeryev": false} {
		_, err := rh.GetExchange(ep.Vhost, x)
		if got := err == nil; got != want {
			t.Errorf("exchange %s exists: %v, want %v (err %v)", x, got, want, err)
		}
	}
}
