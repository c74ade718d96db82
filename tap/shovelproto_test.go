package tap

import (
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Auto picks a local shovel where the broker has one (4.2+) and the tap
// stays on that broker; asking for local where it cannot work says why.
func TestShovelProtocolFollowsTheBroker(t *testing.T) {
	ep := broker.Endpoint{AMQP: amqp.URI{Host: "prod", Port: 5672}}
	other := &broker.Endpoint{AMQP: amqp.URI{Host: "lab", Port: 5672}}
	for _, c := range []struct {
		asked, version string
		tapURL         bool
		want, err      string
	}{
		{"", "4.2.0", false, ShovelLocal, ""},
		{ShovelAuto, "4.3.6", false, ShovelLocal, ""},
		{ShovelAuto, "4.1.4", false, ShovelAMQP091, ""},
		{ShovelAuto, "3.13.7", false, ShovelAMQP091, ""},
		{ShovelAuto, "", false, ShovelAMQP091, ""},
		{ShovelAuto, "4.3.6", true, ShovelAMQP091, ""},
		{ShovelAMQP091, "4.3.6", false, ShovelAMQP091, ""},
		{ShovelLocal, "4.3.6", false, ShovelLocal, ""},
		{ShovelLocal, "3.10.8", false, "", "needs RabbitMQ 4.2 or later, and prod:5672 runs RabbitMQ 3.10.8"},
		{ShovelLocal, "", false, "", "runs an unknown version"},
		{ShovelLocal, "4.3.6", true, "", "cannot reach --tap-url's"},
		{"amqp10", "4.3.6", false, "", `unknown shovel protocol "amqp10"`},
	} {
		cfg := Config{Endpoint: ep, ShovelProtocol: c.asked}
		if c.tapURL {
			cfg.TapEndpoint = other
		}
		got, err := shovelProtocolFor(cfg, c.version)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q on %q (tap-url %v): error %v, want one saying %q", c.asked, c.version, c.tapURL, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q on %q (tap-url %v) = %q, %v; want %q", c.asked, c.version, c.tapURL, got, err, c.want)
		}
	}
}

// A local shovel's definition names the protocol on both sides, keeps no
// password and takes no src-prefetch-count (which RabbitMQ refuses for a
// local shovel); an amqp091 one keeps its prefetch.
func TestShovelDefinitionOfEachProtocol(t *testing.T) {
	s := &Session{names: Names{Base: "shoveltap-h-1a2b3c"}, points: make([]tapPoint, 1)}
	s.cfg = Config{Endpoint: broker.Endpoint{User: "ops", Password: "secret", Vhost: "/"}, Limits: DefaultLimits,
		ShovelPrefetch: 250, AckMode: DefaultLocalAckMode, ShovelProtocol: ShovelLocal}
	def := shovelRoute{s: s}.shovelDefinition(0, 0)
	if def["src-protocol"] != "local" || def["dest-protocol"] != "local" || def["ack-mode"] != "on-confirm" {
		t.Errorf("local definition %v", def)
	}
	if _, ok := def["src-prefetch-count"]; ok {
		t.Errorf("a local shovel got src-prefetch-count: %v", def)
	}
	for _, k := range []string{"src-uri", "dest-uri"} {
		if uri := def[k].(string); strings.Contains(uri, "secret") || !strings.HasPrefix(uri, "amqp://ops@/") {
			t.Errorf("%s = %q, want a direct URI without the password", k, uri)
		}
	}
	s.cfg.ShovelProtocol, s.cfg.AckMode = ShovelAMQP091, DefaultAckMode
	def = shovelRoute{s: s}.shovelDefinition(0, 0)
	if def["src-protocol"] != "amqp091" || def["src-prefetch-count"] != 250 || def["ack-mode"] != "on-publish" {
		t.Errorf("amqp091 definition %v", def)
	}
}
