package tap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
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
func HistoryStream(x string) string { return MirrorPrefix + x + "-history" }

// findStream says whether the sources are one stream, which is then read
// directly: every message, from where --from says. A stream among other
// sources, or with --firehose or --tap-url, is tapped as before, through
// its bindings (new messages only), and a note says how to read it
// directly. Only the management API tells a stream from a queue (a
// passive declare answers alike for both), so without it every queue is
// taken for a classic one and asking for history is refused.
func findStream(admin *Admin, cfg Config) (*streamTap, []string, error) {
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
		q, err := admin.Queue(vhost, src.Queue)
		switch {
		case isNotFound(err):
			return nil, nil, fmt.Errorf("queue %q does not exist in vhost %q: check the name (rabbitmqctl list_queues -p %s name type)", src.Queue, vhost, vhost)
		case err != nil:
			return nil, nil, admin.explain(fmt.Sprintf("looking up queue %q", src.Queue), err)
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

// establishStream attaches a stream consumer on a fresh connection, from
// where --from says or, after a reconnect, just after the last message
// handed over: nothing is seen twice, and nothing is skipped but what the
// stream's retention removed meanwhile. A stream is read on a node that
// holds a replica of it, so a node without one passes the turn to the
// next. Nothing is created on the broker, so a failure only closes the
// connection.
func (s *Session) establishStream() (*link, error) {
	s.mu.Lock()
	start := s.node
	s.mu.Unlock()
	nodes := len(s.cfg.Endpoint.Nodes())
	var errs []error
	for tries := 0; tries < nodes; tries++ {
		l, err := s.attachStream(start)
		switch {
		case err == nil:
			return l, nil
		case !noLocalReplica(err):
			return nil, err
		}
		errs = append(errs, err)
		start = l.node + 1 // l is the failed link: its node has no replica
	}
	if nodes == 1 {
		return nil, fmt.Errorf("%w; a stream is read on a node that holds it: give one of its nodes with --url", errs[0])
	}
	return nil, fmt.Errorf("no node tried holds a replica of stream %q (a stream is read on a node that holds it; give one with --url): %w", s.stream.name, errors.Join(errs...))
}

// attachStream connects to the first node that answers from node start
// on and attaches the consumers there. On failure the link it returns,
// closed, still says which node was tried.
func (s *Session) attachStream(start int) (*link, error) {
	st := s.stream
	conn, node, err := dialNodes(s.cfg.Endpoint, s.names.Base, s.cfg.InsecureTLS, start)
	if err != nil {
		return nil, err
	}
	ep := s.cfg.Endpoint.OnNode(node)
	l := &link{conn: conn, prod: conn, node: node, tapNode: node}
	fail := func(err error) (*link, error) {
		l.close()
		return l, err
	}
	if l.ch, err = conn.Channel(); err != nil {
		return fail(explainAMQP(ep, "opening a channel", err))
	}
	l.prodCh = l.ch
	// A per-consumer prefetch: a stream refuses a consumer without one,
	// and hardened RabbitMQ 4 denies a global one.
	if err := l.ch.Qos(s.cfg.Prefetch, 0, false); err != nil {
		return fail(explainAMQP(ep, "setting the prefetch", err))
	}
	from := s.streamStart()
	if resume, ok := from.(int64); ok && st.sent >= 0 {
		if err := s.checkRetention(conn, ep, resume); err != nil {
			return fail(err)
		}
	}
	l.deliveries, err = l.ch.Consume(st.name, s.names.Base, false, false, false, false, amqp.Table{streamOffsetHeader: from})
	if err != nil {
		return fail(explainStream(ep, st.name, err))
	}
	s.mu.Lock()
	known := st.liveKnown
	if st.attachedAt.IsZero() {
		st.attachedAt = time.Now()
	}
	s.mu.Unlock()
	if !known {
		if err := s.watchLive(conn, ep); err != nil {
			return fail(err)
		}
	}
	return l, nil
}

// noLocalReplica says a stream cannot be read on the node connected to:
// it holds no replica of it.
func noLocalReplica(err error) bool {
	return err != nil && strings.Contains(err.Error(), "replica on the local node")
}

// streamStart is the x-stream-offset of the next attach, and resets what
// was taken but not handed over (it is read again).
func (s *Session) streamStart() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stream
	st.taken = st.sent
	switch {
	case st.sent >= 0:
		return st.sent + 1
	case st.attachedAt.IsZero():
		return st.from.arg()
	case st.from.Kind == FromNext || st.from.Kind == FromLast:
		// Nothing read yet, and the stream's end has moved on since:
		// start at the first attach (a few earlier messages of its
		// chunk may come too).
		return st.attachedAt.Truncate(time.Second)
	}
	return st.from.arg()
}

// watchLive finds where live messages start: a second consumer that reads
// from "next", attached now, receives first the first message published
// after this moment. It takes that one message (prefetch 1) and goes.
func (s *Session) watchLive(conn *amqp.Connection, ep Endpoint) error {
	ch, err := conn.Channel()
	if err != nil {
		return explainAMQP(ep, "opening a channel", err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return explainAMQP(ep, "setting the prefetch", err)
	}
	ds, err := ch.Consume(s.stream.name, s.names.Base+"-live", false, false, false, false, amqp.Table{streamOffsetHeader: "next"})
	if err != nil {
		return explainStream(ep, s.stream.name, err)
	}
	go func() {
		d, ok := <-ds
		if !ok {
			return // the connection went; the next attach watches again
		}
		if off, ok := offsetOf(d.Headers); ok {
			s.mu.Lock()
			if !s.stream.liveKnown {
				s.stream.liveFrom, s.stream.liveKnown = off, true
				s.syncStreamStatus()
			}
			s.mu.Unlock()
		}
		_ = ch.Close()
	}()
	return nil
}

// streamMessage completes a message read from the stream. Its offset
// comes out of the headers: the broker adds it, it is no part of what was
// published, and a replay must not publish it. ok is false for a message
// already taken, as may come again after a reconnect.
func (s *Session) streamMessage(m Message) (Message, bool) {
	st := s.stream
	m.Source = "stream " + st.name
	off, ok := offsetOf(m.Headers)
	if !ok {
		return m, true
	}
	delete(m.Headers, streamOffsetHeader)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	m.Offset, m.HasOffset = off, true
	s.mu.Lock()
	defer s.mu.Unlock()
	// Offsets grow but are not consecutive: the stream spends some on
	// its own entries (a tracking chunk at each segment start, and each
	// time a stream-protocol consumer stores its offset), which are never
	// delivered. So a jump says nothing; checkRetention finds losses.
	if st.taken >= 0 && off <= st.taken {
		return m, false
	}
	st.taken = off
	return m, true
}

// checkRetention, when reading resumes at offset resume, reads where the
// stream now starts: if its retention removed offsets at or after resume
// while the tap was away, they were lost to the tap, and the status says
// which and counts them (an upper bound: some offsets are the stream's own
// entries, which a reader cannot tell apart).
func (s *Session) checkRetention(conn *amqp.Connection, ep Endpoint, resume int64) error {
	first, err := readStream(context.Background(), conn, ep, s.stream.name, "first", 1, 2*time.Second)
	if err != nil || len(first) == 0 {
		return err // an empty stream lost nothing of what was read
	}
	start, ok := offsetOf(first[0].Headers)
	if !ok || start <= resume {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream.skipped += uint64(start - resume)
	s.stream.lossNote = fmt.Sprintf("the stream's retention removed offsets %d–%d before they were read", resume, start-1)
	s.status.Dropped = s.stream.skipped
	s.status.Detail = s.stream.lossNote
	return nil
}

// handedOver records the last offset the reader took: a reconnect resumes
// after it.
func (s *Session) handedOver(msgs []Message) {
	if s.stream == nil || len(msgs) == 0 || !msgs[len(msgs)-1].HasOffset {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream.sent = msgs[len(msgs)-1].Offset
	s.syncStreamStatus()
}

// syncStreamStatus copies the stream's position into the status; s.mu is
// held.
func (s *Session) syncStreamStatus() {
	st := s.stream
	s.status.Stream = StreamStatus{
		Name: st.name, From: st.from.String(),
		LiveFrom: st.liveFrom, LiveKnown: st.liveKnown, Last: st.sent,
	}
}

// streamDue offers a stream tap's batch to the reader as soon as half the
// prefetch is pending, rather than at the next tick: history arrives as
// fast as the broker reads it, and the broker's credit comes back only
// with the acknowledgement that follows a hand-over, so the pump waits on
// the reader, not on a timer. Other taps get a nil channel, whose case
// never fires.
func (p *pump) streamDue() (chan<- Batch, Batch) {
	if p.s.stream == nil || len(p.pending) < max(1, p.s.cfg.Prefetch/2) {
		return nil, Batch{}
	}
	return p.s.out, Batch{Messages: p.pending, Status: p.s.statusWithRate(p.rate.perSecond())}
}

// awayDetail says how long the tap has been away and what that means:
// for a stream nothing, as reading resumes where it stopped.
func (s *Session) awayDetail(away time.Duration, cause error) string {
	if s.stream == nil {
		return reconnectingDetail(away, cause)
	}
	return fmt.Sprintf("%.1f s; the stream keeps what is published meanwhile and reading resumes where it stopped (%v)", away.Seconds(), cause)
}

// backNote is the passing note after the tap came back.
func (s *Session) backNote(gap time.Duration, cause error) string {
	if s.stream == nil {
		return fmt.Sprintf("%.1f s gap until %s, messages may be missing (%v)", gap.Seconds(), time.Now().Format("15:04:05"), cause)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	note := fmt.Sprintf("back after %.1f s at %s, resuming after offset %d (%v)", gap.Seconds(), time.Now().Format("15:04:05"), s.stream.sent, cause)
	if s.stream.lossNote != "" {
		note += "; " + s.stream.lossNote
		s.stream.lossNote = ""
	}
	return note
}

// offsetOf reads a delivery's stream offset header.
func offsetOf(h map[string]any) (int64, bool) { return intOf(h[streamOffsetHeader]) }

// intOf reads an integer header value of any width.
func intOf(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	case int16:
		return int64(v), true
	case uint8:
		return int64(v), true
	case int8:
		return int64(v), true
	}
	return 0, false
}

// explainStream turns a failure to read a stream into an actionable error.
func explainStream(ep Endpoint, name string, err error) error {
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotFound {
		return fmt.Errorf("reading stream %q: it does not exist in vhost %q (any more): %s", name, ep.Vhost, ae.Reason)
	}
	return explainAMQP(ep, fmt.Sprintf("reading stream %q", name), err)
}
