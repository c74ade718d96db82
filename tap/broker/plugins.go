package broker

import (
	"context"
	"net/url"
	"sort"
	"strings"
)

// ProbeShovelPlugin declares a shovel the broker must refuse as invalid
// (it has no URIs): its answer says whether the shovel plugin is there and
// the user may declare shovels, and nothing is stored. Should a broker
// ever accept it, it is deleted at once.
func (a *Admin) ProbeShovelPlugin(ctx context.Context, name string) string {
	_, err := a.client(ctx).PutRuntimeParameter("shovel", a.ep.Vhost, name, map[string]any{})
	switch {
	case err == nil:
		_, _ = a.client(ctx).DeleteShovel(a.ep.Vhost, name)
		return Yes
	case strings.Contains(err.Error(), "component shovel not found"):
		return No
	case strings.Contains(err.Error(), "Validation failed"):
		return Yes
	}
	return Unknown
}

// pluginByExtension and pluginByExchangeType tell enabled plugins from what
// every management user may read.
var (
	pluginByExtension = map[string]string{
		"shovel.js": "rabbitmq_shovel_management", "federation.js": "rabbitmq_federation_management",
		"top.js": "rabbitmq_top", "tracing.js": "rabbitmq_tracing",
	}
	pluginByExchangeType = map[string]string{
		"x-consistent-hash": "rabbitmq_consistent_hash_exchange", "x-delayed-message": "rabbitmq_delayed_message_exchange",
		"x-random": "rabbitmq_random_exchange", "x-recent-history": "rabbitmq_recent_history_exchange",
		"x-modulus-hash": "rabbitmq_sharding", "x-jms-topic": "rabbitmq_jms_topic_exchange",
	}
)

// plugins lists the enabled plugins: every one from /api/nodes when the
// user may read it (monitoring) and it lists them, otherwise what the
// management API shows any user.
func (a *Admin) Plugins(ctx context.Context, tags []string, node, shovel string) ([]Plugin, bool) {
	if HasTag(tags, "monitoring") {
		var nodes []struct {
			Name         string `json:"name"`
			Applications []struct {
				Name string `json:"name"`
			} `json:"applications"`
		}
		if err := a.getJSON(ctx, "nodes", url.Values{"columns": {"name,applications"}}, &nodes); err == nil {
			for _, n := range nodes {
				if n.Name != node || len(n.Applications) == 0 {
					continue
				}
				var out []Plugin
				for _, app := range n.Applications {
					if strings.HasPrefix(app.Name, "rabbitmq_") && app.Name != "rabbitmq_prelaunch" {
						out = append(out, Plugin{Name: app.Name, Enabled: Yes})
					}
				}
				return withPlugin(withPlugin(out, "rabbitmq_shovel", No), "rabbitmq_shovel_management", No), true
			}
		}
	}
	out := []Plugin{{Name: "rabbitmq_management", Enabled: Yes}}
	var extensions []map[string]string
	if err := a.getJSON(ctx, "extensions", nil, &extensions); err == nil {
		shovelMgmt := No
		for _, e := range extensions {
			if p, ok := pluginByExtension[e["javascript"]]; ok {
				out = withPlugin(out, p, Yes)
				if p == "rabbitmq_shovel_management" {
					shovelMgmt = Yes
				}
			}
		}
		out = withPlugin(out, "rabbitmq_shovel_management", shovelMgmt)
		if shovelMgmt == Yes && shovel == Unknown {
			shovel = Yes // it depends on rabbitmq_shovel
		}
	}
	var ov struct {
		ExchangeTypes []struct {
			Name string `json:"name"`
		} `json:"exchange_types"`
	}
	if err := a.getJSON(ctx, "overview", nil, &ov); err == nil {
		for _, x := range ov.ExchangeTypes {
			if p, ok := pluginByExchangeType[x.Name]; ok {
				out = withPlugin(out, p, Yes)
			}
		}
	}
	out = withPlugin(out, "rabbitmq_shovel", shovel)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, false
}

// withPlugin adds a plugin's state unless the list has it already.
func withPlugin(ps []Plugin, name, enabled string) []Plugin {
	for _, p := range ps {
		if p.Name == name {
			return ps
		}
	}
	return append(ps, Plugin{Name: name, Enabled: enabled})
}

// Plugin is one plugin and whether it is enabled: yes, no or unknown.
type Plugin struct {
	Name    string `json:"name"`
	Enabled string `json:"enabled"`
}

// What a check found out about one thing: yes, no, or it cannot tell.
const (
	Yes     = "yes"
	No      = "no"
	Unknown = "unknown"
)
