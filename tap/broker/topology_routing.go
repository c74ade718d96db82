package broker

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
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
// as the management API lists them; Bindings leaves out those from the
// default exchange and shoveltap's own exchanges. Policies is nil when the user
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

// Only the columns routing reads are asked for, and disable_stats=true
// wherever the statistics are not read: the queue listing otherwise joins
// every queue's statistics before it drops the columns not asked for (on
// 10,000 queues, RabbitMQ 3.10: 1.6–6 s of the broker's CPU with them,
// 0.2–0.4 s without). A queue's policy name is in the listing without
// statistics on 3.10 to 4.x; its effective_policy_definition is not
// before 4.3, so it is asked for, with statistics, only when the policies
// themselves cannot be read. sort= (empty) leaves a listing in the
// broker's order instead of sorting it on six columns; bindings are sorted
// here.
const (
	routingExchangeColumns = "name,type,internal,arguments,policy"
	routingQueueColumns    = "name,type,arguments,policy"
	routingBindingColumns  = "source,destination,destination_type,routing_key,arguments"
)

// BindingsPerExchangeLimit is how many exchanges RoutingTopology lists the
// bindings of one request each (several at a time) before it lists all
// bindings of the vhost in one request instead. The per-exchange listings
// leave out the default exchange's implicit binding of every queue, which
// the vhost's listing builds, sorts and sends: on 10,000 queues and 20,000
// bindings over ten exchanges they cost the broker a third of the CPU of
// the one listing (docs/routing.md). Each request has a fixed cost too, so
// past this many exchanges one listing is cheaper.
const BindingsPerExchangeLimit = 50

// bindingListingsInFlight bounds the per-exchange binding requests one
// RoutingTopology has in flight (beside its queue, policy and overview
// requests): enough to use a few of the broker's schedulers, few enough
// not to crowd out other clients of the API.
const bindingListingsInFlight = 4

// RoutingTopology lists what routing needs of vhost: its exchanges,
// policies, queues and bindings, the four listings at once (the bindings
// once the exchanges are known), each request bounded by the request
// timeout and ctx. The first that fails ends the others.
func (a *Admin) RoutingTopology(ctx context.Context, vhost string) (*RoutingTopology, error) {
	return a.routingTopology(ctx, vhost, true)
}

// RoutingObjects lists a vhost's exchanges, policies and queues as
// RoutingTopology does, without the bindings.
func (a *Admin) RoutingObjects(ctx context.Context, vhost string) (*RoutingTopology, error) {
	return a.routingTopology(ctx, vhost, false)
}

func (a *Admin) routingTopology(ctx context.Context, vhost string, bindings bool) (*RoutingTopology, error) {
	v := url.PathEscape(vhost)
	var t RoutingTopology
	var policiesErr error
	g := newListings(ctx, 4)
	g.run(func(ctx context.Context) error {
		if err := a.getJSON(ctx, "exchanges/"+v, url.Values{"columns": {routingExchangeColumns}, "disable_stats": {"true"}, "sort": {""}}, &t.Exchanges); err != nil {
			return a.Explain(ctx, fmt.Sprintf("listing the exchanges of vhost %q", vhost), err)
		}
		if !bindings {
			return nil
		}
		bs, err := a.routingBindings(ctx, vhost, t.Exchanges)
		t.Bindings = bs
		return err
	})
	g.run(func(ctx context.Context) error {
		var ov struct {
			Version string `json:"rabbitmq_version"`
		}
		// The version only changes how headers arguments compare: without
		// it the model still loads.
		if err := a.getJSON(ctx, "overview", url.Values{"columns": {"rabbitmq_version"}}, &ov); err == nil {
			t.Version = ov.Version
		}
		return nil
	})
	g.run(func(ctx context.Context) error {
		if err := a.getJSON(ctx, "policies/"+v, nil, &t.Policies); err != nil {
			if !IsRefused(err) {
				return a.Explain(ctx, fmt.Sprintf("listing the policies of vhost %q", vhost), err)
			}
			t.Policies = nil
			policiesErr = err
		}
		return nil
	})
	g.run(func(ctx context.Context) error {
		if err := a.getJSON(ctx, "queues/"+v, url.Values{"columns": {routingQueueColumns}, "disable_stats": {"true"}, "sort": {""}}, &t.Queues); err != nil {
			return a.Explain(ctx, fmt.Sprintf("listing the queues of vhost %q", vhost), err)
		}
		return nil
	})
	if err := g.wait(); err != nil {
		return nil, err
	}
	if policiesErr != nil {
		t.PoliciesErr = fmt.Errorf("listing the policies of vhost %q: refused: %w", vhost, policiesErr)
		// A queue's applied policy is still readable from the queue, in
		// the listing with statistics.
		t.Queues = nil
		if err := a.getJSON(ctx, "queues/"+v, url.Values{"columns": {routingQueueColumns + ",effective_policy_definition"}, "sort": {""}}, &t.Queues); err != nil {
			return nil, a.Explain(ctx, fmt.Sprintf("listing the queues of vhost %q", vhost), err)
		}
	}
	return &t, nil
}

