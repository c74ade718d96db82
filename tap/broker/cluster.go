package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Overview is the part of /api/overview shoveltap reads. Listeners and
// contexts are absent when the broker collects no management metrics
// (RabbitMQ 4 with management_metrics_collection denied).
type Overview struct {
	Version     string `json:"rabbitmq_version"`
	ClusterName string `json:"cluster_name"`
	Node        string `json:"node"`
	// DisableStats is true when the broker collects no message
	// statistics (management_metrics_collection denied).
	DisableStats bool `json:"disable_stats"`
	Listeners    []struct {
		Node     string `json:"node"`
		Protocol string `json:"protocol"`
		IP       string `json:"ip_address"`
		Port     int    `json:"port"`
	} `json:"listeners"`
	Contexts []struct {
		Node string          `json:"node"`
		Port json.RawMessage `json:"port"` // a number or a string, by version
		Path string          `json:"path"`
	} `json:"contexts"`
}

// Overview reads the broker overview.
func (a *Admin) Overview(ctx context.Context) (Overview, error) {
	var ov Overview
	if err := a.getJSON(ctx, "overview", nil, &ov); err != nil {
		return Overview{}, a.Explain(ctx, "reading the broker overview", err)
	}
	return ov, nil
}

// ClusterNameOf is the cluster name a broker announces on an AMQP
// connection (server property cluster_name).
func ClusterNameOf(conn *amqp.Connection) string {
	name, _ := conn.Properties["cluster_name"].(string)
	return name
}

// CheckSameBroker refuses a management API that belongs to another broker
// than the AMQP connection: everything the tap creates over AMQP would be
// invisible to the API that must watch and remove it. Equal cluster names
// settle it. A cluster whose name was never set reports each node's own
// name, so different names are checked once more: an exclusive queue
// declared over AMQP (it dies with the connection, so nothing can be left
// behind) must be visible through the API.
func CheckSameBroker(ctx context.Context, a *Admin, ep Endpoint, conn *amqp.Connection, ov Overview, marker, flag string) error {
	amqpName := ClusterNameOf(conn)
	if amqpName == "" || ov.ClusterName == "" || amqpName == ov.ClusterName {
		return nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return ExplainAMQP(ep, "opening a channel", err)
	}
	defer ch.Close()
	if _, err := ch.QueueDeclare(marker, false, true, true, false, amqp.Table{"x-max-length": int64(0)}); err != nil {
		return ExplainAMQP(ep, fmt.Sprintf("declaring the check queue %q", marker), err)
	}
	defer func() { _, _ = ch.QueueDelete(marker, false, false, false) }()
	var q struct {
		Name string `json:"name"`
	}
	err = a.getJSON(ctx, "queues/"+url.PathEscape(ep.Vhost)+"/"+url.PathEscape(marker), url.Values{"columns": {"name"}}, &q)
	switch {
	case err == nil:
		return nil
	case !IsNotFound(err):
		return a.Explain(ctx, "checking that --url and --api reach the same broker", err)
	}
	return fmt.Errorf("%s %s reaches cluster %q, but the management API at %s answers for cluster %q and cannot see what was declared over AMQP: they are different brokers, so nothing was created; give the management API of the same broker with %s",
		flag, ep.Address(), amqpName, ep.API, ov.ClusterName, apiFlagFor(flag))
}

func apiFlagFor(urlFlag string) string {
	if urlFlag == "--tap-url" {
		return "--tap-api"
	}
	return "--api"
}

