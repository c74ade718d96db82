package routing

import (
	"context"
	"slices"
	"sync"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Where is where one tapped message went, as plain values for its
// reading (tap/reading) and every view: the route, and for each queue
// reached that has a dead-letter exchange, where its dead letters go.
type Where struct {
	Result      Result       `json:"result"`
	DeadLetters []QueueDeath `json:"dead_letters,omitempty"`
}

// QueueDeath is where queue Queue's dead letters of this message go.
type QueueDeath struct {
	Queue      string     `json:"queue"`
	DeadLetter DeadLetter `json:"dead_letter"`
	Result     Result     `json:"result"`
}

// Live is the routing of a running tap: a model of the tapped vhost
// loaded from the tapped exchanges (LoadFrom), kept fresh by a Refresher,
// and widened to an exchange a message names that the model does not
// cover (a queue tap sees messages from any exchange bound to it).
type Live struct {
	ref *Refresher

	mu    sync.Mutex
	roots []string
}

// NewLive returns a Live for vhost starting from roots; Run loads it.
func NewLive(admin *broker.Admin, vhost string, roots []string) *Live {
	l := &Live{roots: slices.Clone(roots)}
	l.ref = NewRefresher(func(ctx context.Context) (*Topology, error) {
		l.mu.Lock()
		roots := slices.Clone(l.roots)
		l.mu.Unlock()
		return LoadFrom(ctx, admin, vhost, roots, 0)
	}, 0, 0)
	return l
}

// NewLiveFrom is NewLive with a loader of its own (tests, or a caller that
// loads differently).
func NewLiveFrom(load Loader) *Live {
	return &Live{ref: NewRefresher(load, 0, 0)}
}

// Run keeps the model fresh until ctx ends.
func (l *Live) Run(ctx context.Context) { l.ref.Run(ctx) }

// Current is the model in use, nil until the first load.
func (l *Live) Current() *Topology { return l.ref.Current() }

// Roots are the exchanges the model is loaded from: the tapped ones and
// those that tapped messages named since ("" is the default exchange).
func (l *Live) Roots() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.roots)
}

// Err is the last load's error.
func (l *Live) Err() error { return l.ref.Err() }

// Route routes a tapped message with the current model; nil before the
// model is loaded. A message naming an exchange the model lacks, or one
// outside its scope, asks for an early reload with that exchange among
// the roots, and is unknown until then.
func (l *Live) Route(exchange, key string, headers map[string]any) *Where {
	top := l.ref.Current()
	if top == nil {
		return nil
	}
	m := Tapped(exchange, key, headers)
	if _, ok := top.Exchange(exchange); !ok {
		l.ref.Stale() // maybe declared since the last load
	} else if !top.InScope(exchange) {
		l.mu.Lock()
		if !slices.Contains(l.roots, exchange) {
			l.roots = append(l.roots, exchange)
		}
		l.mu.Unlock()
		l.ref.Stale()
	}
	out := &Where{Result: top.Route(m)}
	for _, r := range out.Result.Queues {
		if d, res := top.DeadLetters(r.Queue, m); d != nil && res != nil {
			out.DeadLetters = append(out.DeadLetters, QueueDeath{Queue: r.Queue, DeadLetter: *d, Result: *res})
		}
	}
	return out
}

// WhyNot explains, with the current model, why the tapped message did or
// did not reach queue q; ok is false before the model is loaded.
func (l *Live) WhyNot(exchange, key string, headers map[string]any, q string) (WhyNot, bool) {
	top := l.ref.Current()
	if top == nil {
		return WhyNot{}, false
	}
	return top.WhyNot(Tapped(exchange, key, headers), q), true
}

// QueueNames are the production queues of the current model, sorted.
func (l *Live) QueueNames() []string {
	top := l.ref.Current()
	if top == nil {
		return nil
	}
	names := make([]string, 0, len(top.queues))
	for q := range top.queues {
		if !Own(q) {
			names = append(names, q)
		}
	}
	slices.Sort(names)
	return names
}

// NearMisses answers "why not?" for the queues the message could have
// reached: every production queue bound to an exchange on its way that
// it did not reach, by name, at most limit of them (limit <= 0: all).
// With no model loaded yet it returns nil and false.
func (l *Live) NearMisses(exchange, key string, headers map[string]any, limit int) ([]WhyNot, bool) {
	top := l.ref.Current()
	if top == nil {
		return nil, false
	}
	return top.NearMisses(Tapped(exchange, key, headers), limit), true
}

// NearMisses is Live.NearMisses on this model.
func (t *Topology) NearMisses(m Message, limit int) []WhyNot {
	res := t.Route(m)
	var names []string
	seen := map[string]bool{}
	for _, x := range res.Visited {
		for _, b := range t.from[x] {
			if b.own || b.DestinationType != ToQueue || seen[b.Destination] || res.Reached(b.Destination) {
				continue
			}
			seen[b.Destination] = true
			names = append(names, b.Destination)
		}
	}
	slices.Sort(names)
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	out := make([]WhyNot, 0, len(names))
	for _, q := range names {
		out = append(out, t.WhyNot(m, q))
	}
	return out
}

// NewLiveWith is a Live that keeps model t and never loads: for views
// that route by a model at hand (tests, a saved model).
func NewLiveWith(t *Topology) *Live {
	l := &Live{ref: NewRefresher(func(context.Context) (*Topology, error) { return t, nil }, 0, 0)}
	l.ref.current.Store(t)
	return l
}
