package setup

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Operations of a plan step.
const (
	OpKeep   = "keep"   // exists as described; nothing to do
	OpCreate = "create" // declare a missing object
	OpUpdate = "update" // replace a shovel definition that differs
	OpBind   = "bind"
	OpUnbind = "unbind"
)

// Action is one step of a plan. Steps run in order; the order is what makes
// the fanout layout's rebinding safe (new path first, old path last).
type Action struct {
	Broker string `json:"broker"` // production or mirror
	Op     string `json:"op"`
	Kind   string `json:"kind"` // exchange, queue, binding, shovel
	Name   string `json:"name"`
	Detail string `json:"detail,omitempty"`
	run    func(ctx context.Context) error
}

// Changes reports whether the step changes a broker.
func (a Action) Changes() bool { return a.Op != OpKeep }

// Plan compares what the configuration describes with what both brokers
// hold and returns the steps that make them agree. It changes nothing.
func (s *Setup) Plan(ctx context.Context) ([]Action, error) {
	var plan []Action
	for _, r := range s.xs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps, err := s.planExchange(ctx, r)
		if err != nil {
			return nil, err
		}
		plan = append(plan, steps...)
	}
	return plan, nil
}

// Apply runs the steps of a plan in order and stops at the first failure.
func (s *Setup) Apply(ctx context.Context, plan []Action) error {
	for _, a := range plan {
		if err := ctx.Err(); err != nil {
			return err
		}
		if a.run == nil {
			continue
		}
		if err := a.run(ctx); err != nil {
			return fmt.Errorf("%s %s %s: %w", a.Op, a.Kind, a.Name, err)
		}
	}
	return nil
}

// queueArgs bound the mirror queue. The marker is added separately: the
// shovel's src-queue-args accept only real queue arguments.
func queueArgs(r Resolved) map[string]any {
	return map[string]any{
		"x-max-length":       r.MaxLength,
		"x-max-length-bytes": r.MaxBytes,
		"x-overflow":         r.Overflow,
	}
}

// shovelDefinition carries the mirror queue to the mirror's fanout
// exchange. It lives on production: its source is a direct connection as the
// production user (no production password stored anywhere), and only the
// mirror's credentials sit in dest-uri. on-confirm acknowledges a message at
// the source only once the mirror has confirmed it, so nothing is lost
// between the brokers; a positive reconnect-delay makes the shovel retry
// the mirror after an outage instead of giving up.
func (s *Setup) shovelDefinition(r Resolved) map[string]any {
	def := map[string]any{
		"src-protocol":       "amqp091",
		"src-uri":            directURI(s.prod.ep.User, s.prod.ep.Vhost),
		"src-queue":          MirrorQueue(r.Exchange),
		"src-queue-args":     queueArgs(r),
		"src-prefetch-count": s.cfg.Prefetch,
		"dest-protocol":      "amqp091",
		"dest-uri":           s.shovelDest,
		"dest-exchange":      r.MirrorExchange,
		"ack-mode":           "on-confirm",
		"reconnect-delay":    s.cfg.ReconnectDelay,
	}
	if r.History() {
		// Status tells the history's time span by the first and last
		// messages, which carry no time of their own unless stamped.
		def["dest-add-timestamp-header"] = true
	}
	return def
}

