// Package routing answers "where did this message go?": a model of a
// vhost's exchanges, bindings and queues (Topology), and an evaluator that
// routes a message through it exactly as RabbitMQ does (Route), explains
// why a queue was not reached (WhyNot) and where a queue's dead letters go.
// It does no I/O but Load, which reads the model through tap/broker.
package routing

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Exchange types the evaluator knows; any other is reported as unknown.
const (
	Direct  = "direct"
	Fanout  = "fanout"
	Topic   = "topic"
	Headers = "headers"
)

// Exchange is one exchange of the model.
type Exchange struct {
	Name     string
	Type     string
	Internal bool
	// Alternate is the alternate exchange, "" for none; AlternateFrom says
	// where it comes from ("argument" or "policy <name>").
	Alternate     string
	AlternateFrom string
	// PolicyUnknown says a policy applies whose definition could not be
	// read, so an alternate exchange it might set is unknown.
	PolicyUnknown bool
}

// Queue is one queue of the model with its dead-letter settings.
type Queue struct {
	Name string
	Type string
	// DeadLetter is set when the queue dead-letters (to DeadLetter.Exchange,
	// which "" means the default exchange).
	DeadLetter *DeadLetter
}

// DeadLetter is where a queue's dead letters are republished.
type DeadLetter struct {
	Exchange string `json:"exchange"`
	// RoutingKey replaces the message's routing keys when HasRoutingKey;
	// otherwise the dead letter keeps them.
	RoutingKey    string `json:"routing_key,omitempty"`
	HasRoutingKey bool   `json:"has_routing_key"`
	// From is "argument" or "policy <name>".
	From string `json:"from"`
}

// Destination kinds of a binding.
const (
	ToQueue    = "queue"
	ToExchange = "exchange"
)

