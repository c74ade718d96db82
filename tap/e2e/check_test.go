package e2e

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// runCheck runs `shoveltap check` as ep's user with extra args and
// returns stdout, stderr and the exit status.
func runCheck(t *testing.T, ep broker.Endpoint, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, append(append([]string{"check"}, connArgs(ep)...), args...)...)
	cmd.Env = env(ep)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String()+stderr.String(), ep.Password) {
		t.Errorf("check printed the password")
	}
	return stdout.String(), stderr.String(), code
}

// checkJSON runs check --json and decodes the report.
func checkJSON(t *testing.T, ep broker.Endpoint, args ...string) tap.Report {
	t.Helper()
	out, errOut, code := runCheck(t, ep, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("check --json: exit %d: %s", code, errOut)
	}
	var r tap.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check --json printed no report: %v\n%s", err, out)
	}
	return r
}

func ability(t *testing.T, r tap.Report, name string) tap.Ability {
	t.Helper()
	for _, a := range r.Abilities {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("the report has no ability %q: %s", name, r.Summary())
	return tap.Ability{}
}

// commandLine finds a rabbitmqctl or rabbitmq-plugins command, which the
// report prints whole however long it is.
var commandLine = regexp.MustCompile(`^\s*rabbitmq(ctl|-plugins) `)

// check says what each user may do, creates nothing that outlives it,
// fits 80 columns, and its commands grant what is missing.
func TestCheckSaysWhatTheUserMayDo(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	q := taptest.Queue(t, admin, x, "order.#")
	tapper := taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-", Write: "^shoveltap-", Read: "^(shoveltap-|" + regexp.QuoteMeta(x) + "$)"}

	t.Run("the documented tap user", func(t *testing.T) {
		u := taptest.User(t, admin, tapper)
		out, errOut, code := runCheck(t, u, "--exchange", x, "--queue", q)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		t.Log("\n" + out)
		for _, line := range strings.Split(out, "\n") {
			if utf8.RuneCountInString(line) > 80 && !commandLine.MatchString(line) {
				t.Errorf("line wider than 80 columns: %q", line)
			}
		}
		for _, want := range []string{`shoveltap check: user "` + u.User + `"`, "RabbitMQ ", "rabbitmq_shovel", "yes       shovel tap", "yes       binding tap", "yes       cleanup", "no        firehose",
			`missing: read permission on exchange "amq.rabbitmq.trace"`} {
			if !strings.Contains(out, want) {
				t.Errorf("the report does not say %q", want)
			}
		}
		r := checkJSON(t, u, "--exchange", x)
		if a := ability(t, r, "shovel tap"); a.Result != tap.Yes {
			t.Errorf("shovel tap: %+v", a)
		}
		// ^shoveltap- covers setup's shoveltap-mirror- names too.
		if a := ability(t, r, "setup (production side)"); a.Result != tap.Yes {
			t.Errorf("setup: %+v", a)
		}
		if a := ability(t, r, "firehose"); a.Result != tap.No || strings.Join(a.Missing, ",") != `the "administrator" tag,read permission on exchange "amq.rabbitmq.trace"` {
			t.Errorf("firehose: %+v", a)
		}
		taptest.WaitClean(t, admin, broker.Prefix, 0)
		if left := taptest.Leftovers(t, admin, broker.MirrorPrefix); len(left) > 0 {
			t.Errorf("check left %v", left)
		}
	})

	t.Run("one permission less, and its command", func(t *testing.T) {
		g := tapper
		g.Read = "^shoveltap-"
		u := taptest.User(t, admin, g)
		r := checkJSON(t, u, "--queue", q)
		a := ability(t, r, "shovel tap")
		if a.Result != tap.No || len(a.Missing) != 1 || a.Missing[0] != `read permission on exchange "`+x+`"` {
			t.Fatalf("shovel tap without read on the queue's exchange: %+v", a)
		}
		want := "rabbitmqctl set_permissions -p " + admin.Vhost + " " + u.User + ` '^shoveltap-' '^shoveltap-' '^(shoveltap-|` + regexp.QuoteMeta(x) + `$)'`
		if len(a.Commands) != 1 || a.Commands[0] != want {
			t.Fatalf("commands %q, want %q", a.Commands, want)
		}
		taptest.RunGrantCommand(t, admin, a.Commands[0])
		if a := ability(t, checkJSON(t, u, "--queue", q), "shovel tap"); a.Result != tap.Yes {
			t.Errorf("after %s: %+v", want, a)
		}
	})

	t.Run("setup's names only", func(t *testing.T) {
		u := taptest.User(t, admin, taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-mirror-", Write: "^shoveltap-mirror-", Read: "^(shoveltap-mirror-|" + regexp.QuoteMeta(x) + "$)"})
		r := checkJSON(t, u, "--exchange", x)
		if a := ability(t, r, "setup (production side)"); a.Result != tap.Yes {
			t.Errorf("setup: %+v", a)
		}
		a := ability(t, r, "shovel tap")
		if a.Result != tap.No || !strings.Contains(strings.Join(a.Missing, ","), "configure permission on shoveltap-… queues and exchanges") {
			t.Errorf("shovel tap with setup's names only: %+v", a)
		}
	})

	t.Run("no tag", func(t *testing.T) {
		g := tapper
		g.Tags = nil
		u := taptest.User(t, admin, g)
		r := checkJSON(t, u, "--exchange", x)
		if r.APIProblem == "" || len(r.Tags) != 0 {
			t.Errorf("tags %v, API problem %q", r.Tags, r.APIProblem)
		}
		if a := ability(t, r, "binding tap"); a.Result != tap.Yes {
			t.Errorf("a binding tap needs no tag: %+v", a)
		}
		a := ability(t, r, "shovel tap")
		if a.Result != tap.No || !strings.Contains(strings.Join(a.Commands, "\n"), "rabbitmqctl set_user_tags "+u.User+" policymaker") {
			t.Errorf("shovel tap without tags: %+v", a)
		}
	})

	t.Run("no permissions on the vhost", func(t *testing.T) {
		u := taptest.User(t, admin, taptest.Grant{NoAccess: true})
		_, errOut, code := runCheck(t, u)
		if code != 1 || !strings.Contains(errOut, `has no permissions on vhost "`+admin.Vhost+`"`) || !strings.Contains(errOut, "rabbitmqctl set_permissions -p "+admin.Vhost+" "+u.User) {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	taptest.WaitClean(t, admin, broker.Prefix, 0)
}
