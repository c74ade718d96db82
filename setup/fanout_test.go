package setup

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// --layout fanout moves production's bindings behind intermediate fanout
// exchanges and back while a publisher sends mandatory messages as fast as
// it can: no message is ever returned unroutable, every queue gets exactly
// what it got before (none lost, none twice), and teardown restores the
// exchange's bindings exactly.
func TestFanoutLayoutMigrationUnderLoad(t *testing.T) {
	prod := taptest.Endpoint(t)
	mirror := mirrorEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	qa1 := taptest.Queue(t, prod, x, "a.#")
	qa2 := taptest.Queue(t, prod, x, "a.#")
	qb := taptest.Queue(t, prod, x, "b.*")
	before := snapshot(t, prod, x)
	s := testSetup(t, prod, mirror, Config{Layout: LayoutFanout, ReconnectDelay: 1, Exchanges: []Exchange{{Name: x}}})

	// Without --yes apply refuses and changes nothing.
	out, err := runCmd(t, prod, mirror, RunConfig{Command: CmdApply, Config: Config{Layout: LayoutFanout, Exchanges: []Exchange{{Name: x}}}})
	if err == nil || !strings.Contains(err.Error(), "--yes") || !strings.Contains(out, "unbind") {
		t.Fatalf("apply --layout fanout without --yes (%v):\n%s", err, out)
	}
	sameLines(t, "production after a refused apply", before, snapshot(t, prod, x))

	ch := taptest.Channel(t, prod)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 100000))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 100000))
	var returned, sent atomic.Int64
	returnsDone := make(chan struct{})
	go func() {
		defer close(returnsDone)
		for range returns { // until ch is closed
			returned.Add(1)
		}
	}()
	// publishing waits until the publisher has sent n more messages, so
	// that each step of the migration happens under load.
	publishing := func(n int64, during string) {
		t.Helper()
		from := sent.Load()
		taptest.Eventually(t, 10*time.Second, fmt.Sprintf("%d messages published %s", n, during), func() bool { return sent.Load() >= from+n })
	}
	stop := make(chan struct{})
	done := make(chan [2]int)
	go func() {
		var na, nb int
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- [2]int{na, nb}
				return
			default:
			}
			key := "a.x"
			if i%2 == 1 {
				key = "b.y"
			}
			if err := ch.Publish(x, key, true, false, amqp.Publishing{Body: []byte(key)}); err != nil {
				t.Errorf("publishing: %v", err)
				done <- [2]int{na, nb}
				return
			}
			if i%2 == 1 {
				nb++
			} else {
				na++
			}
			sent.Add(1)
			if i%100 == 99 { // keep the confirm window bounded
				for range 100 {
					<-confirms
				}
			}
		}
	}()

	publishing(200, "before apply")
	if n := mustApply(t, s); n == 0 {
		t.Fatal("apply of the fanout layout changed nothing")
	}
	moved, err := s.prod.bindingsFrom(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range moved {
		if b.DestinationType == "queue" && !strings.HasPrefix(b.Destination, "shoveltap-") {
			t.Errorf("queue %s is still bound directly to %s with key %q after the move", b.Destination, x, b.RoutingKey)
		}
	}
	if n := mustApply(t, s); n != 0 {
		t.Errorf("second apply of the fanout layout made %d changes, want none", n)
	}
	publishing(300, "through the fanout layout")
	plan, err := s.TeardownPlan(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	publishing(200, "after teardown")
	close(stop)
	counts := <-done
	if err := ch.Close(); err != nil { // waits for outstanding returns
		t.Fatal(err)
	}
	select {
	case <-returnsDone: // every return counted
	case <-time.After(10 * time.Second):
		t.Fatal("the return channel stayed open after the channel closed")
	}

	t.Logf("published %d a.x and %d b.y during apply and teardown", counts[0], counts[1])
	if n := returned.Load(); n != 0 {
		t.Errorf("%d mandatory messages came back unroutable during the migration", n)
	}
	check := taptest.Channel(t, prod)
	for q, want := range map[string]int{qa1: counts[0], qa2: counts[0], qb: counts[1]} {
		taptest.Eventually(t, 10*time.Second, "queue "+q+" to settle", func() bool { return taptest.QueueDepth(t, check, q) >= want })
		if got := taptest.QueueDepth(t, check, q); got != want {
			t.Errorf("queue %s holds %d messages, want exactly %d", q, got, want)
		}
	}
	sameLines(t, "production", before, snapshot(t, prod, x))
}
