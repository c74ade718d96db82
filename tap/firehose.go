package tap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// The firehose (RabbitMQ's per-vhost tracing) is the only way to see what is
// published to a queue through the default exchange, as Celery does by
// default. shoveltap binds its exclusive tap queue straight to the trace
// exchange: a shovel from amq.rabbitmq.trace into the same vhost would have
// its own publishes traced and loop. The tap consumes and never publishes,
// so nothing it does is traced back into it.
const traceExchange = "amq.rabbitmq.trace"

// Tracing is switched per vhost and costs every publish in it, so shoveltap
// turns it off again only if it turned it on and no other live shoveltap
// still uses it. Markers say who uses it, as exchanges (non-durable, like
// the tracing flag itself, which a broker restart also clears):
//
//	<base>-fh-on  session <base> uses the firehose and turned tracing on
//	<base>-fh     session <base> uses the firehose, found tracing on
//
// A marker whose session is gone keeps its meaning until someone releases
// the firehose: the last user to leave, the next start, or `cleanup`.
const (
	markerOn  = "-fh-on"
	markerUse = "-fh"
)

// splitSources parts queue sources from exchange sources, in order.
func splitSources(sources []Source) (queues, exchanges []Source) {
	for _, src := range sources {
		if src.Queue != "" {
			queues = append(queues, src)
		} else {
			exchanges = append(exchanges, src)
		}
	}
	return queues, exchanges
}

