package setup

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// setup (queue layout) with users that have exactly what docs/permissions.md's "What
// the broker user needs" lists, on production and on the mirror, and then
// one thing less on either: apply, a message through the mirror, status and
// teardown work with everything; with one thing less the error names it and
// the command that grants it. Production and mirror each get a vhost of
// their own.
func TestLeastPrivilegeSetup(t *testing.T) {
	prod := taptest.Vhost(t, taptest.Endpoint(t))
	mirror := taptest.Vhost(t, mirrorEndpoint(t))
	x := taptest.Exchange(t, prod, "topic")
	q := regexp.QuoteMeta(x)
	parties := []taptest.Party{
		{Admin: prod, Full: taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-mirror-", Write: "^shoveltap-mirror-", Read: "^(shoveltap-mirror-|" + q + "$)"}},
		{Admin: mirror, Full: taptest.Grant{Tags: []string{"management"}, Configure: "^" + q + "$", Write: "^" + q + "$", Read: "^$"}},
	}
	cfg := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x}}}
	teardownAsAdmin := func() {
		if _, err := runCmd(t, prod, mirror, RunConfig{Command: CmdTeardown, Config: cfg}); err != nil {
			t.Errorf("teardown as an administrator: %v", err)
		}
	}
	try := func(t *testing.T, u []broker.Endpoint) error {
		defer teardownAsAdmin()
		run := func(cmd string) (string, error) {
			return runCmd(t, u[0], u[1], RunConfig{Command: cmd, Config: cfg})
		}
		if _, err := run(CmdApply); err != nil {
			return err
		}
		// An outside consumer on the mirror gets what production publishes.
		consumer := taptest.Queue(t, mirror, x, "")
		ch := taptest.Channel(t, prod)
		taptest.Publish(t, ch, x, "order.paid", amqp.Publishing{Body: []byte("mirrored")})
		mch := taptest.Channel(t, mirror)
		deadline := time.Now().Add(15 * time.Second)
		for taptest.QueueDepth(t, mch, consumer) < 1 {
			if time.Now().After(deadline) {
				return fmt.Errorf("the message did not reach the mirror within 15 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		out, err := run(CmdStatus)
		if err != nil {
			return err
		}
		if !strings.Contains(out, ShovelName(x)) {
			return fmt.Errorf("status shows no shovel:\n%s", out)
		}
		_, err = run(CmdTeardown)
		return err
	}
	taptest.CheckLeastPrivilege(t, parties, try, []taptest.Less{
		taptest.Without("production: no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "policymaker" tag`),
		taptest.Without("production: management instead of policymaker", 0, func(g *taptest.Grant) { g.Tags = []string{"management"} }, `lacks the "policymaker" tag`),
		taptest.Without("production: no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "`+MirrorQueue(x)+`"`),
		taptest.Without("production: no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on queue "`+MirrorQueue(x)+`"`),
		taptest.Without("production: no read on the mirror queue", 0, func(g *taptest.Grant) { g.Read = "^" + q + "$" }, `lacks read permission on queue "`+MirrorQueue(x)+`"`),
		taptest.Without("production: no read on the exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-mirror-" }, `lacks read permission on exchange "`+x+`"`),
		taptest.Without("mirror: no tag", 1, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "management" tag`),
		taptest.Without("mirror: no configure", 1, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on exchange "`+x+`"`),
		taptest.Without("mirror: no write", 1, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on exchange "`+x+`"`),
	})
	// The production user's command is docs/permissions.md's, exactly.
	u := taptest.User(t, prod, taptest.Grant{Tags: []string{"policymaker"}, Configure: "^$", Write: "^$", Read: "^$"})
	m := taptest.User(t, mirror, parties[1].Full)
	_, err := runCmd(t, u, m, RunConfig{Command: CmdApply, Config: cfg})
	teardownAsAdmin()
	want := "rabbitmqctl set_permissions -p " + prod.Vhost + " " + u.User + ` '^shoveltap-mirror-' '^shoveltap-mirror-' '^(shoveltap-mirror-|` + q + `$)'`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("the command is not the documented one:\n got %v\nwant %s", err, want)
	}
}
