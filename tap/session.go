package tap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Config says what to tap and how.
type Config struct {
	Endpoint broker.Endpoint
	Sources  []Source
	Limits   Limits
	// Prefetch bounds the deliveries in flight to shoveltap; it is also the
	// most messages shoveltap holds before the UI has taken them.
	Prefetch int
	// ShovelPrefetch and AckMode tune the shovel (see shovelDefinition);
	// an empty AckMode is the protocol's default. ShovelPrefetch applies
	// to an amqp091 shovel only.
	ShovelPrefetch int
	AckMode        string
	// ShovelProtocol is ShovelAuto (or empty), ShovelLocal or
	// ShovelAMQP091; Open resolves auto by the broker's version.
	ShovelProtocol string
	// NoShovel binds shoveltap's exclusive queue straight to the sources:
	// no shovel, no policymaker tag needed, crash-safe by construction
	// (the queue and its bindings die with the connection).
	NoShovel bool
	// Firehose taps queues through the vhost's tracing (turning it on if
	// needed), which also shows what is published straight to a queue
	// through the default exchange. Warn hears about the cost first.
	Firehose bool
	// Deliveries, with Firehose, also taps the firehose's deliver events
	// of the queues: which consumer got each message (Message.Delivery).
	Deliveries bool
	Warn       func(string)
	// TapEndpoint, when set, is another broker where the tap queue and the
	// consumer live (--tap-url), so the tracer's load never lands on the
	// tapped broker; the shovel carries the messages across.
	TapEndpoint *broker.Endpoint
	// Reconnect re-creates the tap when the broker connection drops; when
	// false the session fails instead.
	Reconnect    bool
	Host         string        // for names; the machine's host name when empty
	Tick         time.Duration // batch cadence; 50 ms when zero
	StartTimeout time.Duration // how long a shovel may take to start; 15 s when zero
	// MonitorEvery is how often the shovel state and queue counters are read.
	MonitorEvery time.Duration
	// NoDiscovery keeps the tap on the nodes given, not also on the
	// cluster's other nodes that the management API lists.
	NoDiscovery bool
	// MaxRate is copied messages per second, 0 for no limit (see
	// budget.go); an environment's max-rate sets it.
	MaxRate int
	// From is where a stream source starts (--from); other sources keep
	// no history and refuse anything but FromNext (see stream.go).
	From From

	failAt string // tests: fail the establish step whose description starts so
	// tests: establish deletes the first source queue just before it
	// creates the shovel, as a queue lost while the shovel starts would be
	loseSource bool
}

// AckModes are the shovel ack modes shoveltap accepts.
var AckModes = []string{"on-publish", "on-confirm", "no-ack"}