// firehosePoints turns queue sources into bindings on the trace exchange:
// publishes through the default exchange ("publish.") and through every
// exchange bound to the queue. Which of them reached the queue is decided
// per message from the trace's routed_queues.
func firehosePoints(ctx context.Context, api sourceLookup, vhost string, sources []Source) ([]tapPoint, error) {
	var points []tapPoint
	for _, src := range sources {
		if src.Queue == "" {
			return nil, fmt.Errorf("--firehose shows what is routed to queues, also through the default exchange: use it with --queue, not --exchange %q", src.Exchange)
		}
		bs, err := api.QueueBindings(ctx, vhost, src.Queue)
		if err != nil {
			return nil, err
		}
		keys := []string{"publish."}
		for _, b := range bs {
			if k := "publish." + b.Exchange; b.Exchange != "" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		p := tapPoint{Exchange: traceExchange, Label: "queue " + src.Queue + " (firehose)", Queue: src.Queue}
		for _, k := range keys {
			p.Bindings = append(p.Bindings, Binding{Key: k})
		}
		points = append(points, p)
	}
	return points, nil
}

// acquireFirehose makes sure tracing is on for the vhost on every node and
// leaves this session's marker. warn is told about the cost before tracing
// is turned on. Tracing is a per-node switch: a message is traced by the
// node whose connection published it, so every node of a cluster needs it.
func (r firehoseRoute) acquireFirehose(ctx context.Context, ch *amqp.Channel, warn func(string)) error {
	s := r.s
	vhost := s.cfg.Endpoint.Vhost
	var off []*broker.Admin
	for _, n := range s.admin.NodeAdmins() {
		tracing, err := n.VhostTracing(ctx, vhost)
		switch {
		case err != nil && n != s.admin:
			if warn != nil {
				warn(fmt.Sprintf("cannot read tracing through %s (%v): if it is off on that node, messages published through it are not seen", n.Endpoint().API, err))
			}
		case err != nil:
			return err
		case !tracing:
			off = append(off, n)
		}
	}
	if len(off) > 0 && !broker.HasTag(s.info.Tags, "administrator") {
		return tracingRefusal(s.cfg.Endpoint, s.info.Tags)
	}
	marker := s.names.Base + markerUse
	if len(off) > 0 {
		marker = s.names.Base + markerOn
	}
	// The marker goes first, so a crash right after turning tracing on
	// still leaves the word that shoveltap did it.
	if err := ch.ExchangeDeclare(marker, amqp.ExchangeFanout, false, false, false, false, nil); err != nil {
		return broker.ExplainAMQP(s.cfg.Endpoint, fmt.Sprintf("declaring the firehose marker %q", marker), err)
	}
	if len(off) == 0 {
		return nil
	}
	if warn != nil {
		warn(fmt.Sprintf("turning on the firehose (tracing) for vhost %q: every message published in it is copied to %s, which costs the broker on every publish; shoveltap turns it off when it exits (or, after a crash, on the next start or `shoveltap cleanup`)", vhost, traceExchange))
	}
	for _, n := range off {
		if err := n.SwitchTracing(ctx, vhost, true); err != nil {
			return err
		}
	}
	return nil
}

// message unwraps a trace event, and drops it (false) unless it
// was routed to a queue asked for.
func (r firehoseRoute) message(m Message, d amqp.Delivery) (Message, bool) {
	s := r.s
	if d.Exchange != traceExchange {
		// An exchange tapped beside the firehose (--celery's celeryev),
		// bound directly: an ordinary copy, not a trace event.
		return s.sourceMessage(m, d, true)
	}
	routed := unwrapTrace(&m, d)
	if s.cfg.Deliveries && strings.HasPrefix(d.RoutingKey, deliverPrefix) {
		return r.toDelivery(m, d)
	}
	for _, p := range s.points {
		if p.Queue != "" && slices.Contains(routed, p.Queue) {
			m.Source = p.Label
			r.published(m, routed)
			return m, true
		}
	}
	return m, false
}

// ReleaseFirehose turns tracing off when shoveltap turned it on and no live
// shoveltap uses it any more, and removes the markers of sessions that are
// gone. self is the releasing session's base ("" for cleanup). It returns
// what it did (or, without apply, what it would do), for the user.
func ReleaseFirehose(ctx context.Context, a *broker.Admin, vhost, self string, apply bool) ([]string, error) {
	xs, err := a.Exchanges(ctx, vhost)
	if err != nil {
		return nil, err
	}
	type marker struct{ name, base string }
	var markers []marker
	for _, x := range xs {
		if base, ok := firehoseMarkerBase(x.Name); ok {
			markers = append(markers, marker{x.Name, base})
		}
	}
	if len(markers) == 0 {
		return nil, nil
	}
	live, err := liveBases(ctx, a, vhost)
	if err != nil {
		return nil, err
	}
	liveUsers, turnedOn := 0, false
	for _, m := range markers {
		if live[m.base] && m.base != self {
			liveUsers++
		} else if strings.HasSuffix(m.name, markerOn) {
			turnedOn = true
		}
	}
	// Tracing left on by a shoveltap that is gone: only an administrator
	// may turn it off, so for anyone else the markers that say so stay,
	// for an administrator's cleanup.
	// Per node, as it was turned on.
	var onNodes []*broker.Admin
	canSwitch := true
	if turnedOn && liveUsers == 0 {
		for _, n := range a.NodeAdmins() {
			on, err := n.VhostTracing(ctx, vhost)
			if err != nil {
				return nil, err
			}
			if on {
				onNodes = append(onNodes, n)
			}
		}
		if len(onNodes) > 0 {
			tags, err := a.UserTags(ctx)
			if err != nil {
				return nil, err
			}
			canSwitch = broker.HasTag(tags, "administrator")
		}
	}
	var did []string
	for _, m := range markers {
		if live[m.base] && m.base != self {
			continue
		}
		// A marker that turned tracing on stays while others still use
		// it: whoever leaves last turns tracing off.
		if strings.HasSuffix(m.name, markerOn) && (liveUsers > 0 || !canSwitch) {
			continue
		}
		if !apply {
			continue
		}
		if err := a.DeleteExchange(ctx, vhost, m.name); err != nil {
			return did, fmt.Errorf("deleting firehose marker: %w", err)
		}
	}
	switch {
	case len(onNodes) == 0:
	case !canSwitch:
		did = append(did, fmt.Sprintf("the firehose (tracing) of vhost %q was turned on by a shoveltap that is gone and costs every publish there; only an administrator may turn it off: rabbitmqctl trace_off -p %s (or shoveltap cleanup --yes as an administrator)", vhost, broker.ShellQuote(vhost)))
	case !apply:
		did = append(did, fmt.Sprintf("the firehose (tracing) of vhost %q was turned on by a shoveltap that is gone; cleanup --yes turns it off", vhost))
	default:
		for _, n := range onNodes {
			if err := n.SwitchTracing(ctx, vhost, false); err != nil {
				return did, err
			}
		}
		where := ""
		if len(a.Endpoint().APIs()) > 1 {
			where = fmt.Sprintf(" on %d node(s)", len(onNodes))
		}
		did = append(did, fmt.Sprintf("turned the firehose (tracing) off for vhost %q%s, which shoveltap had turned on", vhost, where))
	}
	return did, ctx.Err()
}

func firehoseMarkerBase(name string) (string, bool) {
	if !strings.HasPrefix(name, broker.Prefix) || strings.HasPrefix(name, broker.MirrorPrefix) {
		return "", false
	}
	for _, suffix := range []string{markerOn, markerUse} {
		if strings.HasSuffix(name, suffix) {
			return strings.TrimSuffix(name, suffix), true
		}
	}
	return "", false
}

// liveBases lists sessions whose exclusive tap queue exists.
func liveBases(ctx context.Context, a *broker.Admin, vhost string) (map[string]bool, error) {
	queues, err := a.QueueNamesWithPrefix(ctx, vhost, broker.Prefix)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, q := range queues {
		for _, suffix := range []string{"-tap", "-live"} {
			if strings.HasSuffix(q, suffix) {
				live[strings.TrimSuffix(q, suffix)] = true
			}
		}
	}
	return live, nil
}

// unwrapTrace turns a firehose trace message back into the message that was
// published, and says which queues it was routed to.
func unwrapTrace(m *Message, d amqp.Delivery) (routed []string) {
	h := d.Headers
	m.Exchange, _ = h["exchange_name"].(string)
	if keys, ok := h["routing_keys"].([]any); ok && len(keys) > 0 {
		m.RoutingKey, _ = keys[0].(string)
	}
	if qs, ok := h["routed_queues"].([]any); ok {
		for _, q := range qs {
			if name, ok := q.(string); ok {
				routed = append(routed, name)
			}
		}
	}
	props, _ := h["properties"].(amqp.Table)
	str := func(k string) string { v, _ := props[k].(string); return v }
	m.Properties = Properties{
		ContentType:     str("content_type"),
		ContentEncoding: str("content_encoding"),
		CorrelationID:   str("correlation_id"),
		ReplyTo:         str("reply_to"),
		Expiration:      str("expiration"),
		MessageID:       str("message_id"),
		Type:            str("type"),
		UserID:          str("user_id"),
		AppID:           str("app_id"),
		DeliveryMode:    uint8(asInt(props["delivery_mode"])),
		Priority:        uint8(asInt(props["priority"])),
	}
	if ts := asInt(props["timestamp"]); ts > 0 {
		m.Properties.Timestamp = time.Unix(ts, 0)
	} else if t, ok := props["timestamp"].(time.Time); ok {
		m.Properties.Timestamp = t
	}
	if inner, ok := props["headers"].(amqp.Table); ok {
		m.Headers = normaliseTable(inner)
	} else {
		m.Headers = nil
	}
	return routed
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}

// tracingRefusal is the error for a user who may not turn the firehose on,
// found before anything is created.
func tracingRefusal(ep broker.Endpoint, tags []string) *broker.Refusal {
	return ep.Refused(&broker.Refusal{
		Doing: fmt.Sprintf("turning on the firehose (tracing) of vhost %q", ep.Vhost), Broker: ep.Address(),
		User: ep.User, Vhost: ep.Vhost, Tag: "administrator", Has: tags,
		Else: fmt.Sprintf("or have an administrator turn tracing on for the vhost (rabbitmqctl trace_on -p %s; it costs every publish there), after which the management tag is enough", broker.ShellQuote(ep.Vhost)),
	})
}
