package tap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The tap's shovel is local where the broker has local shovels (4.2+) and
// amqp091 before; asking for local on an older broker fails before
// anything is created, with the reason.
func TestTheShovelProtocolIsTheBrokersBest(t *testing.T) {
	ep := taptest.Endpoint(t)
	rh := taptest.Admin(t, ep)
	ov, err := rh.Overview()
	if err != nil {
		t.Fatal(err)
	}
	hasLocal := broker.VersionAtLeast(ov.RabbitMQVersion, 4, 2)
	x := taptest.Exchange(t, ep, "topic")

	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-proto"})
	def, err := rh.GetShovel(ep.Vhost, s.Names().Shovel(0))
	if err != nil {
		t.Fatal(err)
	}
	want, ack := "amqp091", "on-publish"
	if hasLocal {
		want, ack = "local", "on-confirm"
	}
	if def.Definition.SourceProtocol != want || def.Definition.DestinationProtocol != want || def.Definition.AckMode != ack {
		t.Errorf("RabbitMQ %s: shovel %s→%s, ack mode %s; want %s, %s", ov.RabbitMQVersion,
			def.Definition.SourceProtocol, def.Definition.DestinationProtocol, def.Definition.AckMode, want, ack)
	}
	taptest.PublishConfirmed(t, ep, x, "order.1", []string{"through the shovel"})
	if got := collect(t, s, 1, 10*time.Second); string(got[0].Body) != "through the shovel" {
		t.Errorf("got %q", got[0].Body)
	}

	if hasLocal {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-proto-local", ShovelProtocol: tap.ShovelLocal})
	if err == nil || !strings.Contains(err.Error(), "needs RabbitMQ 4.2 or later") {
		t.Errorf("a local shovel on RabbitMQ %s: %v", ov.RabbitMQVersion, err)
	}
	if left := taptest.Leftovers(t, ep, "shoveltap-it-proto-local"); len(left) > 0 {
		t.Errorf("the refused tap left %v", left)
	}
}
