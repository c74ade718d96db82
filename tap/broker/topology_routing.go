package broker

import (
	"context"
	"fmt"
	"net/url"
)

// RoutingExchange is what routing needs to know of an exchange.
type RoutingExchange struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Internal  bool           `json:"internal"`
	Arguments map[string]any `json:"arguments"`
	Policy    string         `json:"policy"`
}

// RoutingQueue is what routing needs to know of a queue: its arguments and
// the policy that applies to it, with that policy's definition
// (effective_policy_definition) when the policies cannot be listed.
type RoutingQueue struct {
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Arguments        map[string]any `json:"arguments"`
	Policy           string         `json:"policy"`
	PolicyDefinition map[string]any `json:"effective_policy_definition"`
}

// RoutingBinding is one binding of a vhost.
type RoutingBinding struct {
	Source          string         `json:"source"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
}

// RoutingPolicy is a user policy of a vhost.
type RoutingPolicy struct {
	Name       string         `json:"name"`
	Definition map[string]any `json:"definition"`
}

// RoutingTopology is a vhost's exchanges, queues, bindings and policies,
// as four listings of the management API. Policies is nil when the user
// may not list them (RabbitMQ 3.10 lets any management user list them;
// this is for brokers and plugins that refuse): then what a policy adds to
// an exchange is unknown, and the caller should say so.
type RoutingTopology struct {
	Exchanges []RoutingExchange
	Queues    []RoutingQueue
	Bindings  []RoutingBinding
	Policies  []RoutingPolicy
	// PoliciesErr says why Policies is nil.
	PoliciesErr error
	// Version is the broker's RabbitMQ version ("" when the overview
	// could not be read): headers exchanges compare numbers differently
	// from RabbitMQ 4 on.
	Version string
}

// Only the columns routing reads are asked for: on a vhost with thousands
// of queues the full queue listing carries every statistic, and the full
// binding listing repeats the vhost and a properties key per binding.
// effective_policy_definition costs the API about as much as the rest of
// the queue listing (measured on 1,000 queues), so it is asked for only
// when the policies themselves cannot be read.
const (
	routingExchangeColumns = "name,type,internal,arguments,policy"
	routingQueueColumns    = "name,type,arguments,policy"
	routingBindingColumns  = "source,destination,destination_type,routing_key,arguments"
)

// RoutingTopology lists what routing needs of vhost: four GET requests,
// each bounded by the request timeout and ctx.
func (a *Admin) RoutingTopology(ctx context.Context, vhost string) (*RoutingTopology, error) {
	return a.routingTopology(ctx, vhost, true)
}

func (a *Admin) routingTopology(ctx context.Context, vhost string, bindings bool) (*RoutingTopology, error) {
	v := url.PathEscape(vhost)
	var t RoutingTopology
	if err := a.getJSON(ctx, "exchanges/"+v, url.Values{"columns": {routingExchangeColumns}}, &t.Exchanges); err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the exchanges of vhost %q", vhost), err)
	}
	var ov struct {
		Version string `json:"rabbitmq_version"`
	}
	if err := a.getJSON(ctx, "overview", url.Values{"columns": {"rabbitmq_version"}}, &ov); err == nil {
		t.Version = ov.Version
	}
	queueColumns := routingQueueColumns
	if err := a.getJSON(ctx, "policies/"+v, nil, &t.Policies); err != nil {
		if !IsRefused(err) {
			return nil, a.Explain(ctx, fmt.Sprintf("listing the policies of vhost %q", vhost), err)
		}
		t.Policies = nil
		t.PoliciesErr = fmt.Errorf("listing the policies of vhost %q: refused: %w", vhost, err)
		// A queue's applied policy is still readable from the queue.
		queueColumns += ",effective_policy_definition"
	}
	if err := a.getJSON(ctx, "queues/"+v, url.Values{"columns": {queueColumns}}, &t.Queues); err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the queues of vhost %q", vhost), err)
	}
	if !bindings {
		return &t, nil
	}
	if err := a.getJSONAs(ctx, "bindings/"+v, url.Values{"columns": {routingBindingColumns}}, &t.Bindings, true); err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of vhost %q", vhost), err)
	}
	typeBindingNumbers(t.Bindings)
	return &t, nil
}

// RoutingBindingsFrom lists the bindings whose source is exchange x, with
// only the columns routing reads: one request, for a model that follows
// only the exchanges a tap can reach.
func (a *Admin) RoutingBindingsFrom(ctx context.Context, vhost, x string) ([]RoutingBinding, error) {
	var bs []RoutingBinding
	path := "exchanges/" + url.PathEscape(vhost) + "/" + url.PathEscape(x) + "/bindings/source"
	if err := a.getJSONAs(ctx, path, url.Values{"columns": {routingBindingColumns}}, &bs, true); err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of exchange %q", x), err)
	}
	typeBindingNumbers(bs)
	return bs, nil
}

// typeBindingNumbers keeps a binding argument's integer an integer and its
// float a float (typeNumbers).
func typeBindingNumbers(bs []RoutingBinding) {
	for i := range bs {
		typeNumbers(bs[i].Arguments)
	}
}

// RoutingObjects lists a vhost's exchanges, policies and queues as
// RoutingTopology does, without the bindings.
func (a *Admin) RoutingObjects(ctx context.Context, vhost string) (*RoutingTopology, error) {
	return a.routingTopology(ctx, vhost, false)
}
