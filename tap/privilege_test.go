package tap_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// These tests give throwaway users exactly what docs/permissions.md's "What the
// broker user needs" lists for each mode, and then that minus one tag or
// permission at a time. With everything the mode must work; with one thing
// less it must fail naming that thing and the rabbitmqctl command that
// grants it, leave nothing behind, and work once the command is run.
// Each test has a vhost of its own, so nobody else's leftovers interfere.

// tapWorks opens a tap, sees one message published to exchange x by an
// administrator, and closes it.
func tapWorks(t *testing.T, cfg tap.Config, publisher broker.Endpoint, x, key string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Host = "it-priv"
	s, err := tap.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("closing the tap: %v", err)
		}
	}()
	if !cfg.NoShovel && !cfg.Firehose {
		noPasswordInShovel(t, publisher, s.Names().Shovel(0), cfg.Endpoint.Password)
	}
	taptest.Publish(t, taptest.Channel(t, publisher), x, key, amqp.Publishing{Body: []byte("least privilege")})
	got := collect(t, s, 1, 10*time.Second)
	if string(got[0].Body) != "least privilege" {
		t.Errorf("got %s", taptest.Describe(got[0]))
	}
	return nil
}

// noPasswordInShovel checks that the stored shovel definition holds no
// password of the tapped broker's user.
func noPasswordInShovel(t *testing.T, admin broker.Endpoint, name, password string) {
	t.Helper()
	p, err := taptest.Admin(t, admin).GetRuntimeParameter("shovel", admin.Vhost, name)
	if err != nil {
		t.Fatalf("reading shovel %s: %v", name, err)
	}
	def, _ := p.Value.(map[string]any)
	for _, k := range []string{"src-uri", "dest-uri"} {
		if uri, _ := def[k].(string); strings.Contains(uri, password) {
			t.Errorf("the shovel's %s holds the user's password", k)
		}
	}
}

func quote(name string) string { return regexp.QuoteMeta(name) }

// The default tap: a shovel from a source queue bound to the exchange.
func TestLeastPrivilegeShovelTap(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	full := taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"}
	try := func(t *testing.T, u []broker.Endpoint) error {
		return tapWorks(t, tap.Config{Endpoint: u[0], Sources: []tap.Source{{Exchange: x, Key: "#"}}}, admin, x, "k")
	}
	documented := "rabbitmqctl set_permissions -p " + admin.Vhost + " "
	taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
		taptest.Without("no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "policymaker" tag`),
		taptest.Without("management instead of policymaker", 0, func(g *taptest.Grant) { g.Tags = []string{"management"} }, `lacks the "policymaker" tag; an administrator grants it with: rabbitmqctl set_user_tags`),
		taptest.Without("no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-priv-`),
		taptest.Without("no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on queue "shoveltap-it-priv-`),
		taptest.Without("no read on its own objects", 0, func(g *taptest.Grant) { g.Read = "^" + quote(x) + "$" }, `lacks read permission on exchange "shoveltap-it-priv-`),
		taptest.Without("no read on the exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-" }, `lacks read permission on exchange "`+x+`"`),
		taptest.Without("no permissions on the vhost", 0, func(g *taptest.Grant) { g.NoAccess = true }, `has no permissions on vhost "`+admin.Vhost+`"`),
	})
	// The command in every permission error is docs/permissions.md's, exactly.
	u := taptest.User(t, admin, taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^shoveltap-"})
	err := try(t, []broker.Endpoint{u})
	want := documented + u.User + ` '^shoveltap-' '^shoveltap-' '^(shoveltap-|` + quote(x) + `$)'`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("the command is not the documented one:\n got %v\nwant %s", err, want)
	}
}

// --queue copies the queue's bindings: read on the exchanges it is bound
// to, nothing on the queue itself, which is never read.
func TestLeastPrivilegeQueueTap(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	q := taptest.Queue(t, admin, x, "order.#")
	full := taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"}
	try := func(t *testing.T, u []broker.Endpoint) error {
		return tapWorks(t, tap.Config{Endpoint: u[0], Sources: []tap.Source{{Queue: q}}}, admin, x, "order.paid")
	}
	taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
		taptest.Without("no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "policymaker" tag`),
		taptest.Without("no read on the queue's exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-" }, `lacks read permission on exchange "`+x+`"`),
	})
}

// --no-shovel needs no tag at all: an exclusive queue bound to the exchange.
func TestLeastPrivilegeBindingTap(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	full := taptest.Grant{Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"}
	try := func(t *testing.T, u []broker.Endpoint) error {
		return tapWorks(t, tap.Config{Endpoint: u[0], NoShovel: true, Sources: []tap.Source{{Exchange: x, Key: "#"}}}, admin, x, "k")
	}
	taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
		taptest.Without("no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-priv-`),
		taptest.Without("no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on queue "shoveltap-it-priv-`),
		taptest.Without("no read on its own queue", 0, func(g *taptest.Grant) { g.Read = "^" + quote(x) + "$" }, `lacks read permission on queue "shoveltap-it-priv-`),
		taptest.Without("no read on the exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-" }, `lacks read permission on exchange "`+x+`"`),
	})
}

