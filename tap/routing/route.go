package routing

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Message is what routing reads of a published message: the exchange it
// was published to, its routing key and its headers (amqp091 table values
// or the JSON-ish values of a decoded message).
type Message struct {
	Exchange   string
	RoutingKey string
	Headers    map[string]any
}

// shovelHeaders are the headers a shovel may add on its way to the tap
// (add-forward-headers, add-timestamp-header): the publisher never sent
// them, so production routing never saw them.
var shovelHeaders = []string{"x-shovelled", "x-shovelled-timestamp"}

// Tapped is the Message for a message as a tap received it: the
// exchange it was published to, its routing key, and its headers without
// those a shovel added. (The broker strips BCC before delivery, so a
// tapped message's BCC keys are not known.)
func Tapped(exchange, key string, headers map[string]any) Message {
	m := Message{Exchange: exchange, RoutingKey: key, Headers: headers}
	for _, h := range shovelHeaders {
		if _, ok := headers[h]; ok {
			m.Headers = make(map[string]any, len(headers))
			for k, v := range headers {
				if !slices.Contains(shovelHeaders, k) {
					m.Headers[k] = v
				}
			}
			break
		}
	}
	return m
}

// RoutingKeys are the keys the broker routes by: the routing key, then
// the CC and BCC headers' strings (rabbit_basic:header_routes). Every
// exchange on the way routes by all of them.
func (m Message) RoutingKeys() []string {
	keys := []string{m.RoutingKey}
	for _, h := range []string{"CC", "BCC"} {
		keys = append(keys, stringList(m.Headers[h])...)
	}
	return keys
}

// stringList is the strings of an array header (CC, BCC); the broker
// ignores entries of other types.
func stringList(v any) []string {
	var out []string
	switch l := v.(type) {
	case []string:
		out = append(out, l...)
	case []any:
		for _, e := range l {
			switch s := e.(type) {
			case string:
				out = append(out, s)
			case []byte:
				out = append(out, string(s))
			}
		}
	}
	return out
}

// Step is one edge on a message's way: binding Binding of exchange
// Exchange matched, or (Alternate) Exchange had no match and passed the
// message to its alternate exchange.
type Step struct {
	Exchange  string   `json:"exchange"`
	Binding   *Binding `json:"binding,omitempty"`
	Alternate string   `json:"alternate,omitempty"`
}

func (s Step) String() string {
	if s.Binding == nil {
		return fmt.Sprintf("%s matched nothing → alternate exchange %s", quoteX(s.Exchange), s.Alternate)
	}
	b := s.Binding
	if s.Exchange == "" {
		return fmt.Sprintf("(default exchange) → queue %s", b.Destination)
	}
	return b.String()
}

// Reach is a queue the message reached, with the way there (the first
// found, shortest).
type Reach struct {
	Queue string `json:"queue"`
	Path  []Step `json:"path"`
	// ByAlternate says the way passed through an alternate exchange.
	ByAlternate bool `json:"by_alternate,omitempty"`
}

// Verdicts of a Result.
const (
	Routed     = "routed"
	Unroutable = "unroutable"
	// Unknown: an exchange on the way is of a type shoveltap cannot
	// evaluate, so where the message went cannot be said.
	Unknown = "unknown"
)

// Result is where one message went.
type Result struct {
	Exchange string `json:"exchange"`
	Verdict  string `json:"verdict"`
	// Queues are the production queues reached, by name.
	Queues []Reach `json:"routed_to"`
	// UsedAlternate says some exchange on the way used its alternate
	// exchange.
	UsedAlternate bool `json:"used_alternate,omitempty"`
	// Visited are the exchanges the message passed through, in order.
	Visited []string `json:"visited"`
	// Unknowns say plainly what could not be evaluated, and why.
	Unknowns []string `json:"unknowns,omitempty"`
	// Notes are facts worth showing (a missing exchange, a direct reply-to).
	Notes []string `json:"notes,omitempty"`
}

// QueueNames are the names of the queues reached.
func (r Result) QueueNames() []string {
	out := make([]string, len(r.Queues))
	for i, q := range r.Queues {
		out[i] = q.Queue
	}
	return out
}

// Reached reports whether queue q was reached.
func (r Result) Reached(q string) bool {
	for _, x := range r.Queues {
		if x.Queue == q {
			return true
		}
	}
	return false
}

// visit is the evaluation state of one Route call.
type visit struct {
	t       *Topology
	m       Message
	keys    []string
	pathTo  map[string][]Step // way to each exchange visited
	reached map[string]Reach
	res     *Result
}

