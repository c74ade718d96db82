package tap

import (
	"context"
	"fmt"
	"sort"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Source is one thing a user asked to tap: an exchange with a binding key,
// or a queue, whose bindings are then copied.
type Source struct {
	Exchange string
	Key      string // with Exchange; AllKeys means everything
	Queue    string // tap what is routed to this queue
}

// AllKeys is the binding key that taps everything an exchange routes.
const AllKeys = "#"

// Label is how a source is shown: "orders (order.#)" or "queue celery".
func (s Source) Label() string {
	if s.Queue != "" {
		return "queue " + s.Queue
	}
	name := s.Exchange
	if name == "" {
		name = "(default exchange)"
	}
	if s.Key == "" {
		return name
	}
	return name + " (" + s.Key + ")"
}

// Binding is one binding the tap makes on an exchange.
type Binding struct {
	Key  string
	Args amqp.Table
}

// tapPoint is a resolved source: one exchange and the bindings that give
// exactly the messages asked for. A queue with bindings on two exchanges
// becomes two tap points; several bindings on one exchange stay one, so a
// message matching two of them is still seen once.
type tapPoint struct {
	Exchange string
	Label    string
	Queue    string // the production queue this stands for, if any
	Bindings []Binding
}

// sourceLookup is what resolving sources needs from the management API.
type sourceLookup interface {
	ExchangeType(ctx context.Context, vhost, name string) (string, error)
	BoundKeys(ctx context.Context, vhost, exchange string) ([]string, error)
	QueueBindings(ctx context.Context, vhost, queue string) ([]broker.QueueBinding, error)
}

// amqpLookup resolves sources without the management API (a --no-shovel
// tap of a user without the management tag): it can only check that an
// exchange exists, so "everything" is the key "#", which matches all on
// topic, fanout and headers exchanges but nothing on a direct one.
type amqpLookup struct{ conn *amqp.Connection }

func (a amqpLookup) ExchangeType(_ context.Context, vhost, name string) (string, error) {
	ch, err := a.conn.Channel()
	if err != nil {
		return "", fmt.Errorf("checking exchange %q: %w", name, err)
	}
	defer ch.Close()
	// Only existence is checked; the type stays unknown.
	if err := broker.CheckExchange(ch, name); err != nil {
		return "", fmt.Errorf("exchange %q does not exist in vhost %q or may not be used: %v", name, vhost, err)
	}
	return "", nil
}

func (a amqpLookup) BoundKeys(_ context.Context, vhost, exchange string) ([]string, error) {
	return []string{AllKeys}, nil
}

func (a amqpLookup) QueueBindings(_ context.Context, vhost, queue string) ([]broker.QueueBinding, error) {
	return nil, fmt.Errorf("tapping queue %q needs its bindings from the management API, which is not usable here (the user lacks the management tag, or logs in by x509 certificate, which the API does not take)", queue)
}

// resolveSources turns what the user asked for into tap points. notes says
// what cannot be seen through bindings, for the user to read.
func resolveSources(ctx context.Context, api sourceLookup, vhost string, sources []Source) (points []tapPoint, notes []string, err error) {
	for _, src := range sources {
		if src.Queue != "" {
			qp, qnotes, err := queuePoints(ctx, api, vhost, src.Queue)
			if err != nil {
				return nil, nil, err
			}
			points = append(points, qp...)
			notes = append(notes, qnotes...)
			continue
		}
		kind, err := api.ExchangeType(ctx, vhost, src.Exchange)
		if err != nil {
			return nil, nil, err
		}
		keys, err := bindKeys(src, kind, func() ([]string, error) { return api.BoundKeys(ctx, vhost, src.Exchange) })
		if err != nil {
			return nil, nil, err
		}
		p := tapPoint{Exchange: src.Exchange, Label: src.Label()}
		for _, k := range keys {
			p.Bindings = append(p.Bindings, Binding{Key: k})
		}
		points = append(points, p)
	}
	return points, notes, nil
}

// queuePoints copies a queue's bindings, grouped by exchange. The default
// exchange's implicit binding cannot be copied: what is published straight
// to the queue is invisible to a tap made of bindings.
func queuePoints(ctx context.Context, api sourceLookup, vhost, queue string) ([]tapPoint, []string, error) {
	bs, err := api.QueueBindings(ctx, vhost, queue)
	if err != nil {
		return nil, nil, err
	}
	byExchange := map[string][]Binding{}
	for _, b := range bs {
		if b.Exchange == "" {
			continue
		}
		byExchange[b.Exchange] = append(byExchange[b.Exchange], Binding{Key: b.Key, Args: amqp.Table(b.Args)})
	}
	exchanges := make([]string, 0, len(byExchange))
	for x := range byExchange {
		exchanges = append(exchanges, x)
	}
	sort.Strings(exchanges)
	var points []tapPoint
	for _, x := range exchanges {
		points = append(points, tapPoint{Exchange: x, Label: "queue " + queue + " via " + x, Queue: queue, Bindings: byExchange[x]})
	}
	var notes []string
	if len(points) == 0 {
		notes = append(notes, fmt.Sprintf("queue %q has no bindings but the default exchange's: what is published straight to it (Celery's default) is invisible to a tap made of bindings; use --firehose to see it", queue))
	}
	return points, notes, nil
}

// bindKeys are the binding keys that give a source's messages for an
// exchange of the given type. "Everything" is "#" on a topic exchange and
// any key on fanout and headers exchanges (no arguments match all); a direct
// exchange routes only exact keys, so it takes one binding per key bound now.
func bindKeys(src Source, kind string, boundKeys func() ([]string, error)) ([]string, error) {
	if src.Key != AllKeys {
		return []string{src.Key}, nil
	}
	switch kind {
	case "topic", "":
		return []string{"#"}, nil
	case "direct", "x-consistent-hash", "x-modulus-hash":
		return boundKeys()
	default:
		return []string{""}, nil
	}
}

// labels lists the tap points for the status line.
func labels(points []tapPoint) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range points {
		l := p.Label
		if p.Queue != "" {
			l = "queue " + p.Queue
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// describeBinding is a binding for error messages.
func describeBinding(x string, b Binding) string {
	if len(b.Args) == 0 {
		return fmt.Sprintf("exchange %q with key %q", x, b.Key)
	}
	var args []string
	for k, v := range b.Args {
		args = append(args, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(args)
	return fmt.Sprintf("exchange %q with key %q and arguments %s", x, b.Key, strings.Join(args, ","))
}
