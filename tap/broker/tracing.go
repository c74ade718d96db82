package broker

import (
	"context"
	"fmt"
	"net/url"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// VhostTracing says whether the firehose (tracing) is on for a vhost. It
// reads the vhost list, which every management user may read for the
// vhosts it can use; GET /api/vhosts/{name} needs the administrator tag.
func (a *Admin) VhostTracing(ctx context.Context, vhost string) (bool, error) {
	var vhosts []struct {
		Name    string `json:"name"`
		Tracing bool   `json:"tracing"`
	}
	if err := a.getJSON(ctx, "vhosts", url.Values{"columns": {"name,tracing"}}, &vhosts); err != nil {
		return false, a.Explain(ctx, fmt.Sprintf("reading whether vhost %q traces", vhost), err)
	}
	for _, v := range vhosts {
		if v.Name == vhost {
			return v.Tracing, nil
		}
	}
	return false, fmt.Errorf("reading whether vhost %q traces: the management API lists no such vhost for user %q (does it exist, and may the user use it?)", vhost, a.ep.User)
}

// SwitchTracing turns the firehose of a vhost on or off, which only an
// administrator may do.
func (a *Admin) SwitchTracing(ctx context.Context, vhost string, on bool) error {
	info, err := a.client(ctx).GetVhost(vhost)
	if err != nil {
		return a.explainNeed(ctx, fmt.Sprintf("reading vhost %q", vhost), need{tag: "administrator"}, err)
	}
	return a.setTracing(ctx, vhost, info, on)
}

// setTracing switches the vhost's tracing flag, keeping its description and
// tags (the PUT replaces the vhost's settings).
func (a *Admin) setTracing(ctx context.Context, vhost string, info *rabbithole.VhostInfo, on bool) error {
	settings := rabbithole.VhostSettings{Description: info.Description, Tags: info.Tags, Tracing: on}
	if _, err := a.client(ctx).PutVhost(vhost, settings); err != nil {
		return a.explainNeed(ctx, fmt.Sprintf("switching tracing for vhost %q", vhost), need{tag: "administrator"}, err)
	}
	return nil
}