// Binding is a binding from exchange Source to a queue or exchange.
type Binding struct {
	Source          string         `json:"source"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	Key             string         `json:"routing_key"`
	Args            map[string]any `json:"arguments,omitempty"`
	// own marks a binding to one of shoveltap's objects: never a
	// destination, but the broker counts its match (no alternate exchange).
	own bool
}

func (b Binding) String() string {
	s := fmt.Sprintf("%s → %s %s", quoteX(b.Source), b.DestinationType, b.Destination)
	if b.Key != "" {
		s += fmt.Sprintf(" (key %q)", b.Key)
	}
	if len(b.Args) > 0 {
		s += " " + formatArgs(b.Args)
	}
	return s
}

// Topology is the routing model of one vhost. It is read-only once made,
// so one Topology may serve many goroutines; a refresh makes a new one.
type Topology struct {
	Vhost     string
	Loaded    time.Time
	exchanges map[string]*Exchange
	queues    map[string]*Queue
	from      map[string][]Binding // bindings by source exchange
	into      map[string][]Binding // bindings into a queue, by queue name
	// intoX are the exchange-to-exchange bindings by destination.
	intoX map[string][]Binding
	// direct and tries index the bindings of direct and topic exchanges
	// (positions in from), so a message costs its keys, not every binding.
	direct map[string]map[string][]int
	tries  map[string]*trie
	// scope, when not nil, are the exchanges whose bindings LoadFrom
	// read; a message published elsewhere cannot be routed by the model.
	scope map[string]bool
	// notes say what the model could not learn (policies not readable).
	notes []string
	// strictNumbers: the broker is RabbitMQ 4 or later, whose headers
	// exchange compares values with =:=, so an integer never equals a
	// float (3.x compares with ==: 5 equals 5.0).
	strictNumbers bool
}

// Own reports whether a broker object is shoveltap's own (a tap's source
// queue, its exchanges, setup's mirror): these are no production route.
func Own(name string) bool { return strings.HasPrefix(name, broker.Prefix) }

// New makes a Topology, leaving out shoveltap's own objects. The default
// exchange ("") is always present.
func New(vhost string, xs []Exchange, qs []Queue, bs []Binding) *Topology {
	t := &Topology{
		Vhost:     vhost,
		Loaded:    time.Now(),
		exchanges: make(map[string]*Exchange, len(xs)+1),
		queues:    make(map[string]*Queue, len(qs)),
		from:      make(map[string][]Binding),
		into:      make(map[string][]Binding),
		intoX:     make(map[string][]Binding),
		direct:    make(map[string]map[string][]int),
		tries:     make(map[string]*trie),
	}
	t.exchanges[""] = &Exchange{Name: "", Type: Direct}
	for i := range xs {
		if Own(xs[i].Name) {
			continue
		}
		x := xs[i]
		t.exchanges[x.Name] = &x
	}
	for i := range qs {
		if Own(qs[i].Name) {
			continue
		}
		q := qs[i]
		t.queues[q.Name] = &q
	}
	for _, b := range bs {
		// The management API lists the default exchange's implicit
		// binding of every queue; the evaluator routes "" itself.
		if b.Source == "" || Own(b.Source) {
			continue
		}
		if Own(b.Destination) {
			// A tap's binding: while it is there, the exchange has a
			// match for whatever it takes, so keep it for that.
			b.own = true
			t.from[b.Source] = append(t.from[b.Source], b)
			continue
		}
		t.from[b.Source] = append(t.from[b.Source], b)
		if b.DestinationType == ToQueue {
			t.into[b.Destination] = append(t.into[b.Destination], b)
		} else {
			t.intoX[b.Destination] = append(t.intoX[b.Destination], b)
		}
	}
	for name, x := range t.exchanges {
		switch x.Type {
		case Direct:
			idx := map[string][]int{}
			for i, b := range t.from[name] {
				idx[b.Key] = append(idx[b.Key], i)
			}
			t.direct[name] = idx
		case Topic:
			root := &trie{}
			for i, b := range t.from[name] {
				root.add(splitWords(b.Key), i)
			}
			t.tries[name] = root
		}
	}
	return t
}

// Exchange returns an exchange of the model.
func (t *Topology) Exchange(name string) (*Exchange, bool) {
	x, ok := t.exchanges[name]
	return x, ok
}

// Queue returns a queue of the model.
func (t *Topology) Queue(name string) (*Queue, bool) {
	q, ok := t.queues[name]
	return q, ok
}

// Counts are the model's size: exchanges (without the default), queues
// and bindings.
func (t *Topology) Counts() (exchanges, queues, bindings int) {
	for _, bs := range t.from {
		for _, b := range bs {
			if !b.own {
				bindings++
			}
		}
	}
	return len(t.exchanges) - 1, len(t.queues), bindings
}

// InScope reports whether the model holds exchange x's bindings: always
// for a model from Load, only for the exchanges reachable from its roots
// for one from LoadFrom. A tap whose message names an exchange out of
// scope reloads with that exchange among the roots.
func (t *Topology) InScope(x string) bool { return t.scope == nil || t.scope[x] }

// Notes say what the model does not know, such as policies it could not
// read; a caller shows them beside any answer.
func (t *Topology) Notes() []string { return t.notes }

// Load reads the model of vhost from the management API: four listings
// (exchanges, queues, bindings, policies).
func Load(ctx context.Context, admin *broker.Admin, vhost string) (*Topology, error) {
	raw, err := admin.RoutingTopology(ctx, vhost)
	if err != nil {
		return nil, err
	}
	return FromBroker(vhost, raw), nil
}

// FromBroker turns the management API's listings into a Topology,
// applying policies the way the broker does: an exchange's or queue's own
// argument wins over its policy.
func FromBroker(vhost string, raw *broker.RoutingTopology) *Topology {
	policies := make(map[string]map[string]any, len(raw.Policies))
	for _, p := range raw.Policies {
		policies[p.Name] = p.Definition
	}
	known := raw.Policies != nil
	xs := make([]Exchange, 0, len(raw.Exchanges))
	for _, e := range raw.Exchanges {
		if e.Name == "" {
			continue
		}
		x := Exchange{Name: e.Name, Type: e.Type, Internal: e.Internal}
		if ae, ok := e.Arguments["alternate-exchange"].(string); ok {
			x.Alternate, x.AlternateFrom = ae, "argument"
		} else if e.Policy != "" {
			def, ok := policies[e.Policy]
			switch {
			case !known:
				x.PolicyUnknown = true
			case ok:
				if ae, ok := def["alternate-exchange"].(string); ok {
					x.Alternate, x.AlternateFrom = ae, "policy "+e.Policy
				}
			}
		}
		xs = append(xs, x)
	}
	qs := make([]Queue, 0, len(raw.Queues))
	for _, rq := range raw.Queues {
		q := Queue{Name: rq.Name, Type: rq.Type}
		def := rq.PolicyDefinition
		if def == nil && rq.Policy != "" {
			def = policies[rq.Policy]
		}
		q.DeadLetter = deadLetterOf(rq.Arguments, def, rq.Policy)
		qs = append(qs, q)
	}
	types := make(map[string]string, len(xs))
	for _, x := range xs {
		types[x.Name] = x.Type
	}
	bs := make([]Binding, 0, len(raw.Bindings))
	for _, b := range raw.Bindings {
		args := b.Arguments
		if types[b.Source] == Headers {
			args = voidArgs(args)
		}
		bs = append(bs, Binding{Source: b.Source, Destination: b.Destination, DestinationType: b.DestinationType, Key: b.RoutingKey, Args: args})
	}
	t := New(vhost, xs, qs, bs)
	t.strictNumbers = majorVersion(raw.Version) >= 4
	if raw.PoliciesErr != nil {
		t.notes = append(t.notes, "policies unknown ("+raw.PoliciesErr.Error()+"): an alternate exchange set by policy cannot be seen")
	}
	return t
}

// voidArgs turns the management API's spelling of a void binding
// argument, the string "undefined", back into void (nil): a headers
// binding with a void argument asks only that the header be present. A
// binding that wants the literal string "undefined" looks the same in the
// API and is read as void too.
func voidArgs(args map[string]any) map[string]any {
	var out map[string]any
	for k, v := range args {
		if s, ok := v.(string); ok && s == "undefined" && k != "x-match" {
			if out == nil {
				out = make(map[string]any, len(args))
				for k2, v2 := range args {
					out[k2] = v2
				}
			}
			out[k] = nil
		}
	}
	if out == nil {
		return args
	}
	return out
}

// deadLetterOf reads a queue's dead-letter settings: each of exchange and
// routing key from the queue's argument when it has one, else from the
// policy (x-dead-letter-exchange wins over dead-letter-exchange, as in
// rabbit_dead_letter).
func deadLetterOf(args, policy map[string]any, policyName string) *DeadLetter {
	var d DeadLetter
	if x, ok := args["x-dead-letter-exchange"].(string); ok {
		d.Exchange, d.From = x, "argument"
	} else if x, ok := policy["dead-letter-exchange"].(string); ok {
		d.Exchange, d.From = x, "policy "+policyName
	} else {
		return nil
	}
	if k, ok := args["x-dead-letter-routing-key"].(string); ok {
		d.RoutingKey, d.HasRoutingKey = k, true
	} else if k, ok := policy["dead-letter-routing-key"].(string); ok {
		d.RoutingKey, d.HasRoutingKey = k, true
	}
	return &d
}

func quoteX(name string) string {
	if name == "" {
		return "(default exchange)"
	}
	return "exchange " + name
}

func formatArgs(args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%s", k, formatValue(args[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(void)"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v)
}

// majorVersion is the major number of a RabbitMQ version ("4.0.5" → 4),
// 0 when it cannot be read.
func majorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}
