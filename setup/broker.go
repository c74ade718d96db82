package setup

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"github.com/shoveltap/shoveltap/tap"
)

// broker is one side (production or mirror) as setup sees it: a management
// API client and the endpoint it talks to.
type broker struct {
	role  string // "production" or "mirror", for messages
	ep    tap.Endpoint
	admin *tap.Admin
	rh    *rabbithole.Client
}

func newBroker(role string, ep tap.Endpoint) (*broker, error) {
	a, err := tap.NewAdmin(ep)
	if err != nil {
		return nil, fmt.Errorf("%s broker: %w", role, err)
	}
	return &broker{role: role, ep: ep, admin: a, rh: a.Client()}, nil
}

// exchange is what setup needs to know about an existing exchange.
type exchange struct {
	Type string
	Args map[string]any
}

// exchange returns an exchange, or nil when it does not exist.
func (b *broker) exchange(name string) (*exchange, error) {
	x, err := b.rh.GetExchange(b.ep.Vhost, name)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, b.explain(fmt.Sprintf("looking up exchange %q", name), err)
	}
	return &exchange{Type: x.Type, Args: x.Arguments}, nil
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

// queue returns a queue, or nil when it does not exist. It reads through
// tap.Admin.Queue, which asks only for named columns (on 3.10 the full
// answer describes a shovel's direct connection with a peer port
// rabbit-hole cannot parse) and accepts the [] the API sends for a queue
// without counters yet.
func (b *broker) queue(name string) (*queue, error) {
	q, err := b.admin.Queue(b.ep.Vhost, name)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, b.explain(fmt.Sprintf("looking up queue %q", name), err)
	}
	return &queue{
		Durable: q.Durable, Args: q.Arguments, Messages: q.Messages, Consumers: q.Consumers,
		Published: q.MessageStats.Publish, Ack: q.MessageStats.Ack,
		PublishRate: q.MessageStats.PublishDetails.Rate, DeliverRate: q.MessageStats.DeliverGetDetails.Rate,
		Members: q.Members,
	}, nil
}

// bindingsFrom lists the bindings whose source is exchange x.
func (b *broker) bindingsFrom(x string) ([]rabbithole.BindingInfo, error) {
	bs, err := b.rh.ListExchangeBindingsWithSource(b.ep.Vhost, x)
	if err != nil {
		return nil, b.explain(fmt.Sprintf("listing the bindings of exchange %q", x), err)
	}
	return bs, nil
}

// shovel returns a stored shovel definition, or nil when there is none.
func (b *broker) shovel(name string) (map[string]any, error) {
	p, err := b.rh.GetRuntimeParameter("shovel", b.ep.Vhost, name)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, b.explainNeed(fmt.Sprintf("reading shovel %q", name), tap.Need{Tag: "policymaker"}, err)
	}
	def, ok := p.Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("reading shovel %q: unexpected definition %T", name, p.Value)
	}
	return def, nil
}

func (b *broker) declareExchange(name, kind string, args map[string]any) error {
	_, err := b.rh.DeclareExchange(b.ep.Vhost, name, rabbithole.ExchangeSettings{Type: kind, Durable: true, Arguments: args})
	return b.explainNeed(fmt.Sprintf("declaring exchange %q", name), tap.Need{Perm: "configure", Kind: "exchange", Name: name}, err)
}

func (b *broker) declareQueue(name string, args map[string]any) error {
	_, err := b.rh.DeclareQueue(b.ep.Vhost, name, rabbithole.QueueSettings{Durable: true, Arguments: args})
	return b.explainNeed(fmt.Sprintf("declaring queue %q", name), tap.Need{Perm: "configure", Kind: "queue", Name: name}, err)
}

func (b *broker) bind(bi rabbithole.BindingInfo) error {
	_, err := b.rh.DeclareBinding(b.ep.Vhost, bi)
	return b.explainBinding(fmt.Sprintf("binding %s to %q with key %q", bi.Destination, bi.Source, bi.RoutingKey), bi, false, err)
}

func (b *broker) unbind(bi rabbithole.BindingInfo) error {
	_, err := b.rh.DeleteBinding(b.ep.Vhost, bi)
	if notFound(err) {
		return nil
	}
	return b.explainBinding(fmt.Sprintf("unbinding %s from %q (key %q)", bi.Destination, bi.Source, bi.RoutingKey), bi, true, err)
}

// explainBinding explains a failed binding. The management API refuses one
// with "Access refused." alone, which does not say whether write on the
// destination or read on the source is missing; the same binding over AMQP
// is refused naming the object, so it is tried that way (and when that
// works, the binding is made after all).
func (b *broker) explainBinding(doing string, bi rabbithole.BindingInfo, unbind bool, err error) error {
	if !tap.IsRefused(err) {
		return b.explain(doing, err)
	}
	spec := tap.BindingSpec{Source: bi.Source, Destination: bi.Destination, ToExchange: bi.DestinationType == "exchange", Key: bi.RoutingKey, Args: bi.Arguments}
	return b.wrap(tap.BindOverAMQP(b.ep, spec, unbind))
}

func (b *broker) deleteExchange(name string) error {
	_, err := b.rh.DeleteExchange(b.ep.Vhost, name)
	if notFound(err) {
		return nil
	}
	return b.explainNeed(fmt.Sprintf("deleting exchange %q", name), tap.Need{Perm: "configure", Kind: "exchange", Name: name}, err)
}

func (b *broker) deleteQueue(name string) error {
	_, err := b.rh.DeleteQueue(b.ep.Vhost, name)
	if notFound(err) {
		return nil
	}
	return b.explainNeed(fmt.Sprintf("deleting queue %q", name), tap.Need{Perm: "configure", Kind: "queue", Name: name}, err)
}

// wrap names the broker's role in an error; nil stays nil.
func (b *broker) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s broker: %w", b.role, err)
}

// explain adds the broker's role to an error; nil stays nil.
func (b *broker) explain(doing string, err error) error {
	return b.explainNeed(doing, tap.Need{}, err)
}

// explainNeed is explain for a call that needs a known tag or permission:
// a refusal names it and the rabbitmqctl command that grants it.
func (b *broker) explainNeed(doing string, n tap.Need, err error) error {
	if err == nil {
		return nil
	}
	var r *tap.Refusal
	if e := b.admin.ExplainNeed(doing, n, err); errors.As(e, &r) {
		return fmt.Errorf("%s broker: %w", b.role, e)
	}
	var er rabbithole.ErrorResponse
	if errors.As(err, &er) {
		return fmt.Errorf("%s broker: %s: the management API answered %d: %s", b.role, doing, er.StatusCode, strings.TrimSpace(er.Reason))
	}
	return fmt.Errorf("%s broker (%s): %s: %w", b.role, b.ep.API, doing, err)
}

func notFound(err error) bool {
	var er rabbithole.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
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
