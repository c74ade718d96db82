package tap

// The shovel route (the default): a dynamic shovel per source carries
// copies from a bounded source queue, bound to production, into the tap
// queue; heartbeats prove each shovel runs and stop it once shoveltap is
// gone. Local or amqp091, on the tapped broker or (--tap-url) another.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Heartbeats are the dead-man's switch that stops an orphaned shovel within
// seconds even when production is idle, and the proof that the shovel
// runs. Every HeartbeatEvery the session puts a message in heartbeat queue
// i, whose messages expire after heartbeatTTL and are dead-lettered (through
// the session's own dead-letter exchange) into source queue i. While the
// session lives they come back through the shovel and are dropped unseen;
// when none has come back for heartbeatLost the tap is re-created. After a
// crash the ones still queued keep expiring into the source queue; the
// shovel's publishes of them fail (the tap exchange is gone) and stop it.
// On 3.10 the first failed publish kills the shovel's destination channel
// and the second stops the shovel, hence two in flight at any time.
const (
	HeartbeatEvery  = time.Second
	heartbeatTTL    = 2500 * time.Millisecond
	heartbeatLost   = 8 * time.Second
	heartbeatHeader = "x-shoveltap-heartbeat"
)

// heartbeatExpires keeps a heartbeat queue (which has no consumer) alive
// past its last messages' TTL: an expired queue discards its messages
// instead of dead-lettering them.
const heartbeatExpires = 4 * heartbeatTTL

func (r shovelRoute) heartbeatArgs(gen, i int) amqp.Table {
	s := r.s
	return amqp.Table{
		"x-message-ttl":             heartbeatTTL.Milliseconds(),
		"x-dead-letter-exchange":    s.names.DeadLetterExchange(),
		"x-dead-letter-routing-key": s.names.SourceQueueOf(gen, i),
		"x-max-length":              int64(10),
		"x-expires":                 heartbeatExpires.Milliseconds(),
	}
}

// beat puts one heartbeat in every heartbeat queue and, now and then,
// re-declares the queues: publishing alone does not keep a queue with
// x-expires alive. A non-empty expiration shortens this heartbeat's TTL.
func (r shovelRoute) beat(l *link, redeclare bool, expiration string) error {
	s := r.s
	if redeclare {
		for i := range s.points {
			if _, err := l.prodCh.QueueDeclare(s.names.HeartbeatOf(l.gen, i), true, false, false, false, r.heartbeatArgs(l.gen, i)); err != nil {
				return err
			}
		}
	}
	msg := amqp.Publishing{Headers: amqp.Table{heartbeatHeader: s.names.Base}, Expiration: expiration, Body: []byte("shoveltap heartbeat")}
	return l.prodCh.Publish(s.names.HeartbeatExchange(), "", false, false, msg)
}

// directURI is a shovel URI for a direct connection inside the broker that
// runs as user: no password is stored in the shovel definition and the
// user's own permissions apply. A bare amqp:// would run with no permission
// checks at all.
func directURI(user, vhost string) string {
	return "amqp://" + url.User(user).String() + "@/" + url.PathEscape(vhost)
}

