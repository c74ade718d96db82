package capture

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// replay needs no tag and only write on the exchange it publishes to (the
// default exchange is amq.default); docs/permissions.md's "What the broker user
// needs" says so, and this proves it exact on the broker under test.
func TestLeastPrivilegeReplay(t *testing.T) {
	admin := taptest.Vhost(t, taptest.Endpoint(t))
	x := taptest.Exchange(t, admin, "topic")
	q := taptest.Queue(t, admin, x, "#")
	path := filepath.Join(t.TempDir(), "capture.jsonl")
	rec, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteBatch([]tap.Message{{Seq: 1, Time: time.Now(), Exchange: x, RoutingKey: q, Body: []byte("again")}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	for _, target := range []struct{ name, exchange, write string }{
		{"to an exchange", x, "^" + regexp.QuoteMeta(x) + "$"},
		{"to the default exchange", "", `^amq\.default$`},
	} {
		t.Run(target.name, func(t *testing.T) {
			full := taptest.Grant{Configure: "^$", Write: target.write, Read: "^$"}
			try := func(t *testing.T, u []broker.Endpoint) error {
				res, err := replayFile(t, path, ReplayConfig{Endpoint: u[0], Exchange: target.exchange})
				if err == nil && res.Confirmed != 1 {
					err = fmt.Errorf("replay did %s", res)
				}
				return err
			}
			name := target.exchange
			if name == "" {
				name = "amq.default"
			}
			taptest.CheckLeastPrivilege(t, []taptest.Party{{Admin: admin, Full: full}}, try, []taptest.Less{
				taptest.Without("no write", 0, func(g *taptest.Grant) { g.Write = "^$" }, `lacks write permission on exchange "`+name+`"`),
				taptest.Without("no permissions on the vhost", 0, func(g *taptest.Grant) { g.NoAccess = true }, `has no permissions on vhost "`+admin.Vhost+`"`),
			})
		})
	}
}
