package setup

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// side is one broker (production or mirror) as setup sees it: a
// management API client, the endpoint it talks to, and its role for
// messages. Every call goes through tap/broker, which explains failures;
// side only names the role.
type side struct {
	role  string // "production" or "mirror", for messages
	ep    broker.Endpoint
	admin *broker.Admin
}

func newSide(role string, ep broker.Endpoint) (*side, error) {
	a, err := broker.NewAdmin(ep)
	if err != nil {
		return nil, fmt.Errorf("%s broker: %w", role, err)
	}
	return &side{role: role, ep: ep, admin: a}, nil
}

// exchange returns an exchange, or nil when it does not exist.
func (b *side) exchange(ctx context.Context, name string) (*broker.Exchange, error) {
	x, err := b.admin.Exchange(ctx, b.ep.Vhost, name)
	return x, b.wrap(err)
}

// queue is what setup needs to know about an existing queue.
type queue struct {
	Durable        bool
	Args           map[string]any
	Messages       int
	Consumers      int
	PublishRate    float64
	DeliverRate    float64
	Published, Ack int64
	Members        []string // nodes holding a replicated queue, where listed
}

// queue returns a queue, or nil when it does not exist.
func (b *side) queue(ctx context.Context, name string) (*queue, error) {
	q, err := b.admin.Queue(ctx, b.ep.Vhost, name)
	if err != nil {
		if broker.IsNotFound(err) {
			return nil, nil
		}
		return nil, b.wrap(b.admin.Explain(ctx, fmt.Sprintf("looking up queue %q", name), err))
	}
	return &queue{
		Durable: q.Durable, Args: q.Arguments, Messages: q.Messages, Consumers: q.Consumers,
		Published: q.MessageStats.Publish, Ack: q.MessageStats.Ack,
		PublishRate: q.MessageStats.PublishDetails.Rate, DeliverRate: q.MessageStats.DeliverGetDetails.Rate,
		Members: q.Members,
	}, nil
}

// queues lists the vhost's queues.
func (b *side) queues(ctx context.Context) ([]broker.QueueStats, error) {
	qs, err := b.admin.Queues(ctx, b.ep.Vhost)
	if err != nil {
		return nil, b.wrap(b.admin.Explain(ctx, "listing queues", err))
	}
	return qs, nil
}

// exchanges lists the vhost's exchanges.
func (b *side) exchanges(ctx context.Context) ([]broker.ExchangeInfo, error) {
	xs, err := b.admin.Exchanges(ctx, b.ep.Vhost)
	return xs, b.wrap(err)
}

// bindingsFrom lists the bindings whose source is exchange x.
func (b *side) bindingsFrom(ctx context.Context, x string) ([]broker.Binding, error) {
	bs, err := b.admin.BindingsFrom(ctx, b.ep.Vhost, x)
	return bs, b.wrap(err)
}

// shovel returns a stored shovel definition, or nil when there is none.
func (b *side) shovel(ctx context.Context, name string) (map[string]any, error) {
	def, err := b.admin.Shovel(ctx, b.ep.Vhost, name)
	return def, b.wrap(err)
}

func (b *side) declareExchange(ctx context.Context, name, kind string, args map[string]any) error {
	return b.wrap(b.admin.DeclareExchange(ctx, b.ep.Vhost, name, kind, args))
}

func (b *side) declareQueue(ctx context.Context, name string, args map[string]any) error {
	return b.wrap(b.admin.DeclareQueue(ctx, b.ep.Vhost, name, args))
}

func (b *side) bind(ctx context.Context, bi broker.Binding) error {
	return b.explainBinding(ctx, bi, false, b.admin.Bind(ctx, b.ep.Vhost, bi))
}

func (b *side) unbind(ctx context.Context, bi broker.Binding) error {
	return b.explainBinding(ctx, bi, true, b.admin.Unbind(ctx, b.ep.Vhost, bi))
}

// explainBinding explains a refused binding. The management API refuses
// one with "Access refused." alone, which does not say whether write on
// the destination or read on the source is missing; the same binding over
// AMQP is refused naming the object, so it is tried that way (and when
// that works, the binding is made after all).
func (b *side) explainBinding(ctx context.Context, bi broker.Binding, unbind bool, err error) error {
	if !broker.IsRefused(err) {
		return b.wrap(err)
	}
	spec := broker.BindingSpec{Source: bi.Source, Destination: bi.Destination, ToExchange: bi.DestinationType == "exchange", Key: bi.RoutingKey, Args: bi.Arguments}
	return b.wrap(broker.BindOverAMQP(ctx, b.ep, spec, unbind))
}

func (b *side) deleteExchange(ctx context.Context, name string) error {
	return b.wrap(b.admin.DeleteExchange(ctx, b.ep.Vhost, name))
}

func (b *side) deleteQueue(ctx context.Context, name string) error {
	return b.wrap(b.admin.DeleteQueue(ctx, b.ep.Vhost, name))
}

// wrap names the broker's role in an error; nil stays nil.
func (b *side) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s broker: %w", b.role, err)
}

// sameJSON compares two values as the management API would store them:
// numbers as JSON numbers, maps key by key.
func sameJSON(a, b any) bool {
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
