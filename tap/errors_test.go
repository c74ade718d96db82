package tap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// openErr opens a tap that must fail and returns the error text.
func openErr(t *testing.T, ep broker.Endpoint, exchange string, sources ...tap.Source) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(sources) == 0 {
		sources = []tap.Source{{Exchange: exchange, Key: "#"}}
	}
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: sources, Host: "it-errors"})
	if err == nil {
		_ = s.Close(context.Background())
		t.Fatal("Open succeeded, want an error")
	}
	if ep.Password != "" && strings.Contains(err.Error(), ep.Password) {
		t.Errorf("the error shows the password: %v", err)
	}
	t.Log(err)
	return err.Error()
}

func withURL(t *testing.T, raw, api string) broker.Endpoint {
	t.Helper()
	ep, err := broker.ResolveEndpoint(raw, api, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func wantAll(t *testing.T, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("error %q does not say %q", got, p)
		}
	}
}

func TestErrorsAreClearAndActionable(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	host := ep.AMQP.Host

	t.Run("wrong password", func(t *testing.T) {
		bad := withURL(t, "amqp://guest:Secr3t-Wr0ng@"+ep.Address()+"/", ep.API)
		got := openErr(t, bad, x)
		// The hint names the safe ways to give a password, never the URL
		// or the environment variable (issue 22, edge 4).
		wantAll(t, got, `refused user "guest"`, "wrong username or password", "--password-file", "prompt")
		if strings.Contains(got, broker.EnvPassword) {
			t.Errorf("the hint recommends %s: %s", broker.EnvPassword, got)
		}
	})
	t.Run("broker unreachable", func(t *testing.T) {
		bad := withURL(t, "amqp://guest:guest@"+host+":1/", ep.API)
		wantAll(t, openErr(t, bad, x), "cannot reach the broker at "+host+":1", "connection refused", "--url")
	})
	t.Run("management API unreachable", func(t *testing.T) {
		bad := withURL(t, "amqp://guest:guest@"+ep.Address()+"/", "http://"+host+":1")
		wantAll(t, openErr(t, bad, x), "cannot reach the management API at http://"+host+":1", "rabbitmq_management", "--api")
	})
	t.Run("unknown exchange", func(t *testing.T) {
		wantAll(t, openErr(t, ep, "no-such-exchange-xyz"), `exchange "no-such-exchange-xyz" does not exist in vhost "/"`)
	})
	t.Run("user without the policymaker tag", func(t *testing.T) {
		user := userWithTags(t, ep, "management")
		wantAll(t, openErr(t, user, x), `lacks the "policymaker" tag`, "rabbitmqctl set_user_tags "+user.User+" management policymaker", "--no-shovel")
	})
	t.Run("user without the management tag", func(t *testing.T) {
		user := userWithTags(t, ep)
		wantAll(t, openErr(t, user, x), `lacks the "policymaker" tag`, "rabbitmqctl set_user_tags "+user.User+" policymaker;", "--no-shovel")
	})
	t.Run("shovel plugin not enabled", func(t *testing.T) {
		bare := taptest.BareEndpoint(t)
		bx := taptest.Exchange(t, bare, "topic")
		wantAll(t, openErr(t, bare, bx), "shovel plugin is not enabled", "rabbitmq-plugins enable rabbitmq_shovel")
		taptest.WaitClean(t, bare, "shoveltap-it-errors", 5*time.Second)
	})
	taptest.WaitClean(t, ep, "shoveltap-it-errors", 5*time.Second)
}

// userWithTags creates a throwaway user with full permissions on the vhost
// and the given tags, deleted when the test ends.
func userWithTags(t *testing.T, ep broker.Endpoint, tags ...string) broker.Endpoint {
	t.Helper()
	rh := taptest.Admin(t, ep)
	name := taptest.Name("user")
	const password = "Us3r-Pw-Test"
	if _, err := rh.PutUser(name, rabbithole.UserSettings{Password: password, Tags: rabbithole.UserTags(tags)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = rh.DeleteUser(name) })
	if _, err := rh.UpdatePermissionsIn(ep.Vhost, name, rabbithole.Permissions{Configure: ".*", Write: ".*", Read: ".*"}); err != nil {
		t.Fatal(err)
	}
	return withURL(t, "amqp://"+name+":"+password+"@"+ep.Address()+"/", ep.API)
}