func (c *Config) applyDefaults() error {
	if len(c.Sources) == 0 {
		return errors.New("nothing to tap: give --exchange or --queue")
	}
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits
	}
	if c.Limits.MaxLength <= 0 || c.Limits.MaxBytes <= 0 || c.Limits.Expires < time.Millisecond {
		return fmt.Errorf("tap limits must be positive (max length %d, max bytes %d, expires %s)", c.Limits.MaxLength, c.Limits.MaxBytes, c.Limits.Expires)
	}
	if c.MaxRate < 0 {
		return fmt.Errorf("max rate %d: give copied messages per second, or 0 for no limit", c.MaxRate)
	}
	if c.Prefetch <= 0 {
		c.Prefetch = DefaultPrefetch
	}
	if c.ShovelPrefetch <= 0 {
		c.ShovelPrefetch = DefaultShovelPrefetch
	}
	if c.ShovelProtocol != "" && !contains(ShovelProtocols, c.ShovelProtocol) {
		return fmt.Errorf("unknown shovel protocol %q: use one of %s", c.ShovelProtocol, strings.Join(ShovelProtocols, ", "))
	}
	if c.AckMode != "" && !contains(AckModes, c.AckMode) {
		return fmt.Errorf("unknown shovel ack mode %q: use one of %s", c.AckMode, strings.Join(AckModes, ", "))
	}
	if c.Deliveries && !c.Firehose {
		return errors.New("--deliveries shows the firehose's deliver events of tapped queues: add --firehose (with --queue)")
	}
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	if c.Tick <= 0 {
		c.Tick = 50 * time.Millisecond
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 15 * time.Second
	}
	if c.MonitorEvery <= 0 {
		c.MonitorEvery = 2 * time.Second
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Session is one running tap: its broker objects, its connection and the
// stream of batches it feeds.
type Session struct {
	cfg      Config
	admin    *broker.Admin
	tapAdmin *broker.Admin // the tap broker's API; admin when it is the same
	names    Names
	info     broker.BrokerInfo
	points   []tapPoint // resolved sources; index i names <base>-src-i etc.
	stream   *streamTap // a stream read directly, instead of points
	route    route      // how copies reach this process (route.go)
	links    links      // published messages, for the deliveries to name (Config.Deliveries)
	// Notes tell the user what the tap cannot see (e.g. default-exchange
	// traffic of a queue), to show beside the stream.
	Notes []string
	// Swept lists leftovers of crashed sessions removed while opening.
	Swept []string

	out    chan Batch
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status Status
	link   *link
	// nextGen numbers the next set of source and heartbeat queues; node
	// and tapNode are the nodes (indexes in Endpoint.Nodes) to try first.
	nextGen       int
	node, tapNode int
	// statsOff: the broker collects no message statistics (RabbitMQ 4
	// with management_metrics_collection denied), so drops are unknown.
	statsOff bool
	drops    *dropCount // what the bounded queues dropped (drops.go)
	// seenByQueue counts, per tapped production queue, what the tap
	// received for it, to compare with the queue's own publish rate.
	seenByQueue map[string]uint64

	closeOnce sync.Once
	closeErr  error
}

// Open checks the broker, removes leftovers of crashed taps, creates the tap
// and waits until it runs. On any error nothing of the tap is left behind;
// a missing tag or permission is named with the command that grants it.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	// Every refusal met on the way names all that this tap needs, from
	// where it is made.
	needs := cfg.needsOf
	cfg.Endpoint.Needs = needs
	if cfg.TapEndpoint != nil {
		t := *cfg.TapEndpoint
		t.Needs = needs
		cfg.TapEndpoint = &t
	}
	return open(ctx, cfg)
}

func open(ctx context.Context, cfg Config) (*Session, error) {
	s, release, err := preflight(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer release()
	s.route = pickRoute(s)
	s.sweep(ctx)
	l, err := s.route.establish(ctx)
	if err != nil {
		return nil, err
	}
	s.link = l
	s.setState(StateRunning, "")
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(runCtx, l)
	if s.admin != nil && s.stream == nil {
		go s.monitor(runCtx)
	}
	return s, nil
}

// sweep removes what crashed taps left on the vhost before this one is
// made, and turns off a firehose that no live tap uses.
func (s *Session) sweep(ctx context.Context) {
	admin := s.admin
	if admin == nil {
		return // nothing to sweep with
	}
	orphans, err := FindOrphans(ctx, admin, s.cfg.Endpoint.Vhost)
	if err != nil {
		return
	}
	if did, err := ReleaseFirehose(ctx, admin, s.cfg.Endpoint.Vhost, "", true); err == nil {
		s.Notes = append(s.Notes, did...)
	}
	for _, o := range orphans {
		if err := o.Remove(ctx, admin); err == nil {
			s.Swept = append(s.Swept, o.Base)
		}
	}
}

// bound reports whether the tap queue is bound straight to the sources
// (every route but the shovel's).
func (s *Session) bound() bool { return !s.route.shovelled() }

// Names returns the broker-side names of this session.
func (s *Session) Names() Names { return s.names }

// Batches is what the pipeline (tap/pipeline) reads: a batch per tick.
// It is closed when the session stops or fails.
func (s *Session) Batches() <-chan Batch { return s.out }

// Status returns a snapshot of the tap's status.
func (s *Session) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Sources = append([]string(nil), st.Sources...)
	st.Notes = append([]string(nil), st.Notes...)
	return st
}

func (s *Session) setState(state State, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.State = state
	s.status.Detail = detail
}

// Close removes everything the session created on the broker. It is safe to
// call more than once and from any goroutine; ctx bounds the removal.
func (s *Session) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.setState(StateStopping, "")
		if s.cancel != nil {
			s.cancel()
			select {
			case <-s.done:
			case <-ctx.Done():
			}
		}
		s.mu.Lock()
		l := s.link
		s.link = nil
		s.mu.Unlock()
		errs := s.route.remove(ctx, l)
		if len(errs) > 0 {
			s.closeErr = fmt.Errorf("removing tap %s: %w", s.names.Base, errors.Join(errs...))
			s.setState(StateFailed, s.closeErr.Error())
			return
		}
		s.setState(StateStopped, "")
	})
	return s.closeErr
}