// shovelDefinition is the dynamic shovel from source queue i into the
// session's exchange i.
//
// ack-mode on-publish (the default) was chosen by measurement
// (docs/BENCHMARKS.md, "Production penalty"): on a saturated broker no-ack
// cost the least and on-publish and on-confirm about the same, the
// differences within run-to-run noise. no-ack is ruled out because its
// in-shovel buffer has no bound when the destination is blocked; on-publish
// beats on-confirm because a tap gains nothing from waiting for the
// destination's confirm (its queue drops from the head anyway). Both keep
// at most src-prefetch-count messages in flight; 1000 is the plugin's
// default. At saturation, with a publisher keeping 1000 confirms in
// flight, prefetch 100 and 5000 and the three ack modes differed by less
// than the noise (bench, part saturation): the shovel's own work per
// message is the cost, not its settings.
//
// reconnect-delay 0 is what makes a crash harmless: once shoveltap's
// connection is gone its exchange auto-deletes, the shovel's next publish
// fails, and the shovel terminates instead of retrying. Its source queue then
// has no consumer and expires.
//
// A local shovel (RabbitMQ 4.2+, the default there) does the same work
// inside the broker without an AMQP client: it consumes the source queue
// and routes into the tap exchange directly, which costs the broker far
// less per message (docs/BENCHMARKS.md, saturation). It stops the same way:
// with the tap exchange gone, routing fails and the shovel terminates. It
// takes no src-prefetch-count: its credit is the broker's
// max_local_shovel_credit (1000). It also puts each message into the tap
// queue with no flow control, so on-confirm is its default: only waiting
// for the tap queue's confirms bounds what it has in flight.
//
// A dynamic shovel is a runtime parameter: it outlives shoveltap and starts
// again whenever the broker's app does. restartSafety makes such a start
// fail, so that nothing of a tap runs after a broker restart.
func (r shovelRoute) shovelDefinition(i, gen int) map[string]any {
	s := r.s
	uri := directURI(s.cfg.Endpoint.User, s.cfg.Endpoint.Vhost)
	if s.cfg.ShovelProtocol == ShovelLocal {
		return restartSafety(s.info.Version, map[string]any{
			"src-protocol":    "local",
			"src-uri":         uri,
			"src-queue":       s.names.SourceQueueOf(gen, i),
			"dest-protocol":   "local",
			"dest-uri":        uri,
			"dest-exchange":   s.names.Exchange(i),
			"ack-mode":        s.cfg.AckMode,
			"reconnect-delay": 0,
		})
	}
	dest := uri
	if t := s.cfg.TapEndpoint; t != nil {
		// The shovel lives on the tapped broker, so no secret of it is
		// stored anywhere; the tap broker's password is, in this
		// definition (readable by the vhost's policymakers), unless the
		// shovel logs in by x509. Open has checked the URI.
		dest, _ = broker.ShovelURI(*t)
	}
	return restartSafety(s.info.Version, map[string]any{
		"src-protocol":       "amqp091",
		"src-uri":            uri,
		"src-queue":          s.names.SourceQueueOf(gen, i),
		"src-prefetch-count": s.cfg.ShovelPrefetch,
		"dest-protocol":      "amqp091",
		"dest-uri":           dest,
		"dest-exchange":      s.names.Exchange(i),
		"ack-mode":           s.cfg.AckMode,
		"reconnect-delay":    0,
	})
}

// restartSafety closes the restart hole: a tap's shovel definition
// survives a restart of the broker's app, and would start again there
// after shoveltap is gone (exited with --no-reconnect, killed, crashed).
// Two things make that start fail, so the shovel stops at once (with
// reconnect-delay 0 it is never retried) and nothing of the tap runs:
//
//   - the source queue cannot exist after the restart: it is auto-delete,
//     so it is removed when the shovel's consumer goes, and stopping the
//     app stops the shovel plugin before the queues; were it left, it
//     expires (x-expires) once nothing consumes it;
//   - the shovel never declares its source itself: a shovel declares a
//     missing src-queue (unbound, so it would idle there for good).
//     RabbitMQ 4.0 and later take src-predeclared; older ones (3.x) do
//     not know the key, so the declaration the shovel would make carries
//     arguments no broker accepts for a new queue (a quorum queue has no
//     priorities). shoveltap declares the queue itself, and a shovel
//     finding it checks it passively, which ignores the arguments.
//
// Its start after a restart therefore fails on every later restart too.
func restartSafety(version string, def map[string]any) map[string]any {
	if broker.VersionAtLeast(version, 4, 0) {
		def["src-predeclared"] = true
		return def
	}
	def["src-queue-args"] = map[string]any{"x-queue-type": "quorum", "x-max-priority": 1}
	return def
}

// shovelProtocolFor resolves cfg's shovel protocol for a broker of version:
// auto is local from RabbitMQ 4.2 on, unless the tap queue is on another
// broker (--tap-url), which only an amqp091 shovel reaches.
func shovelProtocolFor(cfg Config, version string) (string, error) {
	hasLocal := broker.VersionAtLeast(version, 4, 2)
	switch cfg.ShovelProtocol {
	case "", ShovelAuto:
		if hasLocal && cfg.TapEndpoint == nil {
			return ShovelLocal, nil
		}
		return ShovelAMQP091, nil
	case ShovelLocal:
		if cfg.TapEndpoint != nil {
			return "", errors.New("--shovel-protocol local moves messages within one broker and cannot reach --tap-url's: use amqp091, or leave it out")
		}
		if !hasLocal {
			running := "an unknown version"
			if version != "" {
				running = "RabbitMQ " + version
			}
			return "", fmt.Errorf("--shovel-protocol local needs RabbitMQ 4.2 or later, and %s runs %s: use amqp091, or leave it out", cfg.Endpoint.Address(), running)
		}
		return ShovelLocal, nil
	case ShovelAMQP091:
		return ShovelAMQP091, nil
	}
	return "", fmt.Errorf("unknown shovel protocol %q: use %s, %s or %s", cfg.ShovelProtocol, ShovelAuto, ShovelLocal, ShovelAMQP091)
}

