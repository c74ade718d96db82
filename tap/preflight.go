package tap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// preflight checks the broker and the configuration and resolves what to
// tap: everything before a route is picked. The connections it leaves open
// (release closes them) stay open while the tap is made, as probes that
// the tap's own names belong to a live session.
func preflight(ctx context.Context, cfg Config) (s *Session, release func(), err error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}
	defer func() {
		if err != nil {
			closeAll() // an error return has set release to nil
		}
	}()
	if err := cfg.applyDefaults(); err != nil {
		return nil, nil, err
	}
	names, err := NewNames(cfg.Host)
	if err != nil {
		return nil, nil, err
	}
	b, err := login(ctx, cfg, names)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, b.probe)
	if err := b.checkAPI(ctx, cfg); err != nil {
		return nil, nil, err
	}
	if b.admin != nil {
		if err := b.readOverview(ctx, &cfg, names); err != nil {
			return nil, nil, err
		}
	}
	stream, points, notes, err := resolveTap(ctx, cfg, b)
	if err != nil {
		return nil, nil, err
	}
	tapAdmin := b.admin
	if cfg.TapEndpoint != nil {
		a, probe, err := checkTapBroker(ctx, cfg, names)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, probe)
		tapAdmin = a
	}
	if err := settleShovel(&cfg, b.info.Version, stream != nil); err != nil {
		return nil, nil, err
	}
	return newSession(cfg, names, b, tapAdmin, stream, points, notes), closeAll, nil
}

// tappedBroker is what preflight learns of the tapped broker.
type tappedBroker struct {
	// admin is the management API; nil when a binding tap goes on
	// without it, for the reason unusable gives.
	admin    *broker.Admin
	unusable error
	lookup   sourceLookup // resolves sources: the API, or AMQP without it
	info     broker.BrokerInfo
	probe    *amqp.Connection // stays open while the tap is made
	node     int              // the node the probe reached
	statsOff bool             // no message statistics, so drops are unknown
	notes    []string
}

// login makes the management API's client and opens the probe
// connection. A login by x509 certificate, which the API does not take,
// goes on for a binding tap only.
func login(ctx context.Context, cfg Config, names Names) (*tappedBroker, error) {
	admin, apiErr := broker.NewAdmin(cfg.Endpoint)
	if apiErr != nil && !cfg.Endpoint.X509 {
		return nil, apiErr
	}
	// The AMQP login comes first: its error tells a wrong password apart
	// from a missing management tag, which the API's 401 cannot.
	probe, node, err := broker.DialNodes(ctx, cfg.Endpoint, names.Base+"-check", 0)
	if err != nil {
		return nil, err
	}
	if apiErr != nil && !cfg.NoShovel {
		_ = probe.Close()
		return nil, apiErr // x509 login: the API has none
	}
	return &tappedBroker{admin: admin, lookup: admin, probe: probe, node: node}, nil
}

// checkAPI learns the user and the broker through the management API and
// refuses a shovel tap to a user who may not create shovels. A binding
// tap needs no API: without one it carries on and resolves its sources
// over AMQP.
func (b *tappedBroker) checkAPI(ctx context.Context, cfg Config) error {
	var err error
	if b.admin == nil {
		// x509 login: the management API has no such login.
		err = errors.New("the login is by x509 certificate, which the management API does not take")
	} else {
		b.info, err = b.admin.Preflight(ctx)
	}
	switch {
	case err != nil && cfg.NoShovel:
		// No dropped counts, no sweep of leftovers, no --queue.
		b.notes = append(b.notes, fmt.Sprintf("management API not usable, so no dropped counts and no --queue (%v)", err))
		b.admin, b.unusable, b.statsOff = nil, err, true
		b.lookup = amqpLookup{conn: b.probe}
	case err != nil:
		return err
	case !cfg.NoShovel && !cfg.Firehose && !b.info.CanShovel():
		return cfg.Endpoint.Refused(&broker.Refusal{Doing: "creating the tap's shovel", Broker: cfg.Endpoint.Address(), User: b.info.User, Vhost: cfg.Endpoint.Vhost, Tag: "policymaker", Has: b.info.Tags})
	}
	return nil
}

