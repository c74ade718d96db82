package tap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// A stream needs none of the shovel machinery: reading one removes
// nothing, so the tap is a stream consumer on the stream itself
// (x-stream-offset, manual acknowledgements, a bounded per-consumer
// prefetch) and creates nothing on the broker. Its acknowledgements only
// give the broker credit to send more; the stream keeps every message.

// streamOffsetHeader is where the broker puts a delivery's stream offset.
const streamOffsetHeader = "x-stream-offset"

// streamTap is the state of a session that reads a stream. Its fields are
// guarded by the session's mu.
type streamTap struct {
	name  string
	from  From
	label string
	// attachedAt is when the first consumer attached: a reconnect before
	// any message arrived starts there, so nothing published since is
	// missed.
	attachedAt time.Time
	// taken is the offset of the last message put in a batch, sent of the
	// last one handed to the reader; -1 before any.
	taken, sent int64
	// liveFrom is the first offset published after the tap started.
	liveFrom  int64
	liveKnown bool
	// skipped counts the offsets the stream's retention removed while the
	// tap was away, before it read them: the stream's own loss.
	skipped  uint64
	lossNote string // what the last return found removed, for the status
}

// HistoryStream is the stream `shoveltap setup --history` keeps on the
// mirror broker for production exchange x.
func HistoryStream(x string) string { return broker.MirrorPrefix + x + "-history" }

// findStream says whether the sources are one stream, which is then read
// directly: every message, from where --from says. A stream among other
// sources, or with --firehose or --tap-url, is tapped as before, through
// its bindings (new messages only), and a note says how to read it
// directly. Only the management API tells a stream from a queue (a
// passive declare answers alike for both), so without it every queue is
// taken for a classic one and asking for history is refused.
func findStream(ctx context.Context, admin *broker.Admin, cfg Config) (*streamTap, []string, error) {
	vhost := cfg.Endpoint.Vhost
	var streams, others []string
	for _, src := range cfg.Sources {
		if src.Queue == "" {
			others = append(others, fmt.Sprintf("exchange %q", src.Exchange))
			continue
		}
		if admin == nil {
			others = append(others, fmt.Sprintf("queue %q", src.Queue))
			continue
		}
		q, err := admin.Queue(ctx, vhost, src.Queue)
		switch {
		case broker.IsNotFound(err):
			return nil, nil, fmt.Errorf("queue %q does not exist in vhost %q: check the name (rabbitmqctl list_queues -p %s name type)", src.Queue, vhost, vhost)
		case err != nil:
			return nil, nil, admin.Explain(ctx, fmt.Sprintf("looking up queue %q", src.Queue), err)
		case q.Type == "stream":
			streams = append(streams, src.Queue)
		default:
			others = append(others, fmt.Sprintf("queue %q is a %s queue", src.Queue, queueKind(q.Type)))
		}
	}
	var why string // why a stream is not read directly
	switch {
	case len(streams) == 0 && cfg.From.History() && admin == nil:
		return nil, nil, fmt.Errorf("--from %s: only a stream keeps history, and telling a stream from a queue needs the management API, which this user cannot use here; give the user the management tag, or leave --from out to tap what comes next", cfg.From.Text)
	case len(streams) == 0 && cfg.From.History():
		return nil, nil, noHistoryError(cfg, others[0])
	case len(streams) == 0:
		return nil, nil, nil
	case len(streams) > 1 || len(others) > 0:
		why = "tapped together with other sources"
	case cfg.Firehose:
		why = "tapped with --firehose"
	case cfg.TapEndpoint != nil:
		why = "tapped with --tap-url"
	}
	if why != "" {
		if cfg.From.History() {
			return nil, nil, fmt.Errorf("--from %s: stream %s is read from its history only when it is tapped alone, without --firehose or --tap-url (here it is %s); run one shoveltap for the stream", cfg.From.Text, strings.Join(quoteAll(streams), ", "), why)
		}
		var notes []string
		for _, name := range streams {
			notes = append(notes, fmt.Sprintf("stream %q is %s, so only through its bindings and only from now on; tap it alone to read every message of it, with --from for its history", name, why))
		}
		return nil, notes, nil
	}
	st := &streamTap{name: streams[0], from: cfg.From, taken: -1, sent: -1}
	st.label = "stream " + st.name
	if cfg.From.History() {
		st.label += ", from " + cfg.From.String()
	} else {
		// Everything read from "next" on is live.
		st.liveKnown = true
	}
	return st, nil, nil
}

// noHistoryError explains why a source other than a stream cannot be read
// from the past, and how to keep a history to read instead.
func noHistoryError(cfg Config, what string) error {
	why := "it routes each message to the queues bound at that moment and keeps none of them"
	x := "EXCHANGE"
	for _, src := range cfg.Sources {
		if src.Queue == "" {
			x = src.Exchange
			break
		}
	}
	if strings.HasPrefix(what, "queue") {
		why = "it hands each message to one consumer and deletes it once acknowledged, and a tap only copies what is routed to it from now on"
		what += ", which has no history"
	} else {
		what += " keeps no history"
	}
	return fmt.Errorf("--from %s: %s: %s. Only a stream keeps history. To look back, keep one on a mirror broker: "+
		"shoveltap setup apply --url URL --mirror-url MIRROR --exchange %s --history 24h, then "+
		"shoveltap --url MIRROR --queue %s --from %s. Leave --from out to tap what comes next",
		cfg.From.Text, what, why, x, HistoryStream(x), cfg.From.Text)
}

func queueKind(t string) string {
	if t == "" {
		return "classic"
	}
	return t
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}