// establish creates the shovel route's tap and waits until
// heartbeats come back through every shovel. On failure it removes what
// it created.
func (r shovelRoute) establish(ctx context.Context) (*link, error) {
	s := r.s
	t, err := s.startLink(ctx)
	if err != nil {
		return nil, err
	}
	l, fail, step, tapEP, node, gen := t.l, t.fail, t.step, t.tapEP, t.node, t.l.gen
	tapQueue := s.names.TapQueue()
	for i := range s.points {
		x := s.names.Exchange(i)
		if err := step(fmt.Sprintf("declaring the tap exchange %q", x), tapEP, l.ch.ExchangeDeclare(x, amqp.ExchangeFanout, false, true, false, false, nil)); err != nil {
			return fail(err)
		}
		if err := step(fmt.Sprintf("binding the tap queue to %q", x), tapEP, l.ch.QueueBind(tapQueue, "", x, false, nil)); err != nil {
			return fail(err)
		}
	}
	if err := step("setting the prefetch", tapEP, l.ch.Qos(s.cfg.Prefetch, 0, false)); err != nil {
		return fail(err)
	}
	l.deliveries, err = l.ch.Consume(tapQueue, s.names.Base, false, true, false, false, nil)
	if err := step(fmt.Sprintf("consuming from %q", tapQueue), tapEP, err); err != nil {
		return fail(err)
	}

	// The tapped broker's side.
	ep := s.cfg.Endpoint
	l.node = node
	if s.cfg.TapEndpoint != nil {
		if l.prod, l.node, err = broker.DialNodes(ctx, ep, s.names.Base, node); err != nil {
			return fail(err)
		}
		if l.prodCh, err = l.prod.Channel(); err != nil {
			return fail(broker.ExplainAMQP(ep, "opening a channel", err))
		}
		// The tap queue lives elsewhere; this one tells a cleanup on
		// the tapped broker that the session is alive.
		_, err = l.prodCh.QueueDeclare(s.names.LiveQueue(), false, false, true, false, amqp.Table{"x-max-length": int64(0)})
		if err := step(fmt.Sprintf("declaring %q", s.names.LiveQueue()), ep, err); err != nil {
			return fail(err)
		}
	} else {
		l.node = l.tapNode
	}
	ep = ep.OnNode(l.node)
	// Heartbeats go through exchanges of our own rather than the default
	// exchange, so they need no permission beyond shoveltap's own names.
	hbx, dlx := s.names.HeartbeatExchange(), s.names.DeadLetterExchange()
	if err := step(fmt.Sprintf("declaring the heartbeat exchange %q", hbx), ep, l.prodCh.ExchangeDeclare(hbx, amqp.ExchangeFanout, false, true, false, false, nil)); err != nil {
		return fail(err)
	}
	if err := step(fmt.Sprintf("declaring the dead-letter exchange %q", dlx), ep, l.prodCh.ExchangeDeclare(dlx, amqp.ExchangeDirect, false, true, false, false, nil)); err != nil {
		return fail(err)
	}
	for i := range s.points {
		if err := r.declareSource(l.prodCh, ep, gen, i, step); err != nil {
			return fail(err)
		}
		hb := s.names.HeartbeatOf(gen, i)
		_, err = l.prodCh.QueueDeclare(hb, true, false, false, false, r.heartbeatArgs(gen, i))
		if err := step(fmt.Sprintf("declaring the heartbeat queue %q", hb), ep, err); err != nil {
			return fail(err)
		}
		if err := step(fmt.Sprintf("binding the heartbeat queue %q", hb), ep, l.prodCh.QueueBind(hb, "", hbx, false, nil)); err != nil {
			return fail(err)
		}
	}
	if s.cfg.loseSource {
		if _, err := l.prodCh.QueueDelete(s.names.SourceQueueOf(gen, 0), false, false, false); err != nil {
			return fail(err)
		}
	}
	for i := range s.points {
		if err := r.startShovel(ctx, i, gen); err != nil {
			return fail(err)
		}
	}
	// A heartbeat that expires at once proves each shovel runs as soon
	// as it does; no status API is needed (on 3.10 it wants the
	// monitoring tag).
	if err := step("starting the heartbeat", ep, r.beat(l, false, "0")); err != nil {
		return fail(err)
	}
	if err := r.waitRunning(ctx, l); err != nil {
		return fail(err)
	}
	// Two heartbeats in flight before anyone hears the tap runs, so that
	// even a kill right now stops the shovel. They must expire a while
	// apart: two failed publishes in quick succession go out on the
	// shovel's dying channel before it notices, and stop nothing.
	for _, ttl := range []string{"1000", ""} {
		if err := step("starting the heartbeat", ep, r.beat(l, false, ttl)); err != nil {
			return fail(err)
		}
	}
	return l, nil
}

