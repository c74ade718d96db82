package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// Real Celery with its default configuration publishes tasks through the
// default exchange straight to the queue "celery". With --queue celery
// --firehose shoveltap shows every task sent, the worker still runs every
// task, nothing loops through the trace exchange, and tracing is off again
// afterwards.
func TestFirehoseShowsRealCeleryDefaultTraffic(t *testing.T) {
	requireCelery(t)
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	scripts, err := filepath.Abs("../../scripts/celery_default")
	if err != nil {
		t.Fatal(err)
	}
	records := filepath.Join(t.TempDir(), "records")
	celeryEnv := append(os.Environ(),
		"CELERY_BROKER_URL="+fmt.Sprintf("amqp://%s:%s@%s/%s", ep.User, ep.Password, ep.Address(), ep.Vhost),
		"CELERY_RECORD_FILE="+records, "PYTHONPATH="+scripts, "PYTHONDONTWRITEBYTECODE=1")

	worker := exec.Command(celeryPython, "-m", "celery", "-A", "defaulttasks", "worker", "--pool=solo",
		"--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning")
	worker.Dir, worker.Env = scripts, celeryEnv
	workerLog := &lockedBuffer{}
	worker.Stdout, worker.Stderr = workerLog, workerLog
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = worker.Process.Signal(syscall.SIGTERM)
		_ = worker.Wait()
	})
	taptest.Eventually(t, 30*time.Second, "the Celery worker to consume from queue celery", func() bool {
		n, ok := taptest.Consumers(t, ep, "celery")
		return ok && n > 0
	})

	p := startJSON(t, ep, "--queue", "celery", "--firehose")
	const n = 20
	send := exec.Command(celeryPython, filepath.Join(scripts, "send_default.py"), fmt.Sprint(n))
	send.Dir, send.Env = scripts, celeryEnv
	out, err := send.Output()
	if err != nil {
		t.Fatalf("sending tasks: %v\n%s", err, out)
	}
	var ids []string
	if err := json.Unmarshal(out, &ids); err != nil || len(ids) != n {
		t.Fatalf("sender printed %q: %v", out, err)
	}
	for i, id := range ids {
		rec := p.readRecord(t)
		decoded, _ := rec["decoded"].(map[string]any)
		terms, _ := decoded["terms"].(map[string]any)
		if rec["exchange"] != "" || rec["routing_key"] != "celery" || decoded["format"] != "celery" ||
			terms["task"] != "defaulttasks.record" || terms["id"] != id {
			t.Errorf("task %d (%s): record %v", i, id, rec)
		}
	}
	taptest.Eventually(t, 30*time.Second, "the worker to run every task", func() bool {
		b, _ := os.ReadFile(records)
		return strings.Count(string(b), "\n") == n
	})

	// No self-amplification: what passed through the tap queue is what
	// Celery published (the tasks, and little else), not an echo of the
	// tap's own activity. Traces are routed inside the broker, so the tap
	// queue counts no publishes: what passed through it is what shoveltap
	// acknowledged. The statistics are sampled every few seconds.
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	if taptest.StatsOff(t, ep) {
		t.Log("the broker keeps no message statistics: the self-amplification check needs them and is skipped here")
	} else {
		var through int64
		taptest.Eventually(t, 20*time.Second, "the statistics to count the tasks", func() bool {
			c, ok, err := a.QueueCounters(context.Background(), ep.Vhost, p.base+"-tap")
			through = c.Acked
			return err == nil && ok && through >= n
		})
		time.Sleep(6 * time.Second)
		if c, _, _ := a.QueueCounters(context.Background(), ep.Vhost, p.base+"-tap"); c.Acked > n+10 {
			t.Errorf("%d traces passed through the tap for %d tasks: the firehose amplifies itself", c.Acked, n)
		}
	}
	rh := taptest.Admin(t, ep)

	if code := stop(t, p); code != 0 {
		t.Errorf("exit %d: %s", code, p.stderr.String())
	}
	if v, err := rh.GetVhost(ep.Vhost); err != nil || v.Tracing {
		t.Errorf("tracing still on after shoveltap exited (err %v)", err)
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
	if t.Failed() {
		t.Logf("worker log:\n%s", workerLog.String())
	}
}
