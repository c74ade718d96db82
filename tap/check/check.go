// Package check is `shoveltap check`: what a broker user may do with
// shoveltap on a vhost, tried without leaving anything behind, and the one
// block of rabbitmqctl commands that lets it do the rest.
package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// CheckConfig says where `shoveltap check` looks, and at what.
type CheckConfig struct {
	Endpoint broker.Endpoint
	// Exchanges are exchanges to tap or mirror: read on them is tried.
	Exchanges []string
	// Queues are queues to tap: read on the exchanges they are bound to
	// is tried.
	Queues []string
	Host   string // for the probe objects' names; the host name when empty
}

// Report says what a user may do on a broker's vhost, and for each thing
// it may not, the command that lets it.
type Report struct {
	Broker  string `json:"broker"` // host:port
	Vhost   string `json:"vhost"`
	User    string `json:"user"`
	Version string `json:"version"`
	Cluster string `json:"cluster,omitempty"`
	API     string `json:"api"`
	// APIProblem says why the management API could not be used.
	APIProblem string   `json:"api_problem,omitempty"`
	Tags       []string `json:"tags"`
	// Plugins are the enabled plugins, all of them when the user may list
	// them (monitoring), otherwise what the user can tell.
	Plugins         []broker.Plugin `json:"plugins"`
	PluginsComplete bool            `json:"plugins_complete"`
	// Tracing is the vhost's firehose, when known.
	Tracing     *bool        `json:"tracing,omitempty"`
	Permissions []Permission `json:"permissions"`
	Abilities   []Ability    `json:"abilities"`
	// Grant is the one block of commands that lets the user do every
	// ability it lacks (but the firehose's trace_on), nil when none.
	Grant *Grant   `json:"grant,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Permission is one permission tried with objects that die with the
// check's connection.
type Permission struct {
	Perm   string `json:"permission"` // configure, write, read
	On     string `json:"on"`         // what it was tried on
	Result string `json:"result"`     // yes, no, unknown
	Detail string `json:"detail,omitempty"`
	match  broker.Match
}

// Ability is one thing shoveltap does and whether this user can do it
// here: what is missing, and the commands an administrator runs for it.
type Ability struct {
	Name    string   `json:"name"`
	Usage   string   `json:"usage"`
	Result  string   `json:"result"` // yes, no, unknown
	Missing []string `json:"missing,omitempty"`
	Untried []string `json:"untried,omitempty"`
	// Instead is another command that does the job without granting
	// anything (the firehose: an administrator turns tracing on).
	Instead string `json:"instead,omitempty"`
	Note    string `json:"note,omitempty"`

	needs                              broker.Needs
	tagsShort, permsShort, pluginShort bool
}

// Check finds out what the endpoint's user may do on its vhost without
// creating anything that outlives the check: AMQP probes on exclusive,
// empty-bounded queues, and the management API's read-only answers (plus
// one shovel declaration the broker must refuse as invalid).
func Check(ctx context.Context, cfg CheckConfig) (*Report, error) {
	ep := cfg.Endpoint
	names, err := tap.NewNames(cfg.Host)
	if err != nil {
		return nil, err
	}
	conn, node, err := broker.DialNodes(ctx, ep, names.Base+"-check", 0)
	if err != nil {
		return nil, broker.WithNeeds(err, broker.TapNeeds(false))
	}
	defer conn.Close()
	ep = ep.OnNode(node)
	r := &Report{Broker: ep.Address(), Vhost: ep.Vhost, User: ep.User, API: strings.Join(ep.APIs(), ", ")}
	r.Version, _ = conn.Properties["version"].(string)
	r.Cluster = broker.ClusterNameOf(conn)

	api := apiFacts{shovelPlugin: Unknown}
	if admin, err := broker.NewAdmin(cfg.Endpoint); err != nil {
		api.problem = err.Error()
	} else if note, err := sameBroker(ctx, admin, ep, conn, names); err != nil {
		api.problem = err.Error()
	} else {
		api = readAPIFacts(ctx, admin, names, cfg.Queues)
		if note != "" {
			api.notes = append(api.notes, note)
		}
	}
	r.APIProblem, r.Tags, r.Tracing = api.problem, api.tags, api.tracing
	if api.version != "" {
		r.Version = api.version
	}
	r.Plugins, r.PluginsComplete = api.plugins, api.pluginsComplete
	r.Notes = append(r.Notes, api.notes...)

	exchanges := append(slices.Clone(cfg.Exchanges), api.queueExchanges...)
	r.Permissions = probePermissions(newProber(conn, ep, names), exchanges)
	r.Abilities = abilities(r, api, cfg.Exchanges, api.queueExchanges)
	r.Grant = r.grant()
	return r, ctx.Err()
}

// sameBroker makes sure the management API answers for the broker of the
// AMQP connection, so the report never mixes two brokers. An API that
// does not answer passes: readAPIFacts says why. So does a user who may
// not declare the marker queue the comparison may need (note says so).
func sameBroker(ctx context.Context, a *broker.Admin, ep broker.Endpoint, conn *amqp.Connection, names tap.Names) (note string, err error) {
	ov, err := a.Overview(ctx)
	if err != nil {
		return "", nil
	}
	err = broker.CheckSameBroker(ctx, a, ep, conn, ov, names.Base+"-check", "--url")
	var r *broker.Refusal
	if errors.As(err, &r) {
		return "could not make sure that the management API is this broker's (it needs configure on shoveltap- names)", nil
	}
	return "", err
}

// apiFacts is what the management API tells about the user and broker.
type apiFacts struct {
	problem         string
	usable          bool
	tags            []string
	version         string
	plugins         []broker.Plugin
	pluginsComplete bool
	shovelPlugin    string // yes, no, unknown
	tracing         *bool
	queueExchanges  []string
	notes           []string
}

func readAPIFacts(ctx context.Context, a *broker.Admin, names tap.Names, queues []string) apiFacts {
	f := apiFacts{shovelPlugin: Unknown}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tags, err := a.UserTags(ctx)
	var ref *broker.Refusal
	switch {
	case errors.As(err, &ref) && ref.Tag == "management":
		f.problem = "the user lacks the management tag, so it has none of the tags that use the management API (management, policymaker, monitoring, administrator)"
		f.tags = []string{}
		return f
	case err != nil:
		f.problem = err.Error()
		return f
	}
	f.usable, f.tags = true, tags
	ov, err := a.Overview(ctx)
	if err == nil {
		f.version = ov.Version
	}
	if on, err := a.VhostTracing(ctx, a.Endpoint().Vhost); err == nil {
		f.tracing = &on
	}
	if broker.HasTag(tags, "policymaker") {
		f.shovelPlugin = a.ProbeShovelPlugin(ctx, names.Shovel(0))
	}
	f.plugins, f.pluginsComplete = a.Plugins(ctx, tags, ov.Node, f.shovelPlugin)
	for _, p := range f.plugins {
		if p.Name == "rabbitmq_shovel" {
			f.shovelPlugin = p.Enabled
		}
	}
	for _, q := range queues {
		bs, err := a.QueueBindings(ctx, a.Endpoint().Vhost, q)
		if err != nil {
			f.notes = append(f.notes, fmt.Sprintf("queue %q: %v", q, err))
			continue
		}
		for _, b := range bs {
			if b.Exchange != "" && !slices.Contains(f.queueExchanges, b.Exchange) {
				f.queueExchanges = append(f.queueExchanges, b.Exchange)
			}
		}
	}
	return f
}
