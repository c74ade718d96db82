package check

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// The check report fits 80 columns, whatever the names, except the
// commands, which stay whole to be copied.
func TestCheckReportFits80Columns(t *testing.T) {
	on := false
	r := &Report{
		Broker: "mq-production-eu-west-1.example.com:5671", Vhost: "a-rather-long-vhost-name-for-orders", User: "operations-team-member",
		Version: "3.10.8", Cluster: "rabbit@mq-production-eu-west-1", API: "https://mq-production-eu-west-1.example.com:15671",
		Tags: []string{"management"}, Tracing: &on,
		Plugins: []broker.Plugin{{Name: "rabbitmq_management", Enabled: Yes}, {Name: "rabbitmq_shovel", Enabled: Unknown}, {Name: "rabbitmq_shovel_management", Enabled: No}},
		Permissions: []Permission{
			{Perm: "configure", On: "shoveltap-… queues and exchanges", Result: Yes},
			{Perm: "read", On: `exchange "orders.events.v2.with.a.long.name"`, Result: No, Detail: "refused on queue \"shoveltap-host-123456-tap\""},
		},
		Abilities: []Ability{{
			Name: "setup (production side)", Usage: "shoveltap setup apply", Result: No,
			Missing: []string{`the "policymaker" tag`, `read permission on exchange "orders.events.v2.with.a.long.name"`},
			Untried: []string{"whether the rabbitmq_shovel plugin is enabled, which only a policymaker or a monitoring user can tell"},
			Note:    "the mirror broker's user needs the management tag, and configure and write on the mirror exchange: run shoveltap check there",
			Instead: "rabbitmqctl trace_on -p a-rather-long-vhost-name-for-orders",
		}},
		Grant: &Grant{For: []string{"setup (production side)"}, Commands: []string{"rabbitmqctl set_user_tags operations-team-member management policymaker", "rabbitmqctl set_permissions -p a-rather-long-vhost-name-for-orders operations-team-member '^shoveltap-mirror-' '^shoveltap-mirror-' '^(shoveltap-mirror-|orders\\.events\\.v2\\.with\\.a\\.long\\.name$)'"}},
		Notes: []string{`queue "celery": queue "celery" does not exist in vhost "a-rather-long-vhost-name-for-orders": check the name`},
	}
	var b bytes.Buffer
	WriteText(&b, r)
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		command := strings.HasPrefix(trimmed, "rabbitmqctl ")
		if utf8.RuneCountInString(line) > 80 && !command {
			t.Errorf("wider than 80 columns: %q", line)
		}
	}
	for _, want := range r.Grant.Commands {
		if !strings.Contains(out, "\n  "+want+"\n") {
			t.Errorf("command not printed whole on its own line: %s\n%s", want, out)
		}
	}
	for _, want := range []string{"not enabled:", "unknown: rabbitmq_shovel", "tags      management", "cannot: setup (production side)", "the \"policymaker\" tag: setup (production side)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}
}