// Route routes m as the broker does (rabbit_exchange:route/2): starting
// at m.Exchange, each exchange's type picks its matching bindings; a queue
// is a destination, an exchange is routed in turn once (cycles end there);
// an exchange whose bindings match nothing hands the message to its
// alternate exchange. The default exchange routes each routing key to the
// queue of that name. Shoveltap's own objects are not in the model.
func (t *Topology) Route(m Message) Result {
	res := Result{Exchange: m.Exchange, Queues: []Reach{}}
	v := &visit{t: t, m: m, keys: m.RoutingKeys(), pathTo: map[string][]Step{}, reached: map[string]Reach{}, res: &res}
	if _, ok := t.exchanges[m.Exchange]; !ok {
		res.Verdict = Unknown
		res.Unknowns = append(res.Unknowns, fmt.Sprintf("exchange %q is not in the model of vhost %q (it does not exist, or this user may not see it)", m.Exchange, t.Vhost))
		return res
	}
	if !t.InScope(m.Exchange) {
		res.Verdict = Unknown
		res.Unknowns = append(res.Unknowns, fmt.Sprintf("exchange %q is outside the part of vhost %q this model loaded: reload it with %q among the tapped exchanges", m.Exchange, t.Vhost, m.Exchange))
		return res
	}
	if t.exchanges[m.Exchange].Internal {
		res.Notes = append(res.Notes, fmt.Sprintf("exchange %q is internal: the broker refuses a client's publish to it; only exchange-to-exchange bindings feed it", m.Exchange))
	}
	// Breadth first, so each queue's way is a shortest one; the set of
	// exchanges and queues reached does not depend on the order.
	queue := []string{m.Exchange}
	v.pathTo[m.Exchange] = nil
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		res.Visited = append(res.Visited, name)
		queue = append(queue, v.route(name)...)
	}
	for _, r := range v.reached {
		res.Queues = append(res.Queues, r)
	}
	sort.Slice(res.Queues, func(i, j int) bool { return res.Queues[i].Queue < res.Queues[j].Queue })
	switch {
	case len(res.Queues) > 0:
		res.Verdict = Routed
	case len(res.Unknowns) > 0:
		res.Verdict = Unknown
	default:
		res.Verdict = Unroutable
	}
	return res
}

// route routes the message through exchange name and returns the
// exchanges it passes the message to that were not visited yet.
func (v *visit) route(name string) []string {
	x := v.t.exchanges[name]
	path := v.pathTo[name]
	if name == "" {
		v.routeDefault(path)
		return nil
	}
	matched, known := v.t.match(x, v.m, v.keys)
	if !known {
		v.res.Unknowns = append(v.res.Unknowns, fmt.Sprintf("exchange %q is of type %q, which shoveltap does not evaluate: cannot say where it routes", x.Name, x.Type))
		// Whether it matched anything is unknown, so is its alternate.
		return nil
	}
	var next []string
	// Nothing matched, a tap's binding included: the alternate's turn.
	if len(matched) == 0 {
		if x.PolicyUnknown {
			v.res.Unknowns = append(v.res.Unknowns, fmt.Sprintf("exchange %q matched nothing and has a policy this user cannot read: an alternate exchange it may set is unknown", x.Name))
		}
		if x.Alternate != "" {
			v.res.UsedAlternate = true
			step := Step{Exchange: name, Alternate: x.Alternate}
			next = append(next, v.toExchange(x.Alternate, path, step)...)
		}
		return next
	}
	var production []Binding
	for _, b := range matched {
		if !b.own {
			production = append(production, b)
		}
	}
	if len(production) == 0 && x.Alternate != "" {
		v.res.Notes = append(v.res.Notes, fmt.Sprintf("only shoveltap's tap binding matched on exchange %q, so the broker did not use its alternate exchange %q: without the tap the message would have gone there", x.Name, x.Alternate))
	}
	for i := range production {
		b := production[i]
		step := Step{Exchange: name, Binding: &b}
		if b.DestinationType == ToQueue {
			v.toQueue(b.Destination, path, step)
			continue
		}
		next = append(next, v.toExchange(b.Destination, path, step)...)
	}
	return next
}

func (v *visit) routeDefault(path []Step) {
	seen := map[string]bool{}
	for _, k := range v.keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if strings.HasPrefix(k, "amq.rabbitmq.reply-to.") {
			v.res.Notes = append(v.res.Notes, fmt.Sprintf("key %q is a direct reply-to: delivered to the waiting client, if any", k))
			continue
		}
		if _, ok := v.t.queues[k]; !ok {
			continue
		}
		b := Binding{Source: "", Destination: k, DestinationType: ToQueue, Key: k}
		v.toQueue(k, path, Step{Exchange: "", Binding: &b})
	}
}

