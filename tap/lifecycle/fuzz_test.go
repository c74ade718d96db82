package lifecycle

import (
	"fmt"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
)

var fuzzTypes = []string{"task-sent", "task-received", "task-started", "task-succeeded", "task-failed",
	"task-retried", "task-revoked", "task-rejected", "worker-online", "worker-heartbeat", "worker-offline"}

// FuzzModel feeds any sequence of pieces (in any order, duplicated, with
// few ids so that they collide) into a small store and checks that the
// counters stay consistent: nothing negative, the store bounded, every
// task counted once.
func FuzzModel(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 1, 0, 1, 2, 0, 1, 3, 0})
	f.Add([]byte{1, 3, 5, 0, 0, 5, 1, 5, 1, 2, 5, 1, 1, 5, 1, 3, 9, 2})
	f.Add([]byte{4, 0, 1, 5, 0, 2, 4, 1, 3, 5, 1, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		m := New(Config{MaxTasks: 5, MaxCalls: 3, MaxNames: 4, MaxWorkers: 2})
		for i := 0; i+2 < len(ops) && i < 3*400; i += 3 {
			op, a, b := ops[i], ops[i+1], ops[i+2]
			id := fmt.Sprintf("id-%d", a%8)
			host := fmt.Sprintf("w%d", b%3)
			seen := at(float64(i))
			var fact decode.Fact
			switch op % 6 {
			case 0:
				fact = decode.Fact{Kind: decode.FactTask, TaskID: id, Name: fmt.Sprintf("n%d", b%5), Retries: int64(b % 3), HasRetries: true}
			case 1, 2:
				typ := fuzzTypes[int(b)%8]
				fact = decode.Fact{Kind: decode.FactTaskEvent, Type: typ, TaskID: id, Hostname: host,
					Timestamp: t0Unix() + float64(a%16), Runtime: float64(b) / 100, HasRuntime: typ == "task-succeeded"}
				if typ == "task-received" {
					fact.Name, fact.Retries, fact.HasRetries = fmt.Sprintf("n%d", a%5), int64(b%3), true
				}
			case 3:
				fact = decode.Fact{Kind: decode.FactWorkerEvent, Type: fuzzTypes[8+int(b)%3], Hostname: host, Freq: float64(a % 5)}
			case 4:
				fact = decode.Fact{Kind: decode.FactOsloCall, MsgID: fmt.Sprintf("m%d", a%6), Method: fmt.Sprintf("meth%d", b%3), Cast: b%7 == 0}
			case 5:
				fact = decode.Fact{Kind: decode.FactOsloReply, MsgID: fmt.Sprintf("m%d", a%6), Failure: map[bool]string{true: "E: x"}[b%2 == 0]}
			}
			m.Apply(seen, fact)
			if m.tasks.len() > 5 || m.calls.len() > 3 {
				t.Fatalf("store over its bound: %d tasks %d calls", m.tasks.len(), m.calls.len())
			}
		}
		s := m.Snapshot(at(1e4))
		for _, r := range s.Names {
			live := r.Waiting + r.Received + r.Running + r.Retrying
			if r.Waiting < 0 || r.Received < 0 || r.Running < 0 || r.Retrying < 0 || uint64(live) > r.Seen ||
				r.Succeeded+r.Failed+r.Revoked+r.Rejected > r.Seen {
				t.Fatalf("inconsistent row %+v", r)
			}
			if uint64(live) > uint64(s.Tasks) {
				t.Fatalf("%d live tasks of %s, %d kept", live, r.Name, s.Tasks)
			}
		}
		for _, w := range s.Workers {
			if w.Running < 0 || w.Running > s.Tasks {
				t.Fatalf("worker %+v with %d tasks kept", w, s.Tasks)
			}
		}
		for _, r := range s.Methods {
			if r.Pending < 0 || r.Pending > s.Calls || r.Replied > r.Calls || r.Failed > r.Replied {
				t.Fatalf("method %+v", r)
			}
		}
	})
}