// --firehose binds to amq.rabbitmq.trace: the management tag when tracing
// is on already, the administrator tag when shoveltap must turn it on.
func TestLeastPrivilegeFirehose(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, admin)
	if _, err := ch.QueueDeclare("celery", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	read := "^(shoveltap-|amq\\.rabbitmq\\.trace$)"
	try := func(t *testing.T, u []broker.Endpoint) error {
		return tapWorks(t, tap.Config{Endpoint: u[0], Firehose: true, Sources: []tap.Source{{Queue: "celery"}}}, admin, "", "celery")
	}
	t.Run("tracing off", func(t *testing.T) {
		full := taptest.Grant{Tags: []string{"administrator"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: read}
		taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
			taptest.Without("management instead of administrator", 0, func(g *taptest.Grant) { g.Tags = []string{"management"} }, `lacks the "administrator" tag`),
		})
		if tracing(t, admin) {
			t.Errorf("tracing was left on")
		}
	})
	t.Run("tracing on", func(t *testing.T) {
		setTracing(t, admin, true)
		defer setTracing(t, admin, false)
		full := taptest.Grant{Tags: []string{"management"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: read}
		taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
			taptest.Without("no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "management" tag`),
			taptest.Without("no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-priv-`),
			taptest.Without("no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on queue "shoveltap-it-priv-`),
			taptest.Without("no read on its own queue", 0, func(g *taptest.Grant) { g.Read = `^amq\.rabbitmq\.trace$` }, `lacks read permission on queue "shoveltap-it-priv-`),
			taptest.Without("no read on the trace exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-" }, `lacks read permission on exchange "amq.rabbitmq.trace"`),
		})
		if !tracing(t, admin) {
			t.Errorf("tracing that was on before is off")
		}
	})
}

func setTracing(t *testing.T, ep broker.Endpoint, on bool) {
	t.Helper()
	if _, err := taptest.Admin(t, ep).PutVhost(ep.Vhost, rabbithole.VhostSettings{Description: "shoveltap test", Tracing: on}); err != nil {
		t.Fatal(err)
	}
}

// --tap-url: the tapped broker's user as for the default tap; the tap
// broker's user needs the management tag and shoveltap's own names.
func TestLeastPrivilegeTapURL(t *testing.T) {
	prod := taptest.Vhost(t, taptest.Endpoint(t))
	other := taptest.Vhost(t, taptest.BareEndpoint(t))
	x := taptest.Exchange(t, prod, "topic")
	own := taptest.Grant{Tags: []string{"management"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^shoveltap-"}
	parties := []taptest.Party{
		{Admin: prod, Full: taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"}},
		{Admin: other, Full: own},
	}
	try := func(t *testing.T, u []broker.Endpoint) error {
		return tapWorks(t, tap.Config{Endpoint: u[0], TapEndpoint: &u[1], Sources: []tap.Source{{Exchange: x, Key: "#"}}}, prod, x, "k")
	}
	taptest.CheckLeastPrivilege(t, parties, try, []taptest.Less{
		taptest.Without("tapped: no read on the exchange", 0, func(g *taptest.Grant) { g.Read = "^shoveltap-" }, `lacks read permission on exchange "`+x+`"`),
		taptest.Without("tapped: no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on`),
		taptest.Without("tapped: no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "policymaker" tag`),
		taptest.Without("tapped: no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-priv-`),
		taptest.Without("tapped: no read on its own objects", 0, func(g *taptest.Grant) { g.Read = "^" + quote(x) + "$" }, `lacks read permission on`),
		taptest.Without("tap broker: no tag", 1, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "management" tag`),
		taptest.Without("tap broker: no configure", 1, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-priv-`),
		taptest.Without("tap broker: no write", 1, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on`),
		taptest.Without("tap broker: no read", 1, func(g *taptest.Grant) { g.Read = "^$" }, `lacks read permission on`),
	})
}

// The picker lists a vhost through the management API: the management tag
// and any permissions entry on the vhost, even one matching nothing.
func TestLeastPrivilegePicker(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	full := taptest.Grant{Tags: []string{"management"}, Configure: "^$", Write: "^$", Read: "^$"}
	try := func(t *testing.T, u []broker.Endpoint) error {
		a, err := broker.NewAdmin(u[0])
		if err != nil {
			return err
		}
		rs, err := a.Resources(context.Background(), u[0].Vhost)
		if err != nil {
			return broker.WithNeeds(err, broker.PickerNeeds())
		}
		for _, r := range rs {
			if r.Name == x {
				return nil
			}
		}
		return fmt.Errorf("the picker does not list %s: %v", x, rs)
	}
	taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
		taptest.Without("no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "management" tag`),
		taptest.Without("no permissions on the vhost", 0, func(g *taptest.Grant) { g.NoAccess = true }, `has no permissions on vhost "`+admin.Vhost+`"`),
	})
}

// Without the monitoring tag the status API refuses the user: a shovel
// removed under a running tap is then noticed from the definitions (a
// policymaker may list them) and restarted.
func TestRemovedShovelIsRestartedWithoutMonitoring(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	u := taptest.User(t, admin, taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"})
	s, err := tap.Open(context.Background(), tap.Config{Endpoint: u, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-priv", MonitorEvery: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = s.Close(context.Background())
		taptest.WaitClean(t, admin, broker.Prefix, 10*time.Second)
	}()
	rh := taptest.Admin(t, admin)
	if _, err := rh.DeleteShovel(admin.Vhost, s.Names().Shovel(0)); err != nil {
		t.Fatal(err)
	}
	taptest.Eventually(t, 5*time.Second, "the shovel to be restarted", func() bool {
		return strings.Contains(s.Status().Detail, "shovel restarted")
	})
	if s.Status().Reconnects != 0 {
		t.Errorf("the tap was re-created (%d times), not its shovel restarted", s.Status().Reconnects)
	}
	taptest.Publish(t, taptest.Channel(t, admin), x, "k", amqp.Publishing{Body: []byte("after the restart")})
	for _, m := range collect(t, s, 1, 10*time.Second) {
		if string(m.Body) != "after the restart" {
			t.Errorf("got %s", taptest.Describe(m))
		}
	}
}
