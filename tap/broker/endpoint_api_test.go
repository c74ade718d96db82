package broker_test

import (
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// The address people write for the management API ends in /api; the client
// adds /api itself, so it is taken off (issue 22, sharp edge 1).
func TestAPIAddressWithTrailingAPI(t *testing.T) {
	for _, api := range []string{
		"http://localhost:15672/api",
		"http://localhost:15672/api/",
		"http://localhost:15672/",
		"http://localhost:15672",
	} {
		ep, err := broker.ResolveEndpoint("amqp://guest@localhost:5672/", api, func(string) string { return "" })
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if ep.API != "http://localhost:15672" {
			t.Errorf("--api %s: API %q, want http://localhost:15672", api, ep.API)
		}
	}
	ep, err := broker.ResolveEndpoint("amqp://guest@localhost:5672/", "https://mq.example.com/rabbitmq/api", func(string) string { return "" })
	if err != nil || ep.API != "https://mq.example.com/rabbitmq" {
		t.Errorf("path prefix: API %q, %v; want https://mq.example.com/rabbitmq", ep.API, err)
	}
}

// A wrong password's hint recommends a file, the prompt or an environment,
// never the URL or the password variable (sharp edge 4).
func TestPasswordHint(t *testing.T) {
	for prefix, flag := range map[string]string{"": "--password-file", "tap-": "--tap-password-file", "mirror-": "--mirror-password-file"} {
		h := broker.PasswordHint(prefix)
		if !strings.Contains(h, flag+" FILE") || !strings.Contains(h, "prompt") || !strings.Contains(h, "--env") {
			t.Errorf("%q: %q", prefix, h)
		}
		if strings.Contains(h, "SHOVELTAP_") || strings.Contains(h, "in the URL") {
			t.Errorf("%q: the hint recommends what the tool warns against: %q", prefix, h)
		}
	}
}
