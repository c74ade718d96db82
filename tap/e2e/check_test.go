package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/check"
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
func checkJSON(t *testing.T, ep broker.Endpoint, args ...string) check.Report {
	t.Helper()
	out, errOut, code := runCheck(t, ep, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("check --json: exit %d: %s", code, errOut)
	}
	var r check.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check --json printed no report: %v\n%s", err, out)
	}
	return r
}

func ability(t *testing.T, r check.Report, name string) check.Ability {
	t.Helper()
	for _, a := range r.Abilities {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("the report has no ability %q: %s", name, r.Summary())
	return check.Ability{}
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
		for _, want := range []string{`shoveltap check: user "` + u.User + `"`, "RabbitMQ ", "rabbitmq_shovel", "can: shovel tap, binding tap, tap broker, picker, cleanup", "cannot: firehose",
			`read permission on exchange "amq.rabbitmq.trace": firehose`, "rabbitmqctl trace_on -p " + admin.Vhost} {
			if !strings.Contains(out, want) {
				t.Errorf("the report does not say %q", want)
			}
		}
		r := checkJSON(t, u, "--exchange", x)
		if a := ability(t, r, "shovel tap"); a.Result != check.Yes {
			t.Errorf("shovel tap: %+v", a)
		}
		// ^shoveltap- covers setup's shoveltap-mirror- names too.
		if a := ability(t, r, "setup (production side)"); a.Result != check.Yes {
			t.Errorf("setup: %+v", a)
		}
		if a := ability(t, r, "firehose"); a.Result != check.No || strings.Join(a.Missing, ",") != `the "administrator" tag,read permission on exchange "amq.rabbitmq.trace"` {
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
		if a.Result != check.No || len(a.Missing) != 1 || a.Missing[0] != `read permission on exchange "`+x+`"` {
			t.Fatalf("shovel tap without read on the queue's exchange: %+v", a)
		}
		g2 := r.Grant
		if g2 == nil || g2.Read != `^(shoveltap-|`+regexp.QuoteMeta(x)+`$)` || g2.Configure != "^shoveltap-" || len(g2.AddTags) != 0 {
			t.Fatalf("grant %+v", g2)
		}
		pasteBlock(t, admin, g2.Commands)
		if a := ability(t, checkJSON(t, u, "--queue", q), "shovel tap"); a.Result != check.Yes {
			t.Errorf("after the block: %+v", a)
		}
	})

	t.Run("setup's names only", func(t *testing.T) {
		u := taptest.User(t, admin, taptest.Grant{Tags: []string{"policymaker"}, Configure: "^shoveltap-mirror-", Write: "^shoveltap-mirror-", Read: "^(shoveltap-mirror-|" + regexp.QuoteMeta(x) + "$)"})
		r := checkJSON(t, u, "--exchange", x)
		if a := ability(t, r, "setup (production side)"); a.Result != check.Yes {
			t.Errorf("setup: %+v", a)
		}
		a := ability(t, r, "shovel tap")
		if a.Result != check.No || !strings.Contains(strings.Join(a.Missing, ","), "configure permission on shoveltap-… queues and exchanges") {
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
		if a := ability(t, r, "binding tap"); a.Result != check.Yes {
			t.Errorf("a binding tap needs no tag: %+v", a)
		}
		a := ability(t, r, "shovel tap")
		if a.Result != check.No || r.Grant == nil || !slices.Contains(r.Grant.AddTags, "policymaker") ||
			!strings.Contains(strings.Join(r.Grant.Commands, "\n"), "rabbitmqctl set_user_tags "+u.User+" $t policymaker") {
			t.Errorf("shovel tap without tags: %+v, grant %+v", a, r.Grant)
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

// The block check prints for a user with read on one exchange only, pasted
// into a shell with rabbitmqctl, lets it do every ability the block is
// for, and keeps what it had: its read on the exchange and its tag.
func TestCheckBlockPasted(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	before := taptest.Grant{Tags: []string{"ops-team"}, Read: "^" + regexp.QuoteMeta(x) + "$"}
	u := taptest.User(t, admin, before)
	out, errOut, code := runCheck(t, u, "--exchange", x)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Log("\n" + out)
	if lines := strings.Count(out, "\n"); lines > 60 {
		t.Errorf("the report has %d lines", lines)
	}
	r := checkJSON(t, u, "--exchange", x)
	if r.Grant == nil {
		t.Fatalf("no grant for a user with read on one exchange: %s", r.Summary())
	}
	for _, c := range r.Grant.Commands {
		if !strings.Contains(out, "\n  "+c+"\n") {
			t.Errorf("the report does not print %q whole on its own line", c)
		}
	}
	for _, want := range []string{"shovel tap", "binding tap", "picker", "cleanup", "setup (production side)"} {
		if !slices.Contains(r.Grant.For, want) {
			t.Errorf("the block is not for %q: %v", want, r.Grant.For)
		}
	}
	if strings.Count(strings.Join(r.Grant.Commands, "\n"), "rabbitmqctl set_permissions") != 1 || strings.Count(strings.Join(r.Grant.Commands, "\n"), "rabbitmqctl set_user_tags") != 1 {
		t.Errorf("want one set_permissions and one set_user_tags: %q", r.Grant.Commands)
	}
	pasteBlock(t, admin, r.Grant.Commands)

	after := checkJSON(t, u, "--exchange", x)
	for _, name := range r.Grant.For {
		if a := ability(t, after, name); a.Result != check.Yes {
			t.Errorf("after the block, %s: %+v", name, a)
		}
	}
	if after.Grant != nil {
		t.Errorf("after the block, check still asks for %+v", after.Grant)
	}
	rh := taptest.Admin(t, admin)
	info, err := rh.GetUser(u.User)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(info.Tags, "ops-team") || !slices.Contains(info.Tags, "policymaker") {
		t.Errorf("tags after the block: %v", info.Tags)
	}
	p, err := rh.GetPermissionsIn(admin.Vhost, u.User)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing lost: every name the old patterns matched, the new match.
	for _, c := range []struct{ pattern, name string }{{p.Read, x}, {p.Read, "shoveltap-a-tap"}, {p.Configure, "shoveltap-a-tap"}, {p.Write, "shoveltap-mirror-a"}} {
		if !regexp.MustCompile(c.pattern).MatchString(c.name) {
			t.Errorf("pattern %q does not match %q", c.pattern, c.name)
		}
	}
	if !strings.HasSuffix(p.Read, "|"+before.Read) || strings.Contains(p.Configure, "|") {
		t.Errorf("patterns after the block: %+v (before: read %q, configure and write nothing)", p, before.Read)
	}
	taptest.WaitClean(t, admin, broker.Prefix, 0)
}

// pasteBlock runs check's commands as an administrator would: in a POSIX
// shell, with rabbitmqctl for admin's broker node (SHOVELTAP_TEST_RABBITMQCTL
// runs it for a node in a Debian root: scripts/rabbitmq4.sh ctl).
func pasteBlock(t *testing.T, admin broker.Endpoint, commands []string) {
	t.Helper()
	ov, err := taptest.Admin(t, admin).Overview()
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(commands, "\n")
	if ctl := os.Getenv("SHOVELTAP_TEST_RABBITMQCTL"); ctl != "" {
		script = "rabbitmqctl() { " + ctl + ` "$@"; }` + "\n" + script
	}
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "RABBITMQ_NODENAME="+ov.Node, "PATH="+os.Getenv("PATH")+":/usr/sbin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pasting the block: %v\n%s\n%s", err, script, out)
	}
}
