package broker

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestPatternsMatchExactlyWhatIsNeeded(t *testing.T) {
	n := TapNeeds(true, "orders", "amq.topic", "a|b")
	read := regexp.MustCompile(pattern(n.Read))
	for name, want := range map[string]bool{
		"shoveltap-vm-1-tap": true, "orders": true, "amq.topic": true, "a|b": true,
		"orders2": false, "xorders": false, "amqXtopic": false, "a": false, "b": false, "other": false,
	} {
		if got := read.MatchString(name); got != want {
			t.Errorf("read pattern %s matches %q: %v, want %v", pattern(n.Read), name, got, want)
		}
	}
	if got := pattern(nil); got != "^$" {
		t.Errorf("no entries: %q, want ^$ (matches nothing)", got)
	}
	if got := pattern([]Match{Prefixed(Prefix), Prefixed(Prefix)}); got != "^shoveltap-" {
		t.Errorf("duplicates: %q", got)
	}
}

func TestCommands(t *testing.T) {
	n := TapNeeds(true, "orders")
	if got, want := n.PermissionsCommand("/", "ops"), `rabbitmqctl set_permissions -p / ops '^shoveltap-' '^shoveltap-' '^(shoveltap-|orders$)'`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, want := n.PermissionsCommand("it's", "o p"), `rabbitmqctl set_permissions -p 'it'\''s' 'o p' `; !strings.HasPrefix(got, want) {
		t.Errorf("quoting: got %s", got)
	}
	if got, want := TagsCommand("ops", []string{"management"}, "policymaker"), "rabbitmqctl set_user_tags ops management policymaker"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := TagsCommand("ops", []string{"monitoring", "policymaker"}, "policymaker"), "rabbitmqctl set_user_tags ops monitoring policymaker"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestHasTag(t *testing.T) {
	for _, c := range []struct {
		tags []string
		tag  string
		want bool
	}{
		{[]string{"administrator"}, "policymaker", true},
		{[]string{"administrator"}, "monitoring", true},
		{[]string{"policymaker"}, "management", true},
		{[]string{"monitoring"}, "management", true},
		{[]string{"policymaker"}, "monitoring", false},
		{[]string{"management"}, "policymaker", false},
		{nil, "management", false},
	} {
		if got := HasTag(c.tags, c.tag); got != c.want {
			t.Errorf("HasTag(%v, %s) = %v", c.tags, c.tag, got)
		}
	}
}

func TestParseRefusal(t *testing.T) {
	ep := Endpoint{}
	for _, c := range []struct {
		doing, reason          string
		perm, kind, name, user string
	}{
		// 4.x names the permission.
		{"binding to exchange", "ACCESS_REFUSED - read access to exchange 'amq.topic' in vhost '/' refused for user 'ops'", "read", "exchange", "amq.topic", "ops"},
		{"anything", "ACCESS_REFUSED - configure access to queue 'q' in vhost 'v' refused for user 'u'", "configure", "queue", "q", "u"},
		// 3.x does not: what was done says.
		{`declaring the tap queue "q"`, "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'ops'", "configure", "queue", "q", "ops"},
		{`declaring the heartbeat queue "hb"`, "ACCESS_REFUSED - access to exchange 'dlx' in vhost '/' refused for user 'ops'", "write", "exchange", "dlx", "ops"},
		{`binding the tap queue to "x"`, "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'ops'", "write", "queue", "q", "ops"},
		{`binding to exchange "orders" with key "#"`, "ACCESS_REFUSED - access to exchange 'orders' in vhost '/' refused for user 'ops'", "read", "exchange", "orders", "ops"},
		{`consuming from "q"`, "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'ops'", "read", "queue", "q", "ops"},
		{"starting the heartbeat", "ACCESS_REFUSED - access to exchange 'hbx' in vhost '/' refused for user 'ops'", "write", "exchange", "hbx", "ops"},
		{"connecting to the broker", "NOT_ALLOWED - access to vhost 'prod' refused for user 'ops'", "access", "", "", "ops"},
	} {
		r := parseRefusal(ep, c.doing, c.reason)
		if r == nil {
			t.Errorf("%s: %s: not understood", c.doing, c.reason)
			continue
		}
		if r.Perm != c.perm || r.Kind != c.kind || r.Name != c.name || r.User != c.user {
			t.Errorf("%s: %s: got %s %s %q of %s", c.doing, c.reason, r.Perm, r.Kind, r.Name, r.User)
		}
	}
	if r := parseRefusal(ep, "setting the prefetch", "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'ops'"); r != nil {
		t.Errorf("an unknown step cannot say which permission, got %+v", r)
	}
}

func TestRefusalMessagesNameTheCommand(t *testing.T) {
	tag := &Refusal{Doing: "creating shovel", User: "ops", Vhost: "/", Tag: "policymaker", Has: []string{"management"}}
	if got := tag.Error(); !strings.Contains(got, `lacks the "policymaker" tag`) || !strings.Contains(got, "rabbitmqctl set_user_tags ops management policymaker") {
		t.Errorf("tag refusal: %s", got)
	}
	perm := &Refusal{Doing: "binding", User: "ops", Vhost: "/", Perm: "read", Kind: "exchange", Name: "billing"}
	n := TapNeeds(true, "orders")
	err := withNeedsBy(fmt.Errorf("opening: %w", perm), func(*Refusal) (Needs, string) { return n, "" })
	if got := err.Error(); !strings.Contains(got, `lacks read permission on exchange "billing"`) ||
		!strings.Contains(got, `rabbitmqctl set_permissions -p / ops '^shoveltap-' '^shoveltap-' '^(shoveltap-|orders$|billing$)'`) {
		t.Errorf("permission refusal: %s", got)
	}
	var r *Refusal
	if !errors.As(err, &r) || r.Needs == nil {
		t.Errorf("withNeeds did not complete the refusal")
	}
	other := errors.New("something else")
	if withNeedsBy(other, func(*Refusal) (Needs, string) { return n, "" }) != other {
		t.Errorf("withNeeds changed an error that is no refusal")
	}
}

// A refusal made for an endpoint with Needs carries them from the start,
// so an error wrapping it reads the same as the refusal itself: nothing
// needs rewriting afterwards.
func TestEndpointNeedsAreCarriedFromTheStart(t *testing.T) {
	n := Needs{Tags: []string{"policymaker"}, Read: []Match{Named("orders")}}
	ep := Endpoint{User: "ops", Vhost: "/", Needs: func(*Refusal) (Needs, string) { return n, "or use less" }}
	r := ep.Refused(&Refusal{Doing: "creating the shovel", Broker: "mq:5672", User: "ops", Vhost: "/", Tag: "management"})
	if r.Needs == nil || r.Tag != "policymaker" || r.Else != "or use less" {
		t.Fatalf("refusal not completed: needs %v, tag %q, else %q", r.Needs, r.Tag, r.Else)
	}
	wrapped := fmt.Errorf("opening: %w", r)
	if wrapped.Error() != "opening: "+r.Error() || !strings.Contains(wrapped.Error(), "set_user_tags ops policymaker") {
		t.Fatalf("wrapped refusal reads %q", wrapped.Error())
	}
	if plain := (Endpoint{}).Refused(&Refusal{Doing: "x", Tag: "management"}); plain.Needs != nil {
		t.Fatal("an endpoint without Needs completed a refusal")
	}
}