// ClusterNodes lists the AMQP and management addresses of the cluster's
// nodes that the API knows and ep does not, so the tap can move to another
// node when its node restarts. Where the API lists listeners, their ports
// are used with the host of each node's name; otherwise (no management
// metrics) every node is assumed to listen on ep's ports.
func (a *Admin) ClusterNodes(ctx context.Context, ep Endpoint, ov Overview) (amqpURIs []amqp.URI, apis []string) {
	known := map[string]bool{}
	for _, n := range ep.Nodes() {
		known[net.JoinHostPort(n.Host, strconv.Itoa(n.Port))] = true
	}
	knownAPI := map[string]bool{}
	for _, u := range ep.APIs() {
		knownAPI[strings.TrimRight(u, "/")] = true
	}
	proto := "amqp"
	apiScheme := "http"
	if ep.AMQP.Scheme == "amqps" {
		proto, apiScheme = "amqp/ssl", "https"
	}
	addNode := func(host string, port int) {
		if host == "" || port == 0 || known[net.JoinHostPort(host, strconv.Itoa(port))] {
			return
		}
		known[net.JoinHostPort(host, strconv.Itoa(port))] = true
		u := ep.AMQP
		u.Host, u.Port = host, port
		amqpURIs = append(amqpURIs, u)
	}
	addAPI := func(host string, port int) {
		u := apiScheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
		if host == "" || port == 0 || knownAPI[u] {
			return
		}
		knownAPI[u] = true
		apis = append(apis, u)
	}
	if len(ov.Listeners) > 0 {
		for _, l := range ov.Listeners {
			if l.Protocol == proto {
				addNode(nodeHost(l.Node), l.Port)
			}
		}
		for _, c := range ov.Contexts {
			if port := flexPort(c.Port); port != 0 && (c.Path == "" || c.Path == "/") {
				addAPI(nodeHost(c.Node), port)
			}
		}
		return amqpURIs, apis
	}
	var nodes []struct {
		Name string `json:"name"`
	}
	if err := a.getJSON(ctx, "nodes", nil, &nodes); err != nil {
		return nil, nil
	}
	apiPort := 15672
	if u, err := parseHostPort(ep.API); err == nil {
		apiPort = u
	}
	for _, n := range nodes {
		addNode(nodeHost(n.Name), ep.AMQP.Port)
		addAPI(nodeHost(n.Name), apiPort)
	}
	return amqpURIs, apis
}

// nodeHost is the host part of an Erlang node name, rabbit@host.
func nodeHost(node string) string {
	_, host, ok := strings.Cut(node, "@")
	if !ok {
		return ""
	}
	return host
}

func flexPort(raw json.RawMessage) int {
	s := strings.Trim(string(raw), `"`)
	p, _ := strconv.Atoi(s)
	return p
}

func parseHostPort(rawURL string) (int, error) {
	i := strings.LastIndexByte(rawURL, ':')
	if i < 0 {
		return 0, fmt.Errorf("no port in %q", rawURL)
	}
	return strconv.Atoi(strings.TrimRight(rawURL[i+1:], "/"))
}

// WithClusterNodes returns an Admin (and its endpoint) that also knows the
// cluster's other nodes the management API lists, for failover and for the
// settings RabbitMQ keeps per node. On any error it returns a unchanged.
func (a *Admin) WithClusterNodes(ctx context.Context) (*Admin, Endpoint) {
	ov, err := a.Overview(ctx)
	if err != nil {
		return a, a.ep
	}
	more, apis := a.ClusterNodes(ctx, a.ep, ov)
	if len(more) == 0 && len(apis) == 0 {
		return a, a.ep
	}
	ep := a.ep
	ep.Alternates = append(append([]amqp.URI(nil), ep.Alternates...), more...)
	ep.AltAPIs = append(append([]string(nil), ep.AltAPIs...), apis...)
	b, err := a.withEndpoint(ep)
	if err != nil {
		return a, a.ep
	}
	return b, ep
}

// withEndpoint is a client like a for another set of addresses.
func (a *Admin) withEndpoint(ep Endpoint) (*Admin, error) {
	transport, err := newFailoverTransport(a.base, ep.APIs())
	if err != nil {
		return nil, err
	}
	if _, err := rabbithole.NewTLSClient(ep.API, ep.User, ep.Password, transport); err != nil {
		return nil, fmt.Errorf("management API address %q: %w", ep.API, err)
	}
	return &Admin{ep: ep, transport: transport, base: a.base}, nil
}

// NodeAdmins are one client per management API the endpoint knows, each
// bound to its node: some settings (vhost tracing) are kept per node.
func (a *Admin) NodeAdmins() []*Admin {
	apis := a.ep.APIs()
	if len(apis) == 1 {
		return []*Admin{a}
	}
	var out []*Admin
	for _, api := range apis {
		ep := a.ep
		ep.API, ep.AltAPIs = api, nil
		if b, err := a.withEndpoint(ep); err == nil {
			out = append(out, b)
		}
	}
	return out
}