func (s *Setup) planExchange(ctx context.Context, r Resolved) ([]Action, error) {
	var plan []Action
	add := func(a Action) { plan = append(plan, a) }

	// The production exchange must exist; setup never creates or changes it.
	src, err := s.prod.exchange(ctx, r.Exchange)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("exchange %q does not exist on the production broker (vhost %q): check the name", r.Exchange, s.prod.ep.Vhost)
	}
	keys, err := mirrorKeys(r, src.Type)
	if err != nil {
		return nil, err
	}
	add(Action{Broker: "production", Op: OpKeep, Kind: "exchange", Name: r.Exchange, Detail: src.Type + ", mirrored (never changed by setup)"})

	// Mirror side: the fanout exchange consumers bind to.
	mx, err := s.mirror.exchange(ctx, r.MirrorExchange)
	if err != nil {
		return nil, err
	}
	switch {
	case mx == nil:
		add(Action{Broker: "mirror", Op: OpCreate, Kind: "exchange", Name: r.MirrorExchange, Detail: "fanout, durable; consumers bind their queues here",
			run: func(ctx context.Context) error {
				if err := s.mirror.declareExchange(ctx, r.MirrorExchange, "fanout", withMarker(nil, r.Exchange)); err != nil {
					return err
				}
				// The shovel publishes here as the mirror's user: fail now,
				// with the reason, rather than in the shovel, out of sight.
				return s.mirror.wrap(broker.CheckPublish(ctx, s.mirror.ep, r.MirrorExchange))
			}})
	case !marked(mx.Args, r.Exchange) || mx.Type != "fanout":
		return nil, fmt.Errorf("exchange %q already exists on the mirror broker and was not created by shoveltap setup for %q; choose another mirror-exchange (--mirror-exchange)", r.MirrorExchange, r.Exchange)
	default:
		add(Action{Broker: "mirror", Op: OpKeep, Kind: "exchange", Name: r.MirrorExchange, Detail: "fanout"})
	}
	history, err := s.planHistory(ctx, r, mx != nil)
	if err != nil {
		return nil, err
	}
	plan = append(plan, history...)

	// Production side: the bounded mirror queue.
	qname := MirrorQueue(r.Exchange)
	want := withMarker(queueArgs(r), r.Exchange)
	q, err := s.prod.queue(ctx, qname)
	if err != nil {
		return nil, err
	}
	limits := fmt.Sprintf("durable, at most %d messages / %d bytes, overflow %s", r.MaxLength, r.MaxBytes, r.Overflow)
	switch {
	case q == nil:
		add(Action{Broker: "production", Op: OpCreate, Kind: "queue", Name: qname, Detail: limits,
			run: func(ctx context.Context) error {
				if err := s.prod.declareQueue(ctx, qname, want); err != nil {
					return err
				}
				// The shovel consumes it as the production user.
				return s.prod.wrap(broker.CheckConsume(ctx, s.prod.ep, qname))
			}})
	case !sameJSON(withMarker(withoutDefaultType(q.Args), r.Exchange), want):
		// Queue arguments cannot change in place, and deleting the queue
		// would drop what it buffers: the operator decides.
		return nil, fmt.Errorf("mirror queue %q exists with other limits (%s) than asked (%s); run `shoveltap setup teardown` and apply again (dropping what it holds), or keep its limits", qname, describeArgs(q.Args), limits)
	default:
		add(Action{Broker: "production", Op: OpKeep, Kind: "queue", Name: qname, Detail: limits})
	}

	var steps []Action
	if s.cfg.Layout == LayoutFanout {
		steps, err = s.planFanout(ctx, r)
	} else {
		steps, err = s.planQueueBindings(ctx, r, keys)
	}
	if err != nil {
		return nil, err
	}
	plan = append(plan, steps...)

	// The shovel, last: it needs both ends.
	name := ShovelName(r.Exchange)
	def := s.shovelDefinition(r)
	cur, err := s.prod.shovel(ctx, name)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%s → %s exchange %q, ack-mode on-confirm, reconnect-delay %ds", qname, Redact(s.shovelDest), r.MirrorExchange, s.cfg.ReconnectDelay)
	declare := func(ctx context.Context) error { return s.prod.admin.DeclareShovel(ctx, s.prod.ep.Vhost, name, def) }
	switch {
	case cur == nil:
		add(Action{Broker: "production", Op: OpCreate, Kind: "shovel", Name: name, Detail: detail, run: declare})
	case !sameJSON(cur, def):
		add(Action{Broker: "production", Op: OpUpdate, Kind: "shovel", Name: name, Detail: detail + " (definition differs; the shovel restarts)", run: declare})
	default:
		add(Action{Broker: "production", Op: OpKeep, Kind: "shovel", Name: name, Detail: detail})
	}
	return plan, nil
}

