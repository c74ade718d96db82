package tap_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// makeOrphan leaves on admin's vhost what a crashed tap leaves (a shovel
// definition, its source queue, an unbound exchange), as an
// administrator, and removes whatever of it is left when the test ends.
func makeOrphan(t *testing.T, admin broker.Endpoint) string {
	t.Helper()
	base := broker.Prefix + "it-orphan-" + strings.TrimPrefix(taptest.Name("o"), "test-o-")[:6]
	rh := taptest.Admin(t, admin)
	if _, err := rh.DeclareQueue(admin.Vhost, base+"-src-0", rabbithole.QueueSettings{Durable: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := rh.DeclareExchange(admin.Vhost, base+"-hbx", rabbithole.ExchangeSettings{Type: "fanout", AutoDelete: true}); err != nil {
		t.Fatal(err)
	}
	def := map[string]any{
		"src-uri": "amqp://" + admin.User + "@/" + admin.Vhost, "src-queue": base + "-src-0",
		"dest-uri": "amqp://" + admin.User + "@/" + admin.Vhost, "dest-exchange": base + "-x-0", "reconnect-delay": 0,
	}
	if _, err := rh.PutRuntimeParameter("shovel", admin.Vhost, base+"-0", def); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeAsAdmin(t, admin, base) })
	return base
}

func removeAsAdmin(t *testing.T, admin broker.Endpoint, base string) {
	rh := taptest.Admin(t, admin)
	_, _ = rh.DeleteShovel(admin.Vhost, base+"-0")
	_, _ = rh.DeleteQueue(admin.Vhost, base+"-src-0")
	_, _ = rh.DeleteExchange(admin.Vhost, base+"-hbx")
}

// cleanupAs runs what `shoveltap cleanup --yes` runs, as user.
func cleanupAs(user broker.Endpoint) ([]tap.Orphan, error) {
	a, err := broker.NewAdmin(user)
	if err != nil {
		return nil, err
	}
	orphans, err := tap.FindOrphans(context.Background(), a, user.Vhost)
	if err != nil {
		return nil, broker.WithNeeds(err, broker.CleanupNeeds())
	}
	for _, o := range orphans {
		if err := o.Remove(context.Background(), a); err != nil {
			return orphans, broker.WithNeeds(err, broker.CleanupNeeds())
		}
	}
	return orphans, nil
}

func bases(orphans []tap.Orphan) []string {
	var out []string
	for _, o := range orphans {
		out = append(out, o.Base)
	}
	return out
}

// cleanup: the policymaker tag and configure on shoveltap-, nothing else.
func TestLeastPrivilegeCleanup(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	full := taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^$", Read: "^$"}
	try := func(t *testing.T, u []broker.Endpoint) error {
		base := makeOrphan(t, admin)
		defer removeAsAdmin(t, admin, base)
		orphans, err := cleanupAs(u[0])
		if err != nil {
			return err
		}
		if !slices.Contains(bases(orphans), base) {
			return fmt.Errorf("cleanup did not find the orphan %s (found %v)", base, bases(orphans))
		}
		if left := taptest.Leftovers(t, admin, base); len(left) > 0 {
			return fmt.Errorf("cleanup left %v", left)
		}
		return nil
	}
	taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
		taptest.Without("no tag", 0, func(g *taptest.Grant) { g.Tags = nil }, `lacks the "policymaker" tag`),
		taptest.Without("management instead of policymaker", 0, func(g *taptest.Grant) { g.Tags = []string{"management"} }, `lacks the "policymaker" tag`),
		taptest.Without("no configure", 0, func(g *taptest.Grant) { g.Configure = "^$" }, `lacks configure permission on queue "shoveltap-it-orphan-`),
		taptest.Without("no permissions on the vhost", 0, func(g *taptest.Grant) { g.NoAccess = true }, `has no permissions on vhost "`+admin.Vhost+`"`),
	})
}

// Another user's live tap is not an orphan: neither cleanup nor the sweep
// at another tap's start touches it, and it keeps delivering.
func TestOthersLiveTapsAreLeftAlone(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	tapper := taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + quote(x) + "$)"}
	alice := taptest.User(t, admin, tapper)
	bob := taptest.User(t, admin, tapper)
	for name, cfg := range map[string]tap.Config{
		"shovel tap":  {Endpoint: alice, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-alice"},
		"binding tap": {Endpoint: alice, NoShovel: true, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-alice"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := tap.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			base := s.Names().Base
			before := taptest.Leftovers(t, admin, base)

			orphans, err := cleanupAs(bob)
			if err != nil {
				t.Fatalf("bob's cleanup: %v", err)
			}
			if slices.Contains(bases(orphans), base) {
				t.Errorf("bob's cleanup took alice's live tap for an orphan")
			}
			// bob's own tap sweeps leftovers when it starts.
			if err := tapWorks(t, tap.Config{Endpoint: bob, Sources: []tap.Source{{Exchange: x, Key: "#"}}}, admin, x, "k"); err != nil {
				t.Fatalf("bob's tap: %v", err)
			}
			if after := taptest.Leftovers(t, admin, base); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("alice's tap changed under bob: before %v, after %v", before, after)
			}
			taptest.Publish(t, taptest.Channel(t, admin), x, "k", amqp.Publishing{Body: []byte("still alice's")})
			for _, m := range collect(t, s, 2, 10*time.Second) { // bob's message too
				if string(m.Body) == "still alice's" {
					return
				}
			}
			t.Errorf("alice's tap stopped delivering")
		})
	}
}

// A user with every permission on one vhost reaches nothing of another
// through shoveltap: no tap there, no cleanup there.
func TestAnotherVhostIsOutOfReach(t *testing.T) {
	root := taptest.Endpoint(t)
	mine, theirs := taptest.Vhost(t, root), taptest.Vhost(t, root)
	x := taptest.Exchange(t, theirs, "topic")
	u := taptest.User(t, mine, taptest.Grant{Tags: []string{"policymaker"}, Configure: ".*", Write: ".*", Read: ".*"})
	there := u
	there.Vhost, there.AMQP.Vhost = theirs.Vhost, theirs.Vhost
	orphan := makeOrphan(t, theirs)

	_, err := tap.Open(context.Background(), tap.Config{Endpoint: there, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-priv"})
	if err == nil || !strings.Contains(err.Error(), `has no permissions on vhost "`+theirs.Vhost+`"`) {
		t.Errorf("a tap on another vhost: %v", err)
	}
	_, err = tap.Open(context.Background(), tap.Config{Endpoint: there, NoShovel: true, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-priv"})
	if err == nil || !strings.Contains(err.Error(), `has no permissions on vhost "`+theirs.Vhost+`"`) {
		t.Errorf("a binding tap on another vhost: %v", err)
	}
	if _, err := cleanupAs(there); err == nil || !strings.Contains(err.Error(), `has no permissions on vhost "`+theirs.Vhost+`"`) {
		t.Errorf("cleanup on another vhost: %v", err)
	}
	if left := taptest.Leftovers(t, theirs, orphan); len(left) != 3 {
		t.Errorf("the other vhost's objects changed: %v", left)
	}
	if left := taptest.Leftovers(t, theirs, "shoveltap-it-priv"); len(left) > 0 {
		t.Errorf("left on the other vhost: %v", left)
	}
}