// readOverview checks that the API and the probe reach the same broker,
// learns whether it keeps message statistics, and adds the cluster's
// other nodes to cfg's endpoint.
func (b *tappedBroker) readOverview(ctx context.Context, cfg *Config, names Names) error {
	ov, err := b.admin.Overview(ctx)
	if err != nil {
		return err
	}
	if err := broker.CheckSameBroker(ctx, b.admin, cfg.Endpoint.OnNode(b.node), b.probe, ov, names.Base+"-check", "--url"); err != nil {
		return err
	}
	b.statsOff = ov.DisableStats
	return b.discoverNodes(ctx, cfg, ov)
}

// discoverNodes adds the cluster's other nodes that the API lists to
// cfg's endpoint (unless --no-discovery), so that the tap can move to
// them, and makes the API client use them too.
func (b *tappedBroker) discoverNodes(ctx context.Context, cfg *Config, ov broker.Overview) error {
	// Without listeners in the overview, discovery asks /api/nodes,
	// which wants the monitoring tag: spare the broker log a refusal.
	if cfg.NoDiscovery || (len(ov.Listeners) == 0 && !broker.HasTag(b.info.Tags, "monitoring")) {
		return nil
	}
	more, apis := b.admin.ClusterNodes(ctx, cfg.Endpoint, ov)
	cfg.Endpoint.Alternates = append(cfg.Endpoint.Alternates, more...)
	cfg.Endpoint.AltAPIs = append(cfg.Endpoint.AltAPIs, apis...)
	if len(apis) == 0 {
		return nil
	}
	admin, err := broker.NewAdmin(cfg.Endpoint)
	if err != nil {
		return err
	}
	b.admin, b.lookup = admin, admin
	return nil
}