// declareSource declares source queue i of generation gen on ch and binds
// it to the dead-letter exchange (heartbeats) and to production. Each step
// goes through step, which explains a failure.
//
// Durable: RabbitMQ 4 may deny transient non-exclusive queues
// (deprecated_features.permit.transient_nonexcl_queues = false), and a
// durable queue with x-expires is valid on every version. Auto-delete: the
// queue goes the moment its shovel stops consuming, whether the shovel was
// deleted, stopped by a failed publish or stopped with the broker's app
// (see restartSafety); a shovel restarted under a live tap gets it again
// from here.
func (r shovelRoute) declareSource(ch *amqp.Channel, ep broker.Endpoint, gen, i int, step func(string, broker.Endpoint, error) error) error {
	s := r.s
	src, dlx := s.points[i], s.names.DeadLetterExchange()
	q := s.names.SourceQueueOf(gen, i)
	_, err := ch.QueueDeclare(q, true, true, false, false, s.cfg.Limits.queueArgs())
	if err := step(fmt.Sprintf("declaring the source queue %q", q), ep, err); err != nil {
		return err
	}
	if err := step(fmt.Sprintf("binding the source queue %q to %q", q, dlx), ep, ch.QueueBind(q, q, dlx, false, nil)); err != nil {
		return err
	}
	for _, b := range src.Bindings {
		err := ch.QueueBind(q, b.Key, src.Exchange, false, b.Args)
		if gone := sourceGone(src.Exchange, err); gone != nil {
			return gone
		}
		if err := step("binding to "+describeBinding(src.Exchange, b), ep, err); err != nil {
			return err
		}
	}
	return nil
}

// startShovel (re)creates shovel i for generation gen. The broker ignores
// a declaration equal to the stored one, so a terminated shovel is deleted
// first to make it start again.
func (r shovelRoute) startShovel(ctx context.Context, i, gen int) error {
	s := r.s
	vhost, name := s.cfg.Endpoint.Vhost, s.names.Shovel(i)
	if err := s.admin.DeleteShovel(ctx, vhost, name); err != nil {
		return err
	}
	if err := s.injected(fmt.Sprintf("creating shovel %q", name)); err != nil {
		return err
	}
	return s.admin.DeclareShovel(ctx, vhost, name, r.shovelDefinition(i, gen))
}

// restartTerminatedShovels restarts the session's shovels that the status
// API reports terminated, or, for a user the status API refuses, the ones
// whose definition was removed. A shovel that stops without either sign
// is caught by the heartbeats, which re-create the tap.
func (r shovelRoute) restartTerminatedShovels(ctx context.Context, statusAPI *bool) {
	s := r.s
	var states []broker.ShovelState
	var err error
	if *statusAPI {
		states, err = s.admin.ShovelStates(ctx, s.cfg.Endpoint.Vhost)
		var refused *broker.Refusal
		*statusAPI = !errors.As(err, &refused)
	}
	if !*statusAPI {
		states, err = s.admin.DefinedShovels(ctx, s.cfg.Endpoint.Vhost)
	}
	if err != nil {
		return
	}
	// Any entry that is not terminated wins (see byShovel), or the live
	// shovel would be deleted and re-created every check (and its
	// auto-delete source queue with it, losing what it held).
	byName := byShovel(states)
	for i := range s.points {
		name := s.names.Shovel(i)
		st, ok := byName[name]
		if ok && st.State != "terminated" {
			continue
		}
		reason := "the shovel was removed"
		if ok {
			reason = cleanReason(st.Reason)
		}
		if err := r.restartShovel(ctx, i); err != nil {
			s.setDetail(fmt.Sprintf("shovel stopped (%s) and could not be restarted: %v", reason, err))
			continue
		}
		s.setDetail(fmt.Sprintf("shovel restarted at %s after: %s", time.Now().Format("15:04:05"), reason))
	}
}

