package setup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// The history is a stream on the mirror broker, bound to the mirror's
// fanout exchange beside the consumers' queues: it keeps production's
// traffic by age and/or size, replicated on a clustered mirror, and
// `shoveltap --queue <it> --from -1h` reads it back without touching
// production. Streams remove nothing when read, so any number of readers
// look back at once.

// minHistoryBytes is the smallest byte bound worth a stream.
const minHistoryBytes = 1 << 20

// HistoryStream is the history stream on the mirror broker for production
// exchange x.
func HistoryStream(x string) string { return tap.HistoryStream(x) }

// resolveHistory applies the history settings of an exchange, or else the
// defaults, to r.
func resolveHistory(r *Resolved, x, defaults Limits) error {
	if age := firstNonEmpty(x.History, defaults.History); age != "" {
		d, err := tap.ParseDuration(age)
		if err != nil || d < time.Second {
			return fmt.Errorf("history of exchange %q: %q is not a retention period; use e.g. 24h, 7d or 90m", r.Exchange, age)
		}
		r.HistoryAge = d
	}
	if size := firstNonEmpty(x.HistoryBytes, defaults.HistoryBytes); size != "" {
		n, err := broker.ParseSize(size)
		if err != nil {
			return fmt.Errorf("history-bytes of exchange %q: %w", r.Exchange, err)
		}
		if n < minHistoryBytes {
			return fmt.Errorf("history-bytes of exchange %q: %s is less than the smallest history worth a stream, %s", r.Exchange, broker.FormatSize(n), broker.FormatSize(minHistoryBytes))
		}
		r.HistoryBytes = n
	}
	if x.HistoryReplicas < 0 || defaults.HistoryReplicas < 0 {
		return fmt.Errorf("history_replicas of exchange %q must be a number of nodes (1 or more)", r.Exchange)
	}
	r.HistoryReplicas = firstNonZero(x.HistoryReplicas, defaults.HistoryReplicas)
	if r.HistoryReplicas > 0 && !r.History() {
		return fmt.Errorf("history_replicas of exchange %q needs a history to replicate: give --history and/or --history-bytes", r.Exchange)
	}
	return nil
}

// maxAgeArg writes a retention period as x-max-age takes it: a number and
// one unit (D, h, m or s), which RabbitMQ reads; it does not read 1h30m.
func maxAgeArg(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dD", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
}

// segmentBytes is the stream's segment size for a byte bound. Retention
// removes whole segments, so a tenth of the bound keeps the stream within
// about a tenth of it; RabbitMQ's default, 500 MB, is the most, 256 KiB
// the least.
func segmentBytes(bound int64) int64 {
	return min(500_000_000, max(bound/10, 256<<10))
}

// historyArgs are the history stream's arguments. Retention is evaluated
// as segments fill, so age alone keeps RabbitMQ's 500 MB segments: a
// quiet stream holds more than its age until one fills.
func historyArgs(r Resolved) map[string]any {
	args := map[string]any{"x-queue-type": "stream"}
	if r.HistoryAge > 0 {
		args["x-max-age"] = maxAgeArg(r.HistoryAge)
	}
	if r.HistoryBytes > 0 {
		args["x-max-length-bytes"] = r.HistoryBytes
		args["x-stream-max-segment-size-bytes"] = segmentBytes(r.HistoryBytes)
	}
	if r.HistoryReplicas > 0 {
		args["x-initial-cluster-size"] = r.HistoryReplicas
	}
	return args
}

// describeHistory is the retention in words.
func describeHistory(args map[string]any) string {
	var parts []string
	if age, ok := args["x-max-age"]; ok {
		parts = append(parts, fmt.Sprintf("%v", age))
	}
	if n, ok := asInt(args["x-max-length-bytes"]); ok {
		parts = append(parts, broker.FormatSize(n))
	}
	out := "stream, keeps " + strings.Join(parts, " / ")
	if len(parts) == 0 {
		out = "stream, keeps everything"
	}
	if n, ok := asInt(args["x-initial-cluster-size"]); ok {
		out += fmt.Sprintf(", on %d node(s)", n)
	}
	return out
}

