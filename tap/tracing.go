package tap

import (
	"context"
	"fmt"
	"net/url"
)

// vhostTracing says whether the firehose (tracing) is on for a vhost. It
// reads the vhost list, which every management user may read for the
// vhosts it can use; GET /api/vhosts/{name} needs the administrator tag.
func (a *Admin) vhostTracing(ctx context.Context, vhost string) (bool, error) {
	var vhosts []struct {
		Name    string `json:"name"`
		Tracing bool   `json:"tracing"`
	}
	if err := a.getJSON(ctx, "vhosts", url.Values{"columns": {"name,tracing"}}, &vhosts); err != nil {
		return false, a.explain(fmt.Sprintf("reading whether vhost %q traces", vhost), err)
	}
	for _, v := range vhosts {
		if v.Name == vhost {
			return v.Tracing, nil
		}
	}
	return false, fmt.Errorf("reading whether vhost %q traces: the management API lists no such vhost for user %q (does it exist, and may the user use it?)", vhost, a.ep.User)
}

// switchTracing turns the firehose of a vhost on or off, which only an
// administrator may do.
func (a *Admin) switchTracing(vhost string, on bool) error {
	info, err := a.rh.GetVhost(vhost)
	if err != nil {
		return a.explainNeed(fmt.Sprintf("reading vhost %q", vhost), need{tag: "administrator"}, err)
	}
	return a.setTracing(vhost, info, on)
}

// tracingRefusal is the error for a user who may not turn the firehose on,
// found before anything is created.
func tracingRefusal(ep Endpoint, tags []string) *Refusal {
	return &Refusal{
		Doing: fmt.Sprintf("turning on the firehose (tracing) of vhost %q", ep.Vhost), Broker: ep.Address(),
		User: ep.User, Vhost: ep.Vhost, Tag: "administrator", Has: tags,
		Else: fmt.Sprintf("or have an administrator turn tracing on for the vhost (rabbitmqctl trace_on -p %s; it costs every publish there), after which the management tag is enough", shellQuote(ep.Vhost)),
	}
}
