package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestPickerTapsTheChosenQueueAndSReturnsToIt starts shoveltap without a
// source in a terminal: the picker lists the vhost, `/`, the queue's name,
// enter (keep the filter) and enter (tap) create a tap on the queue's
// bindings. s removes it and reopens the picker; q there exits cleanly.
func TestPickerTapsTheChosenQueueAndSReturnsToIt(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	q := taptest.Queue(t, ep, x, "order.#")
	// The picker needs only the connection flags: stdout is a terminal.
	u := startTUI(t, ep)
	screen := u.screen
	// The table's header is drawn once the list has loaded.
	loaded := func() int { return strings.Count(ansi.Strip(screen.String()), "binds") }
	taptest.Eventually(t, 20*time.Second, "the picker's list", func() bool { return loaded() >= 1 })

	for _, keys := range []string{"/", q, "\r", "\r"} {
		u.press(t, keys)
		time.Sleep(50 * time.Millisecond)
	}

	// Other taps may run on this broker: ours is the one bound to x, the
	// exchange the chosen queue is bound to.
	base := tapBoundTo(t, ep, x)
	ch := taptest.Channel(t, ep)
	taptest.Publish(t, ch, x, "order.picked", amqp.Publishing{ContentType: "text/plain", Body: []byte("seen through the picker")})
	taptest.Eventually(t, 10*time.Second, "the message on screen", func() bool {
		return strings.Contains(screen.String(), "order.picked")
	})

	// s: the tap goes, the picker comes back.
	u.press(t, "s")
	taptest.WaitClean(t, ep, base, 20*time.Second)
	taptest.Eventually(t, 20*time.Second, "the picker again", func() bool { return loaded() >= 2 })
	u.press(t, "q")
	u.waitExit(t, "q in the picker")
	taptest.WaitClean(t, ep, base, 5*time.Second)
}

// TestPickerSaysWhyAChoiceCannotBeTapped: a queue bound only to the default
// exchange cannot be tapped through bindings; the picker comes back and
// says so instead of shoveltap exiting.
func TestPickerSaysWhyAChoiceCannotBeTapped(t *testing.T) {
	ep := taptest.Endpoint(t)
	q := taptest.Name("unbound")
	if _, err := taptest.Channel(t, ep).QueueDeclare(q, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, q) })

	u := startTUI(t, ep)
	screen := u.screen
	plain := func() string { return ansi.Strip(screen.String()) }
	taptest.Eventually(t, 20*time.Second, "the picker's list", func() bool { return strings.Contains(plain(), "binds") })
	for _, keys := range []string{"/", q, "\r", "\r"} {
		u.press(t, keys)
		time.Sleep(50 * time.Millisecond)
	}
	taptest.Eventually(t, 20*time.Second, "the picker to say why", func() bool { return strings.Contains(plain(), "could not tap") })
	u.press(t, "q")
	u.waitExit(t, "q in the picker")
}