// asInt reads a number as the management API returns it (float64) or as
// setup built it.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// planHistory plans the history stream of r and its binding to the mirror
// exchange (which exists when exchangeExists; otherwise it is created
// just before).
func (s *Setup) planHistory(ctx context.Context, r Resolved, exchangeExists bool) ([]Action, error) {
	name := HistoryStream(r.Exchange)
	q, err := s.mirror.queue(ctx, name)
	if err != nil {
		return nil, err
	}
	if !r.History() {
		if q != nil && marked(q.Args, r.Exchange) {
			return []Action{{Broker: "mirror", Op: OpKeep, Kind: "stream", Name: name,
				Detail: "no history is asked for any more; `shoveltap setup teardown` removes it with the rest"}}, nil
		}
		return nil, nil
	}
	want := withMarker(historyArgs(r), r.Exchange)
	var plan []Action
	switch {
	case q == nil:
		plan = append(plan, Action{Broker: "mirror", Op: OpCreate, Kind: "stream", Name: name, Detail: describeHistory(want),
			run: func(ctx context.Context) error { return s.mirror.declareQueue(ctx, name, want) }})
	case !marked(q.Args, r.Exchange):
		return nil, fmt.Errorf("queue %q already exists on the mirror broker and was not created by shoveltap setup for %q: remove it, or mirror into another vhost", name, r.Exchange)
	case !sameJSON(q.Args, want):
		// Retention could change by policy, but a stream's arguments
		// cannot: the operator decides whether to drop the history.
		return nil, fmt.Errorf("history stream %q exists with another retention (%s) than asked (%s); run `shoveltap setup teardown` and apply again (dropping the history it holds), or keep its retention", name, describeHistory(q.Args), describeHistory(want))
	default:
		plan = append(plan, Action{Broker: "mirror", Op: OpKeep, Kind: "stream", Name: name, Detail: describeHistory(want)})
	}

	bound := false
	if exchangeExists {
		bs, err := s.mirror.bindingsFrom(ctx, r.MirrorExchange)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			bound = bound || (b.DestinationType == "queue" && b.Destination == name && marked(b.Arguments, r.Exchange))
		}
	}
	bi := broker.Binding{Source: r.MirrorExchange, Destination: name, DestinationType: "queue", Arguments: withMarker(nil, r.Exchange)}
	if bound {
		plan = append(plan, Action{Broker: "mirror", Op: OpKeep, Kind: "binding", Name: r.MirrorExchange + " → " + name})
	} else {
		plan = append(plan, Action{Broker: "mirror", Op: OpBind, Kind: "binding", Name: r.MirrorExchange + " → " + name, Detail: "the history gets every message of the mirror",
			run: func(ctx context.Context) error { return s.mirror.bind(ctx, bi) }})
	}
	return plan, nil
}

// HistorySpan is what a history stream holds, for status.
type HistorySpan struct {
	Empty       bool       `json:"empty,omitempty"`
	FirstOffset int64      `json:"first_offset"`
	LastOffset  int64      `json:"last_offset"`
	Messages    int64      `json:"messages"`     // offsets covered; a few are the stream's bookkeeping
	ApproxBytes int64      `json:"approx_bytes"` // bodies, estimated from the messages sampled
	First       *time.Time `json:"first_time,omitempty"`
	Last        *time.Time `json:"last_time,omitempty"`
	Retention   string     `json:"retention"`
	Members     []string   `json:"members,omitempty"` // nodes holding it, where the API lists them
}

// historyRow reads the history stream of exchange x, if there is one or
// one is asked for.
func (s *Setup) historyRow(ctx context.Context, r Resolved) (*StatusRow, error) {
	name := HistoryStream(r.Exchange)
	q, err := s.mirror.queue(ctx, name)
	if err != nil {
		return nil, err
	}
	row := &StatusRow{Mirror: r.Exchange, Broker: "mirror", Kind: "stream", Name: name}
	switch {
	case q == nil && r.History():
		row.State = "missing"
		return row, nil
	case q == nil || !marked(q.Args, r.Exchange):
		return nil, nil
	}
	// On a cluster, any node holding a replica will do.
	_, ep := s.mirror.admin.WithClusterNodes(ctx)
	span, err := tap.ReadSpan(ctx, ep, name)
	if err != nil {
		row.State, row.Detail = "unreadable", err.Error()
		return row, nil
	}
	h := &HistorySpan{Empty: span.Empty, Retention: describeHistory(q.Args), Members: q.Members}
	row.State, row.History = "ok", h
	if len(q.Members) > 1 {
		h.Retention += ", replicated on " + strings.Join(q.Members, ", ")
	}
	if span.Empty {
		row.Detail = h.Retention + "; empty"
		return row, nil
	}
	h.FirstOffset, h.LastOffset, h.Messages, h.ApproxBytes = span.FirstOffset, span.LastOffset, span.Messages(), span.ApproxBytes()
	row.Detail = fmt.Sprintf("%s; holds offsets %d–%d (%d messages, ≈ %s)", h.Retention, h.FirstOffset, h.LastOffset, h.Messages, humanBytes(h.ApproxBytes))
	if !span.First.IsZero() && !span.Last.IsZero() {
		first, last := span.First.UTC(), span.Last.UTC()
		h.First, h.Last = &first, &last
		row.Detail += fmt.Sprintf(", %s to %s (%s)", first.Format("2006-01-02 15:04:05Z"), last.Format("2006-01-02 15:04:05Z"), last.Sub(first).Round(time.Second))
	}
	return row, nil
}

// humanBytes writes a size in the largest binary unit below it.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// teardownHistory removes the history stream of x, if setup made it.
func (s *Setup) teardownHistory(ctx context.Context, x string) ([]Action, error) {
	name := HistoryStream(x)
	q, err := s.mirror.queue(ctx, name)
	if err != nil || q == nil || !marked(q.Args, x) {
		return nil, err
	}
	return []Action{{Broker: "mirror", Op: OpDelete, Kind: "stream", Name: name, Detail: "drops the history it holds",
		run: func(ctx context.Context) error { return s.mirror.deleteQueue(ctx, name) }}}, nil
}