// mirrorKeys are the binding keys for the mirror queue on an exchange of
// the given type. Fanout and headers exchanges route everything to a
// binding without key or arguments; a direct exchange needs exact keys.
func mirrorKeys(r Resolved, kind string) ([]string, error) {
	switch kind {
	case "topic":
		return r.Keys, nil
	case "fanout", "headers":
		return []string{""}, nil
	case "direct":
		if slices.Contains(r.Keys, "#") {
			return nil, fmt.Errorf("exchange %q is a direct exchange: \"#\" matches nothing there; list the exact routing keys to mirror (--key)", r.Exchange)
		}
		return r.Keys, nil
	}
	return nil, fmt.Errorf("exchange %q has type %q, which setup does not mirror; use a topic, direct, fanout or headers exchange", r.Exchange, kind)
}

// planQueueBindings binds the mirror queue to the production exchange with
// each key, and removes marked bindings of keys no longer asked for.
func (s *Setup) planQueueBindings(ctx context.Context, r Resolved, keys []string) ([]Action, error) {
	var plan []Action
	qname := MirrorQueue(r.Exchange)
	bs, err := s.prod.bindingsFrom(ctx, r.Exchange)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.DestinationType == "exchange" && strings.HasPrefix(b.Destination, fanoutPrefix(r.Exchange)) && marked(b.Arguments, r.Exchange) {
			return nil, fmt.Errorf("exchange %q is set up with --layout fanout; run `shoveltap setup teardown --layout fanout` first to change the layout", r.Exchange)
		}
	}
	have := map[string]broker.Binding{}
	for _, b := range bs {
		if b.DestinationType == "queue" && b.Destination == qname && marked(b.Arguments, r.Exchange) {
			have[b.RoutingKey] = b
		}
	}
	for _, k := range keys {
		if _, ok := have[k]; ok {
			plan = append(plan, Action{Broker: "production", Op: OpKeep, Kind: "binding", Name: r.Exchange + " → " + qname, Detail: "key " + quoteKey(k)})
			continue
		}
		bi := broker.Binding{Source: r.Exchange, Destination: qname, DestinationType: "queue", RoutingKey: k, Arguments: withMarker(nil, r.Exchange)}
		plan = append(plan, Action{Broker: "production", Op: OpBind, Kind: "binding", Name: r.Exchange + " → " + qname, Detail: "key " + quoteKey(k),
			run: func(ctx context.Context) error { return s.prod.bind(ctx, bi) }})
	}
	for _, k := range sortedKeys(have) {
		if slices.Contains(keys, k) {
			continue
		}
		bi := have[k]
		plan = append(plan, Action{Broker: "production", Op: OpUnbind, Kind: "binding", Name: r.Exchange + " → " + qname, Detail: "key " + quoteKey(k) + " (no longer asked for)",
			run: func(ctx context.Context) error { return s.prod.unbind(ctx, bi) }})
	}
	return plan, nil
}

func quoteKey(k string) string { return fmt.Sprintf("%q", k) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// describeArgs shows a queue's bounding arguments.
func describeArgs(args map[string]any) string {
	num := func(v any) string {
		if f, ok := v.(float64); ok {
			return fmt.Sprintf("%.0f", f)
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("max-length %s, max-length-bytes %s, overflow %v", num(args["x-max-length"]), num(args["x-max-length-bytes"]), args["x-overflow"])
}

// withoutDefaultType drops the x-queue-type "classic" that RabbitMQ 4 adds
// to every classic queue's arguments, so a mirror queue declared without
// it compares equal to itself on every version.
func withoutDefaultType(args map[string]any) map[string]any {
	if args["x-queue-type"] != "classic" {
		return args
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if k != "x-queue-type" {
			out[k] = v
		}
	}
	return out
}
