package taptest

import (
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Party is one broker user a mode of shoveltap needs: where it lives (an
// administrator's endpoint on a vhost of the test's own) and what
// docs/permissions.md's "What the broker user needs" says it needs.
type Party struct {
	Admin broker.Endpoint
	Full  Grant
}

// Less is one tag or permission taken away from party Who.
type Less struct {
	Name   string
	Who    int
	Change func(*Grant)
	Want   string // what the error must say
}

// CheckLeastPrivilege proves a mode's documented needs exact. try runs the
// mode as one user per party and returns nil when it worked end to end.
// With everything documented it must work; with one thing less it must
// fail saying so (c.Want), show no password, leave no shoveltap- object
// behind, and work once the rabbitmqctl commands its error prints have
// been run by an administrator. Every run gets fresh users.
func CheckLeastPrivilege(t *testing.T, parties []Party, try func(t *testing.T, users []broker.Endpoint) error, cases []Less) {
	t.Helper()
	makeUsers := func(t *testing.T, who int, change func(*Grant)) []broker.Endpoint {
		var users []broker.Endpoint
		for i, p := range parties {
			g := p.Full
			g.Tags = append([]string(nil), g.Tags...)
			if i == who && change != nil {
				change(&g)
			}
			users = append(users, User(t, p.Admin, g))
		}
		return users
	}
	clean := func(t *testing.T) {
		for _, p := range parties {
			WaitClean(t, p.Admin, broker.Prefix, 10*time.Second)
		}
	}
	t.Run("everything the README lists", func(t *testing.T) {
		if err := try(t, makeUsers(t, -1, nil)); err != nil {
			t.Fatalf("the documented grants do not suffice: %v", err)
		}
		clean(t)
	})
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			users := makeUsers(t, c.Who, c.Change)
			err := try(t, users)
			if err == nil {
				t.Fatalf("worked without it: the README lists more than is needed")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, c.Want) {
				t.Errorf("the error does not say %q", c.Want)
			}
			for _, u := range users {
				if strings.Contains(msg, u.Password) {
					t.Errorf("the error shows a password")
				}
			}
			clean(t)
			commands := GrantCommands(msg)
			if len(commands) == 0 {
				t.Fatalf("the error names no rabbitmqctl command")
			}
			for _, cmd := range commands {
				RunGrantCommand(t, parties[c.Who].Admin, cmd)
			}
			if err := try(t, users); err != nil {
				t.Fatalf("still failing after %s: %v", strings.Join(commands, " and "), err)
			}
			clean(t)
		})
	}
}

// Without is the case "party who without something": change takes it away,
// and the error must say want.
func Without(name string, who int, change func(*Grant), want string) Less {
	return Less{Name: name, Who: who, Change: change, Want: want}
}