// restartShovel starts shovel i of the live tap again. Its source queue
// went with its consumer (it is auto-delete), so it is declared and bound
// again first, on a channel of its own (the pump's heartbeats use the
// link's).
func (r shovelRoute) restartShovel(ctx context.Context, i int) error {
	s := r.s
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l == nil {
		return errors.New("the tap is being re-created")
	}
	return r.relaunch(ctx, l, i)
}

// relaunch declares and binds shovel i's source queue again on a channel
// of its own and re-creates the shovel, on link l.
func (r shovelRoute) relaunch(ctx context.Context, l *link, i int) error {
	s := r.s
	ch, err := l.prod.Channel()
	if err != nil {
		return broker.ExplainAMQP(s.cfg.Endpoint, "opening a channel", err)
	}
	defer ch.Close()
	gen := s.currentGen()
	explain := func(what string, ep broker.Endpoint, err error) error {
		if err != nil {
			return broker.ExplainAMQP(ep, what, err)
		}
		return nil
	}
	ep := s.cfg.Endpoint.OnNode(l.node)
	// The dead-letter exchange went too if that queue was its last
	// binding (it is auto-delete).
	dlx := s.names.DeadLetterExchange()
	if err := explain(fmt.Sprintf("declaring the dead-letter exchange %q", dlx), ep, ch.ExchangeDeclare(dlx, amqp.ExchangeDirect, false, true, false, false, nil)); err != nil {
		return err
	}
	if err := r.declareSource(ch, ep, gen, i, explain); err != nil {
		return err
	}
	return r.startShovel(ctx, i, gen)
}

// waitRunning waits until a heartbeat has come back through every shovel,
// keeping any message that arrives meanwhile for the pump. When none comes
// within the start timeout it asks the shovel status API why, where that
// answers. A shovel the broker reports terminated before it carried
// anything is launched once more, its source queue declared again: with
// reconnect-delay 0 the broker never restarts it, and a start can fail for
// a passing reason (seen on RabbitMQ 4.0 under load in CI: the shovel
// found its source queue gone, "needed a restart", most likely expired
// under a start slower than --expires). Terminated a second time, it fails
// fast.
func (r shovelRoute) waitRunning(ctx context.Context, l *link) error {
	s := r.s
	if err := s.injected("waiting for the shovel"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	heard, relaunched := map[int]bool{}, map[int]bool{}
	statusEvery := time.NewTicker(time.Second)
	defer statusEvery.Stop()
	statusWorks := true
	ticks := 0
	for len(heard) < len(s.points) {
		select {
		case d, ok := <-l.deliveries:
			if !ok {
				return fmt.Errorf("the tap's connection closed while its shovel was starting")
			}
			if i, ok := s.names.exchangeIndex(d.Exchange, len(s.points)); ok {
				heard[i] = true
			}
			l.early = append(l.early, d)
		case <-statusEvery.C:
			ticks++
			if ticks%3 == 0 {
				// A busy broker can be slow to start a shovel's
				// consumer; a fresh heartbeat every few seconds means
				// the wait never hangs on the fate of the first one.
				if err := r.beat(l, false, "0"); err != nil {
					return fmt.Errorf("starting the heartbeat: %w", err)
				}
			}
			if !statusWorks {
				continue
			}
			states, err := s.admin.ShovelStates(ctx, s.cfg.Endpoint.Vhost)
			if err != nil {
				statusWorks = false // extra detail only; heartbeats decide
				continue
			}
			for name, st := range byShovel(states) {
				i, ok := r.shovelIndex(name)
				if !ok || heard[i] || st.State != "terminated" {
					continue
				}
				if relaunched[i] {
					return fmt.Errorf("shovel %q did not start, twice: the broker says: %s", name, cleanReason(st.Reason))
				}
				relaunched[i] = true
				if err := r.relaunch(ctx, l, i); err != nil {
					return fmt.Errorf("shovel %q stopped while starting (the broker says: %s) and could not be launched again: %w", name, cleanReason(st.Reason), err)
				}
			}
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err()
			}
			last := "the shovel status API did not answer"
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			if states, err := s.admin.ShovelStates(sctx, s.cfg.Endpoint.Vhost); err == nil {
				last = "the broker lists no state for it"
				for _, st := range states {
					if _, ok := r.shovelIndex(st.Name); ok {
						last = "its state is " + st.State
						if st.Reason != "" {
							last += ": " + cleanReason(st.Reason)
						}
					}
				}
			}
			if t := s.cfg.TapEndpoint; t != nil && t.AMQP.Scheme == "amqps" {
				last += "; it reaches the tap broker over TLS, so look for a TLS alert in the tapped broker's log and check --tap-shovel-ca-cert, --tap-shovel-cert and --tap-shovel-cert-key (paths on the tapped broker's host)"
			}
			return fmt.Errorf("the tap's shovel did not carry a message within %s (%s); see the broker log", s.cfg.StartTimeout, last)
		}
	}
	return nil
}

