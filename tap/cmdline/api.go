package cmdline

import (
	"context"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// API resolves the broker the flags name and opens its management API,
// for the commands that work through the API alone (route, topology,
// cleanup). What fails is printed after name; the status is 0 when both
// worked, 2 when the flags do not name a usable broker, and 1 when its API
// cannot be used (an x509-only login).
func (c *Conn) API(ctx context.Context, con Console, name string) (*broker.Admin, broker.Endpoint, int) {
	ep, err := c.Endpoint(ctx, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, name+":", err)
		return nil, ep, 2
	}
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		fmt.Fprintln(con.Stderr, name+":", err)
		return nil, ep, 1
	}
	return admin, ep, 0
}
