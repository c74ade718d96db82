package tap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// With --tap-url the tap queue and the consumer live on another broker:
// production holds only the bounded source side, and both brokers are
// clean afterwards.
func TestTapOnAnotherBroker(t *testing.T) {
	prod := taptest.Endpoint(t)
	other := taptest.BareEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	q := taptest.Queue(t, prod, x, "#")
	s, err := tap.Open(context.Background(), tap.Config{Endpoint: prod, TapEndpoint: &other, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-tapurl"})
	if err != nil {
		t.Fatal(err)
	}
	base := s.Names().Base
	onProd := strings.Join(taptest.Leftovers(t, prod, base), ",")
	onOther := strings.Join(taptest.Leftovers(t, other, base), ",")
	for _, want := range []string{"shovel " + base + "-0", "queue " + base + "-src-0", "queue " + base + "-hb-0", "queue " + base + "-live", "exchange " + base + "-hbx"} {
		if !strings.Contains(onProd, want) {
			t.Errorf("production lacks %s: %s", want, onProd)
		}
	}
	if strings.Contains(onProd, base+"-tap") {
		t.Errorf("the tap queue is on production: %s", onProd)
	}
	if onOther != "queue "+base+"-tap,exchange "+base+"-x-0" {
		t.Errorf("the tap broker holds: %s", onOther)
	}
	ch := taptest.Channel(t, prod)
	for _, body := range []string{"one", "two", "three"} {
		taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte(body)})
	}
	got := collect(t, s, 3, 10*time.Second)
	if string(got[0].Body) != "one" || string(got[2].Body) != "three" || got[0].Exchange != x {
		t.Errorf("got %s … %s", taptest.Describe(got[0]), taptest.Describe(got[2]))
	}
	taptest.Eventually(t, 5*time.Second, "production to keep every message", func() bool {
		return taptest.QueueDepth(t, ch, q) == 3
	})
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	taptest.WaitClean(t, prod, base, 5*time.Second)
	taptest.WaitClean(t, other, base, 5*time.Second)
}