// byShovel keeps one status entry per shovel name. A cluster lists a
// shovel once per node that knows it, and a node that restarted may keep a
// stale "terminated" entry beside the running one: any entry that is not
// terminated wins.
func byShovel(states []broker.ShovelState) map[string]broker.ShovelState {
	byName := map[string]broker.ShovelState{}
	for _, st := range states {
		if prev, ok := byName[st.Name]; ok && prev.State != "terminated" {
			continue
		}
		byName[st.Name] = st
	}
	return byName
}

// shovelIndex says which source a shovel name belongs to.
func (r shovelRoute) shovelIndex(name string) (int, bool) {
	s := r.s
	for i := range s.points {
		if name == s.names.Shovel(i) {
			return i, true
		}
	}
	return 0, false
}

// remove deletes what establish created, in the order that
// stops the copying first: shovels, then source queues, then the connection
// (which takes the exclusive tap queue and, with it, the auto-delete
// exchanges). It goes through the management API so that it works when the
// AMQP connection is already gone. Queues of earlier generations (a tap
// re-created after a node restart) are removed too where their node
// answers; where it does not they expire by themselves, unconsumed.
func (r shovelRoute) remove(ctx context.Context, l *link) []error {
	s := r.s
	var errs []error
	vhost := s.cfg.Endpoint.Vhost
	for i := range s.points {
		if err := s.admin.DeleteShovel(ctx, vhost, s.names.Shovel(i)); err != nil {
			if broker.IsUnreachable(err) {
				// Every further call would fail the same way: say it once.
				l.close()
				return []error{brokerGone(err)}
			}
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	last := s.nextGen - 1
	s.mu.Unlock()
	for gen := last; gen >= 0; gen-- {
		for i := range s.points {
			for _, q := range []string{s.names.HeartbeatOf(gen, i), s.names.SourceQueueOf(gen, i)} {
				if err := s.admin.DeleteQueue(ctx, vhost, q); err != nil && gen == last {
					errs = append(errs, err)
				}
			}
		}
	}
	l.close()
	// The exchanges are normally gone with their last binding; this
	// catches one declared just before a failure left it unbound.
	for _, x := range []string{s.names.HeartbeatExchange(), s.names.DeadLetterExchange()} {
		if err := s.admin.DeleteExchange(ctx, vhost, x); err != nil {
			errs = append(errs, err)
		}
	}
	tapVhost := s.tapEndpoint().Vhost
	for i := range s.points {
		if err := s.tapAdmin.DeleteExchange(ctx, tapVhost, s.names.Exchange(i)); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// brokerGone is the one error of a removal whose management API stopped
// answering. The tap's API answered when it was made, so the plugin is
// there: the broker is down or restarting. What the tap left stops by
// itself once the broker is back (see restartSafety).
func brokerGone(err error) error {
	var u *broker.UnreachableAPI
	where := "the management API"
	if errors.As(err, &u) {
		where = "the management API at " + u.APIs
	}
	return fmt.Errorf("%s stopped answering (%v): the broker is down or restarting, so nothing could be removed now; once it is back the tap's shovel stops and its queues go by themselves", where, broker.RootCause(err))
}

// removeGeneration deletes the source and heartbeat queues of an earlier
// generation as soon as the tap moves on, so they stop receiving copies
// at once rather than when they expire. Failures do not matter: a queue on
// a node that is down expires once its node is back.
func (r shovelRoute) removeGeneration(gen int) {
	s := r.s
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	for i := range s.points {
		for _, q := range []string{s.names.SourceQueueOf(gen, i), s.names.HeartbeatOf(gen, i)} {
			_ = s.admin.DeleteQueue(ctx, s.cfg.Endpoint.Vhost, q)
		}
	}
}