func (v *visit) toQueue(q string, path []Step, step Step) {
	if _, ok := v.reached[q]; ok {
		return
	}
	if _, ok := v.t.queues[q]; !ok {
		// Bound but not listed: deleted since, or hidden from the user.
		v.res.Notes = append(v.res.Notes, fmt.Sprintf("queue %q is bound but not in the model", q))
		return
	}
	way := append(append([]Step(nil), path...), step)
	v.reached[q] = Reach{Queue: q, Path: way, ByAlternate: byAlternate(way)}
}

func (v *visit) toExchange(x string, path []Step, step Step) []string {
	if _, seen := v.pathTo[x]; seen {
		return nil
	}
	if _, ok := v.t.exchanges[x]; !ok {
		// The broker skips an exchange that does not exist
		// (rabbit_exchange:cons_if_present).
		v.res.Notes = append(v.res.Notes, fmt.Sprintf("%s leads to exchange %q, which does not exist (or this user may not see it)", quoteX(step.Exchange), x))
		return nil
	}
	v.pathTo[x] = append(append([]Step(nil), path...), step)
	return []string{x}
}

func byAlternate(path []Step) bool {
	for _, s := range path {
		if s.Binding == nil {
			return true
		}
	}
	return false
}

// match picks the bindings of exchange x that match m; known is false for
// an exchange type the evaluator does not know.
func (t *Topology) match(x *Exchange, m Message, keys []string) (matched []Binding, known bool) {
	bs := t.from[x.Name]
	switch x.Type {
	case Fanout:
		return bs, true
	case Direct:
		hit := map[int]bool{}
		for _, k := range keys {
			for _, i := range t.direct[x.Name][k] {
				hit[i] = true
			}
		}
		return pick(bs, hit), true
	case Topic:
		hit := map[int]bool{}
		for _, k := range keys {
			t.tries[x.Name].match(splitWords(k), hit)
		}
		return pick(bs, hit), true
	case Headers:
		for _, b := range bs {
			if ok, _ := headersMatch(b.Args, m.Headers, t.strictNumbers); ok {
				matched = append(matched, b)
			}
		}
		return matched, true
	}
	return nil, false
}

// pick returns the bindings of bs whose positions are in hit, in order.
func pick(bs []Binding, hit map[int]bool) []Binding {
	if len(hit) == 0 {
		return nil
	}
	idx := make([]int, 0, len(hit))
	for i := range hit {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]Binding, len(idx))
	for j, i := range idx {
		out[j] = bs[i]
	}
	return out
}

// DeadLetters is where queue q's dead letters go when message m, having
// reached q, is dead-lettered: nil when q has no dead-letter exchange.
// With a dead-letter routing key the dead letter is routed by that key
// alone (and loses its CC header); without one, by the message's own keys
// (rabbit_dead_letter:make_msg).
func (t *Topology) DeadLetters(q string, m Message) (*DeadLetter, *Result) {
	queue, ok := t.queues[q]
	if !ok || queue.DeadLetter == nil {
		return nil, nil
	}
	d := queue.DeadLetter
	dm := Message{Exchange: d.Exchange, RoutingKey: m.RoutingKey, Headers: m.Headers}
	if d.HasRoutingKey {
		dm.RoutingKey = d.RoutingKey
		dm.Headers = make(map[string]any, len(m.Headers))
		for k, v := range m.Headers {
			if k != "CC" && k != "BCC" {
				dm.Headers[k] = v
			}
		}
	}
	if _, ok := t.exchanges[d.Exchange]; !ok {
		// The broker drops a dead letter whose exchange does not exist.
		r := Result{Exchange: d.Exchange, Verdict: Unroutable, Queues: []Reach{},
			Notes: []string{fmt.Sprintf("dead-letter exchange %q does not exist (or this user may not see it): the broker drops the dead letters", d.Exchange)}}
		return d, &r
	}
	r := t.Route(dm)
	return d, &r
}

// Summary is the result in one line, for a detail pane or a status line:
// "→ q1, q2 (via alternate exchange)", "unroutable", or "unknown: …".
func (r Result) Summary() string {
	switch r.Verdict {
	case Routed:
		s := "→ " + strings.Join(r.QueueNames(), ", ")
		if r.UsedAlternate {
			s += " (via alternate exchange)"
		}
		if len(r.Unknowns) > 0 {
			s += "; and unknown: " + r.Unknowns[0]
		}
		return s
	case Unroutable:
		return "unroutable: no production queue got it"
	}
	if len(r.Unknowns) > 0 {
		return "unknown: " + r.Unknowns[0]
	}
	return "unknown"
}