// routingBindings lists the bindings of a vhost whose exchanges are xs,
// but those of the default exchange and shoveltap's own (listedSource):
// each exchange's, several at a time, or past BindingsPerExchangeLimit
// exchanges all of the vhost's in one request.
// The result is sorted (source, destination, routing key, arguments), so
// a model is the same whichever way it was read.
func (a *Admin) routingBindings(ctx context.Context, vhost string, xs []RoutingExchange) ([]RoutingBinding, error) {
	var names []string
	for _, x := range xs {
		if listedSource(x.Name) {
			names = append(names, x.Name)
		}
	}
	var bs []RoutingBinding
	if len(names) > BindingsPerExchangeLimit {
		if err := a.getJSONAs(ctx, "bindings/"+url.PathEscape(vhost), url.Values{"columns": {routingBindingColumns}, "sort": {""}}, &bs, true); err != nil {
			return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of vhost %q", vhost), err)
		}
		typeBindingNumbers(bs)
		bs = slices.DeleteFunc(bs, func(b RoutingBinding) bool { return !listedSource(b.Source) })
	} else {
		per := make([][]RoutingBinding, len(names))
		g := newListings(ctx, bindingListingsInFlight)
		for i, x := range names {
			g.run(func(ctx context.Context) error {
				b, err := a.bindingsFrom(ctx, vhost, x)
				switch {
				case IsNotFound(err):
					// Deleted since the exchanges were listed.
				case err != nil:
					return a.Explain(ctx, fmt.Sprintf("listing the bindings of exchange %q", x), err)
				}
				per[i] = b
				return nil
			})
		}
		if err := g.wait(); err != nil {
			return nil, err
		}
		for _, b := range per {
			bs = append(bs, b...)
		}
	}
	slices.SortFunc(bs, compareBindings)
	return bs, nil
}

// listedSource reports whether the bindings from exchange x are read: not
// those of the default exchange (the evaluator routes "" by queue name) nor
// of shoveltap's own exchanges, which the model leaves out.
func listedSource(x string) bool { return x != "" && !strings.HasPrefix(x, Prefix) }

func compareBindings(x, y RoutingBinding) int {
	if c := cmp.Or(strings.Compare(x.Source, y.Source), strings.Compare(x.Destination, y.Destination),
		strings.Compare(x.DestinationType, y.DestinationType), strings.Compare(x.RoutingKey, y.RoutingKey)); c != 0 {
		return c
	}
	// Only bindings that differ by their arguments get here.
	return strings.Compare(fmt.Sprint(x.Arguments), fmt.Sprint(y.Arguments))
}

// RoutingBindingsFrom lists the bindings whose source is exchange x, with
// only the columns routing reads: one request, for a model that follows
// only the exchanges a tap can reach.
func (a *Admin) RoutingBindingsFrom(ctx context.Context, vhost, x string) ([]RoutingBinding, error) {
	bs, err := a.bindingsFrom(ctx, vhost, x)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of exchange %q", x), err)
	}
	return bs, nil
}

func (a *Admin) bindingsFrom(ctx context.Context, vhost, x string) ([]RoutingBinding, error) {
	var bs []RoutingBinding
	path := "exchanges/" + url.PathEscape(vhost) + "/" + url.PathEscape(x) + "/bindings/source"
	if err := a.getJSONAs(ctx, path, url.Values{"columns": {routingBindingColumns}, "sort": {""}}, &bs, true); err != nil {
		return nil, err
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

// listings runs a load's management API requests, at most a given number
// at a time; the first error cancels the rest.
type listings struct {
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newListings(ctx context.Context, inFlight int) *listings {
	ctx, cancel := context.WithCancel(ctx)
	return &listings{ctx: ctx, cancel: cancel, slots: make(chan struct{}, inFlight)}
}

func (l *listings) run(f func(context.Context) error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		select {
		case l.slots <- struct{}{}:
		case <-l.ctx.Done():
			l.fail(l.ctx.Err())
			return
		}
		defer func() { <-l.slots }()
		if err := f(l.ctx); err != nil {
			l.fail(err)
		}
	}()
}

func (l *listings) fail(err error) {
	l.once.Do(func() {
		l.err = err
		l.cancel()
	})
}

// wait returns the first error, after every request has ended.
func (l *listings) wait() error {
	l.wg.Wait()
	l.cancel()
	return l.err
}
