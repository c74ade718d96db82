package tap_test

import (
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// Once half the prefetch waits, a batch goes to the reader the moment it
// can take it, not at the next tick: with a tick that never comes, a
// reader that keeps up still gets everything but the last few messages,
// which wait for it. (Handing over only on ticks held a tap to Prefetch
// messages a tick.)
func TestBatchesGoAsSoonAsTheReaderCanTakeThem(t *testing.T) {
	ep := taptest.Endpoint(t)
	for _, noShovel := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-shovel=%v", noShovel), func(t *testing.T) {
			x := taptest.Exchange(t, ep, "topic")
			const prefetch, n = 10, 500
			s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, NoShovel: noShovel,
				Prefetch: prefetch, Tick: time.Hour, Host: fmt.Sprintf("it-handover-%v", noShovel)})
			ch := taptest.Channel(t, ep)
			for i := range n {
				taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
			}
			got := collect(t, s, n-prefetch/2, 30*time.Second)
			for i, m := range got {
				if string(m.Body) != fmt.Sprint(i) {
					t.Fatalf("message %d is %q", i, m.Body)
				}
			}
		})
	}
}
