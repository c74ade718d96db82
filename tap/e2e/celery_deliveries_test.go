package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// With --deliveries, a real Celery worker's fetching of each task shows up
// as a delivery record naming the worker's connection and linked to the
// task's publish record, so one sees where each task went.
func TestDeliveriesShowWhichCeleryWorkerGotEachTask(t *testing.T) {
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
		if t.Failed() {
			t.Logf("worker log:\n%s", workerLog.String())
		}
	})
	taptest.Eventually(t, 30*time.Second, "the Celery worker to consume from queue celery", func() bool {
		n, ok := taptest.Consumers(t, ep, "celery")
		return ok && n > 0
	})

	p := startJSON(t, ep, "--queue", "celery", "--firehose", "--deliveries")
	const n = 10
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

	published := map[string]float64{} // task id: seq of its publish record
	delivered := map[string]map[string]any{}
	for range 2 * n {
		rec := p.readRecord(t)
		decoded, _ := rec["decoded"].(map[string]any)
		terms, _ := decoded["terms"].(map[string]any)
		id, _ := terms["id"].(string)
		if d, ok := rec["delivery"].(map[string]any); ok {
			delivered[id] = d
			continue
		}
		published[id], _ = rec["seq"].(float64)
	}
	var consumers []string
	for _, id := range ids {
		d := delivered[id]
		if d == nil || published[id] == 0 {
			t.Errorf("task %s: published as #%v, delivery %v", id, published[id], d)
			continue
		}
		conn, _ := d["connection"].(string)
		if d["queue"] != "celery" || d["published_seq"] != published[id] || !strings.Contains(conn, " -> ") || d["redelivered"] != nil {
			t.Errorf("task %s (published #%v): delivery %v", id, published[id], d)
		}
		consumers = append(consumers, conn)
	}
	// One worker: one connection got them all.
	for _, c := range consumers[1:] {
		if c != consumers[0] {
			t.Errorf("deliveries to %q and %q from one worker", consumers[0], c)
		}
	}
	if code := stop(t, p); code != 0 {
		t.Errorf("exit %d: %s", code, p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
}
