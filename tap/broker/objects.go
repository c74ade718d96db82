package broker

import (
	"context"
	"fmt"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// Binding is a binding as the management API describes it.
type Binding = rabbithole.BindingInfo

// ExchangeInfo is an exchange as the management API lists it.
type ExchangeInfo = rabbithole.ExchangeInfo

// Exchange is what the management API says of one exchange.
type Exchange struct {
	Type string
	Args map[string]any
}

// Exchange returns an exchange, or nil when it does not exist.
func (a *Admin) Exchange(ctx context.Context, vhost, name string) (*Exchange, error) {
	x, err := a.client(ctx).GetExchange(vhost, name)
	switch {
	case IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, a.Explain(ctx, fmt.Sprintf("looking up exchange %q", name), err)
	}
	return &Exchange{Type: x.Type, Args: x.Arguments}, nil
}

// Exchanges lists a vhost's exchanges.
func (a *Admin) Exchanges(ctx context.Context, vhost string) ([]ExchangeInfo, error) {
	xs, err := a.client(ctx).ListExchangesIn(vhost)
	if err != nil {
		return nil, a.Explain(ctx, "listing exchanges", err)
	}
	return xs, nil
}

// BindingsFrom lists the bindings whose source is exchange x.
func (a *Admin) BindingsFrom(ctx context.Context, vhost, x string) ([]Binding, error) {
	bs, err := a.client(ctx).ListExchangeBindingsWithSource(vhost, x)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of exchange %q", x), err)
	}
	return bs, nil
}

// DeclareExchange declares a durable exchange.
func (a *Admin) DeclareExchange(ctx context.Context, vhost, name, kind string, args map[string]any) error {
	_, err := a.client(ctx).DeclareExchange(vhost, name, rabbithole.ExchangeSettings{Type: kind, Durable: true, Arguments: args})
	if err != nil {
		return a.explainNeed(ctx, fmt.Sprintf("declaring exchange %q", name), need{perm: "configure", kind: "exchange", name: name}, err)
	}
	return nil
}

// DeclareQueue declares a durable queue.
func (a *Admin) DeclareQueue(ctx context.Context, vhost, name string, args map[string]any) error {
	_, err := a.client(ctx).DeclareQueue(vhost, name, rabbithole.QueueSettings{Durable: true, Arguments: args})
	if err != nil {
		return a.explainNeed(ctx, fmt.Sprintf("declaring queue %q", name), need{perm: "configure", kind: "queue", name: name}, err)
	}
	return nil
}

// Bind declares a binding. A refusal comes back unexplained (IsRefused
// says so): the API refuses a binding with "Access refused." alone, and
// only the caller knows how to find out which permission is missing.
func (a *Admin) Bind(ctx context.Context, vhost string, b Binding) error {
	if _, err := a.client(ctx).DeclareBinding(vhost, b); err != nil {
		if IsRefused(err) {
			return err
		}
		return a.Explain(ctx, fmt.Sprintf("binding %s to %q with key %q", b.Destination, b.Source, b.RoutingKey), err)
	}
	return nil
}

// Unbind deletes a binding; a missing one is not an error. A refusal comes
// back unexplained, as with Bind.
func (a *Admin) Unbind(ctx context.Context, vhost string, b Binding) error {
	_, err := a.client(ctx).DeleteBinding(vhost, b)
	switch {
	case err == nil, IsNotFound(err):
		return nil
	case IsRefused(err):
		return err
	}
	return a.Explain(ctx, fmt.Sprintf("unbinding %s from %q (key %q)", b.Destination, b.Source, b.RoutingKey), err)
}

// Shovel returns a stored shovel definition, or nil when there is none.
func (a *Admin) Shovel(ctx context.Context, vhost, name string) (map[string]any, error) {
	p, err := a.client(ctx).GetRuntimeParameter("shovel", vhost, name)
	switch {
	case IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, a.explainNeed(ctx, fmt.Sprintf("reading shovel %q", name), need{tag: "policymaker"}, err)
	}
	def, ok := p.Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("reading shovel %q: unexpected definition %T", name, p.Value)
	}
	return def, nil
}