// resolveTap finds what to tap: a stream, read directly, or the points
// (exchanges and bindings) of the sources. Its notes (b's first) say what
// the tap cannot see.
func resolveTap(ctx context.Context, cfg Config, b *tappedBroker) (*streamTap, []tapPoint, []string, error) {
	stream, snotes, err := findStream(ctx, b.admin, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	notes := append(b.notes, snotes...)
	if stream != nil {
		return stream, nil, notes, nil // nothing to resolve
	}
	var points []tapPoint
	var more []string
	if cfg.Firehose {
		points, more, err = firehoseTap(ctx, cfg, b)
	} else {
		points, more, err = resolveSources(ctx, b.lookup, cfg.Endpoint.Vhost, cfg.Sources)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	notes = append(notes, more...)
	if len(points) == 0 {
		return nil, nil, nil, fmt.Errorf("nothing to tap: %s", strings.Join(notes, "; "))
	}
	return nil, points, notes, nil
}

// firehoseTap resolves the points of a --firehose tap: its queues' on the
// trace exchange, and the exchanges beside them bound as they are.
func firehoseTap(ctx context.Context, cfg Config, b *tappedBroker) ([]tapPoint, []string, error) {
	if b.admin == nil {
		return nil, nil, fmt.Errorf("--firehose needs the management API: %v", b.unusable)
	}
	vhost := cfg.Endpoint.Vhost
	queues, exchanges := splitSources(cfg.Sources)
	if len(queues) == 0 {
		// firehosePoints says why the firehose needs a queue.
		points, err := firehosePoints(ctx, b.admin, vhost, exchanges)
		return points, nil, err
	}
	points, err := firehosePoints(ctx, b.admin, vhost, queues)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Deliveries {
		addDeliveryBindings(points)
	}
	if len(exchanges) == 0 {
		return points, nil, nil
	}
	// Exchanges next to firehose queues (--celery: celeryev) are bound as
	// they are without the firehose.
	xp, notes, err := resolveSources(ctx, b.lookup, vhost, exchanges)
	return append(points, xp...), notes, err
}

// checkTapBroker checks --tap-url's broker before a tap goes there: the
// shovel can log in to it, its API answers, and it is not the tapped
// broker itself. The probe connection it returns stays open while the
// tap is made.
func checkTapBroker(ctx context.Context, cfg Config, names Names) (*broker.Admin, io.Closer, error) {
	if cfg.NoShovel || cfg.Firehose {
		return nil, nil, errors.New("--tap-url carries messages to another broker with a shovel: it cannot be combined with --no-shovel or --firehose")
	}
	if _, err := broker.ShovelURI(*cfg.TapEndpoint); err != nil {
		return nil, nil, err
	}
	if broker.ShovelHoldsPassword(*cfg.TapEndpoint) && cfg.Warn != nil {
		cfg.Warn(fmt.Sprintf("the tap's shovel definition on %s holds user %q's password for the tap broker %s in clear while the tap runs: whoever may read the vhost's runtime parameters (GET /api/parameters/shovel; policymaker and administrator users) can read it. Use a tap-broker user with access to nothing else, or an amqps:// --tap-url with --tap-shovel-cert so that the shovel logs in by x509 and no password is stored",
			cfg.Endpoint.Address(), cfg.TapEndpoint.User, cfg.TapEndpoint.Address()))
	}
	tapAdmin, err := broker.NewAdmin(*cfg.TapEndpoint)
	if err != nil {
		return nil, nil, err
	}
	tapProbe, tapNode, err := broker.DialNodes(ctx, *cfg.TapEndpoint, names.Base+"-check", 0)
	if err != nil {
		return nil, nil, fmt.Errorf("the tap broker (--tap-url): %w", err)
	}
	fail := func(err error) (*broker.Admin, io.Closer, error) {
		_ = tapProbe.Close()
		return nil, nil, err
	}
	if _, err := tapAdmin.Preflight(ctx); err != nil {
		return fail(fmt.Errorf("the tap broker (--tap-url): %w", err))
	}
	ov, err := tapAdmin.Overview(ctx)
	if err != nil {
		return fail(fmt.Errorf("the tap broker (--tap-url): %w", err))
	}
	if err := broker.CheckSameBroker(ctx, tapAdmin, cfg.TapEndpoint.OnNode(tapNode), tapProbe, ov, names.Base+"-check", "--tap-url"); err != nil {
		return fail(err)
	}
	return tapAdmin, tapProbe, nil
}

// settleShovel resolves a shovel tap's protocol for a broker of version,
// and the ack mode's default for the protocol.
func settleShovel(cfg *Config, version string, stream bool) error {
	if !cfg.NoShovel && !cfg.Firehose && !stream {
		protocol, err := shovelProtocolFor(*cfg, version)
		if err != nil {
			return err
		}
		cfg.ShovelProtocol = protocol
	}
	if cfg.AckMode == "" {
		cfg.AckMode = DefaultAckMode
		if cfg.ShovelProtocol == ShovelLocal {
			cfg.AckMode = DefaultLocalAckMode
		}
	}
	return nil
}

// newSession is the session that preflight resolved, starting.
func newSession(cfg Config, names Names, b *tappedBroker, tapAdmin *broker.Admin, stream *streamTap, points []tapPoint, notes []string) *Session {
	s := &Session{
		tapAdmin:    tapAdmin,
		points:      points,
		stream:      stream,
		Notes:       notes,
		cfg:         cfg,
		admin:       b.admin,
		names:       names,
		info:        b.info,
		node:        b.node,
		statsOff:    b.statsOff,
		out:         make(chan Batch), // unbuffered: a batch is acknowledged only once the reader took it
		drops:       newDropCount(len(points)),
		seenByQueue: map[string]uint64{},
		done:        make(chan struct{}),
	}
	s.status = Status{State: StateStarting, Broker: cfg.Endpoint.Address(), Vhost: cfg.Endpoint.Vhost, DroppedUnknown: b.statsOff}
	s.status.Sources = labels(points)
	if stream != nil {
		s.status.Sources = []string{stream.label}
		s.status.DroppedUnknown = false // the stream keeps everything; its own gaps are counted
		s.syncStreamStatus()
	}
	s.status.Notes = append([]string(nil), notes...)
	return s
}
