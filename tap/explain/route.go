// Package explain answers from the vhost's routing model (tap/routing),
// read from the management API: where a message would go and why not to a
// queue (shoveltap route), and what a message published to some exchanges
// can meet (shoveltap topology). Nothing is published or changed.
package explain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// RouteOptions are the flags of "shoveltap route".
type RouteOptions struct {
	Conn     cmdline.Conn
	Exchange string
	Key      string
	Headers  []string
	Queue    string
	JSON     bool
	// ExchangeSet says --exchange was given: "" is the default exchange,
	// so the empty value cannot tell.
	ExchangeSet bool
}

// Route is "shoveltap route".
func Route(ctx context.Context, o *RouteOptions, con cmdline.Console) int {
	if !o.ExchangeSet {
		return cmdline.UsageFail(con, "shoveltap route", errors.New("--exchange is required (--exchange \"\" for the default exchange)"))
	}
	h, err := parseHeaders(o.Headers)
	if err != nil {
		return cmdline.UsageFail(con, "shoveltap route", err)
	}
	admin, ep, code := o.Conn.API(ctx, con, "shoveltap route")
	if code != 0 {
		return code
	}
	q := routeQuery{Vhost: ep.Vhost, Exchange: o.Exchange, Key: o.Key, Headers: h, Queue: o.Queue, JSON: o.JSON}
	if err := answerRoute(ctx, admin, q, con.Stdout); err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap route:", err)
		return 1
	}
	return 0
}

// routeQuery is the message route asks about and where to ask.
type routeQuery struct {
	Vhost    string
	Exchange string
	Key      string
	Headers  map[string]any
	Queue    string
	JSON     bool
}

// parseHeaders reads --header values: k=v is a string, k:=JSON a typed
// value (number, bool, array such as CC).
func parseHeaders(hs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, h := range hs {
		if k, v, ok := strings.Cut(h, ":="); ok && k != "" {
			var x any
			if err := json.Unmarshal([]byte(v), &x); err != nil {
				return nil, fmt.Errorf("--header %q: %q is not JSON (%v); use k=v for a string", h, v, err)
			}
			out[k] = x
			continue
		}
		k, v, ok := strings.Cut(h, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--header %q: want k=v or k:=JSON", h)
		}
		out[k] = v
	}
	return out, nil
}

// RouteAnswer is what route prints with --json.
type RouteAnswer struct {
	Vhost       string            `json:"vhost"`
	Result      routing.Result    `json:"result"`
	DeadLetters []DeadLetterRoute `json:"dead_letters,omitempty"`
	WhyNot      *routing.WhyNot   `json:"why_not,omitempty"`
	ModelNotes  []string          `json:"model_notes,omitempty"`
}

// DeadLetterRoute is where a reached queue's dead letters go.
type DeadLetterRoute struct {
	Queue  string             `json:"queue"`
	To     routing.DeadLetter `json:"to"`
	Result routing.Result     `json:"result"`
}

// answerRoute loads the vhost's routing model from admin and prints where
// the message of opts goes.
func answerRoute(ctx context.Context, admin *broker.Admin, opts routeQuery, stdout io.Writer) error {
	top, err := routing.Load(ctx, admin, opts.Vhost)
	if err != nil {
		return err
	}
	if opts.Queue != "" && routing.Own(opts.Queue) {
		return fmt.Errorf("queue %q is shoveltap's own, not a production queue: name a queue of yours", opts.Queue)
	}
	m := routing.Message{Exchange: opts.Exchange, RoutingKey: opts.Key, Headers: opts.Headers}
	ans := RouteAnswer{Vhost: top.Vhost, Result: top.Route(m), ModelNotes: top.Notes()}
	for _, r := range ans.Result.Queues {
		if d, res := top.DeadLetters(r.Queue, m); d != nil {
			ans.DeadLetters = append(ans.DeadLetters, DeadLetterRoute{Queue: r.Queue, To: *d, Result: *res})
		}
	}
	if opts.Queue != "" {
		w := top.WhyNot(m, opts.Queue)
		ans.WhyNot = &w
	}
	if opts.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans)
	}
	// Names come from the broker, and any client may declare one with
	// escape sequences in it: they reach the terminal as visible escapes.
	var text strings.Builder
	printRoute(&text, top, m, ans)
	_, err = io.WriteString(stdout, sanitize.Block(text.String()))
	return err
}

func printRoute(w io.Writer, top *routing.Topology, m routing.Message, ans RouteAnswer) {
	r := ans.Result
	x := fmt.Sprintf("exchange %q", m.Exchange)
	if m.Exchange == "" {
		x = "the default exchange"
	}
	if e, ok := top.Exchange(m.Exchange); ok && m.Exchange != "" {
		x += " (" + e.Type + ")"
	}
	fmt.Fprintf(w, "Published to %s with key %q", x, m.RoutingKey)
	if len(m.Headers) > 0 {
		b, _ := json.Marshal(m.Headers)
		fmt.Fprintf(w, " and headers %s", b)
	}
	fmt.Fprintf(w, " (vhost %s):\n", ans.Vhost)
	switch r.Verdict {
	case routing.Routed:
		fmt.Fprintf(w, "  routed to %d queue(s)", len(r.Queues))
		if r.UsedAlternate {
			fmt.Fprint(w, ", an alternate exchange used")
		}
		fmt.Fprintln(w, ":")
	case routing.Unroutable:
		fmt.Fprintln(w, "  UNROUTABLE: no production queue gets it (the broker drops it, or returns it to a mandatory publisher)")
	case routing.Unknown:
		fmt.Fprintln(w, "  unknown: cannot say where it goes")
	}
	for _, q := range r.Queues {
		fmt.Fprintf(w, "  → queue %s\n", q.Queue)
		for _, s := range q.Path {
			fmt.Fprintf(w, "      via %s\n", s)
		}
	}
	for _, d := range ans.DeadLetters {
		to := fmt.Sprintf("exchange %q", d.To.Exchange)
		if d.To.Exchange == "" {
			to = "the default exchange"
		}
		key := "its own routing keys"
		if d.To.HasRoutingKey {
			key = fmt.Sprintf("key %q", d.To.RoutingKey)
		}
		fmt.Fprintf(w, "  dead letters of %s go to %s with %s (%s): ", d.Queue, to, key, d.To.From)
		switch d.Result.Verdict {
		case routing.Routed:
			fmt.Fprintf(w, "queue(s) %s\n", strings.Join(d.Result.QueueNames(), ", "))
		case routing.Unroutable:
			why := "no queue is bound there for them"
			if len(d.Result.Notes) > 0 {
				why = d.Result.Notes[0]
			}
			fmt.Fprintf(w, "NOWHERE: %s; they are lost\n", why)
		default:
			fmt.Fprintf(w, "unknown: %s\n", strings.Join(d.Result.Unknowns, "; "))
		}
	}
	for _, u := range r.Unknowns {
		fmt.Fprintf(w, "  unknown: %s\n", u)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, n := range ans.ModelNotes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if ans.WhyNot == nil {
		return
	}
	wn := ans.WhyNot
	fmt.Fprintf(w, "\nQueue %s: %s\n", wn.Queue, wn.Summary)
	for _, c := range wn.Checks {
		mark := "no "
		if c.Matched {
			mark = "yes"
		}
		fmt.Fprintf(w, "  [%s] %s\n        %s\n", mark, c.Binding, c.Why)
	}
}
