// Package metrics counts what a tap sees, for Prometheus: messages and
// bytes by source and format, by routing key and by Celery task or oslo
// method (each bounded to the top N keys plus "other"), decode errors,
// messages dropped and sampled away, reconnects and their gaps, the tap's
// up-time, and the publish-to-tap latency of messages that carry a
// timestamp. It is fed plain tap.Batch values from the pipeline (Observe,
// or Tee on the batch channel) and serves them through Handler.
package metrics

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoveltap/shoveltap/tap"
)

// DefaultTopN is how many routing keys and task names get series of their own.
const DefaultTopN = 20

// MaxTopN bounds Config.TopN: each message that is not among the top N
// compares itself with every promoted key.
const MaxTopN = 1000

// Config tunes a Collector.
type Config struct {
	// TopN is how many routing keys, and how many task names or methods,
	// get series of their own; the rest are counted as "other". 0 means
	// DefaultTopN; negative means none (everything is "other").
	TopN int
	// Now is the clock (time.Now when nil), for tests.
	Now func() time.Time
}

// LatencyBuckets are the publish-to-tap latency histogram's upper bounds,
// in seconds.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Collector holds a tap's metrics. It is safe for concurrent use: the
// pipeline feeds it while scrapes read it.
type Collector struct {
	now func() time.Time
	reg *prometheus.Registry

	messages    *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	decodeErrs  *prometheus.CounterVec
	gapSeconds  *prometheus.CounterVec
	gaps        *prometheus.CounterVec
	latency     prometheus.Histogram
	dropped     prometheus.Counter
	sampledAway prometheus.Counter
	reconnects  prometheus.Counter

	mu       sync.Mutex
	keys     *topN
	tasks    map[string]*topN // by kind: "celery", "oslo"
	upSince  time.Time        // zero while the tap is not running
	last     tap.Status       // the last status seen, for the deltas of its running totals
	haveLast bool
}

// New builds a Collector with its own registry (no process or Go metrics:
// those belong to whoever embeds shoveltap).
func New(cfg Config) *Collector {
	n := cfg.TopN
	switch {
	case n == 0:
		n = DefaultTopN
	case n < 0:
		n = 0
	case n > MaxTopN:
		n = MaxTopN
	}
	c := &Collector{
		now:   cfg.Now,
		reg:   prometheus.NewRegistry(),
		keys:  newTopN(n),
		tasks: map[string]*topN{"celery": newTopN(n), "oslo": newTopN(n)},
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoveltap_messages_total", Help: "Messages the tap received, by source and decoded format.",
	}, []string{"source", "format"})
	c.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoveltap_message_bytes_total", Help: "Body bytes the tap received, by source and decoded format.",
	}, []string{"source", "format"})
	c.decodeErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoveltap_decode_errors_total", Help: "Messages whose body could not be decoded as their headers say, by format shown instead.",
	}, []string{"format"})
	c.gapSeconds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoveltap_gap_seconds_total", Help: "Seconds in which the tap copied nothing of a source, by reason (sampling, reconnect).",
	}, []string{"reason"})
	c.gaps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoveltap_gaps_total", Help: "Stretches of time in which the tap copied nothing of a source, by reason.",
	}, []string{"reason"})
	c.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "shoveltap_publish_latency_seconds",
		Help:    "From the message's timestamp (timestamp_in_ms header, else the timestamp property, whole seconds) to the tap receiving it.",
		Buckets: LatencyBuckets,
	})
	c.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "shoveltap_dropped_total", Help: "Messages the tap's bounded queues discarded because shoveltap did not keep up (from the management API, lags a few seconds).",
	})
	c.sampledAway = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "shoveltap_sampled_away_total", Help: "Messages estimated not copied because of the --max-rate budget.",
	})
	c.reconnects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "shoveltap_reconnects_total", Help: "Times the tap was re-created after losing its connection or shovel.",
	})
	c.reg.MustRegister(c.messages, c.bytes, c.decodeErrs, c.gapSeconds, c.gaps, c.latency,
		c.dropped, c.sampledAway, c.reconnects, topCollector{c})
	return c
}

// Registry is the collector's registry, for a caller that serves it with
// other metrics.
func (c *Collector) Registry() *prometheus.Registry { return c.reg }

// Handler serves the metrics in Prometheus's text format (or OpenMetrics
// when asked). Put it behind the web monitor's checks (web.Guard) before
// serving it off loopback.
func (c *Collector) Handler() http.Handler {
	return promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{Registry: c.reg, EnableOpenMetrics: true})
}

// Observe counts one batch: its messages and the tap's status.
func (c *Collector) Observe(b tap.Batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range b.Messages {
		c.message(&b.Messages[i])
	}
	c.status(b.Status)
}

func (c *Collector) message(m *tap.Message) {
	if g := m.Gap; g != nil && g.To.After(g.From) {
		c.gaps.WithLabelValues(string(g.Reason)).Inc()
		c.gapSeconds.WithLabelValues(string(g.Reason)).Add(g.To.Sub(g.From).Seconds())
	}
	if m.Delivery != nil {
		return // the firehose's report of a delivery, not a message published
	}
	res := m.Read().Decoded // no fields wanted: the decoder is not asked again
	size := m.Size()
	c.messages.WithLabelValues(m.Source, res.Format).Inc()
	c.bytes.WithLabelValues(m.Source, res.Format).Add(float64(size))
	if decodeFailed(res.Notes) {
		c.decodeErrs.WithLabelValues(res.Format).Inc()
	}
	c.keys.add(m.RoutingKey, size)
	switch {
	case strings.HasPrefix(res.Format, "celery") && res.Terms["task"] != "":
		c.tasks["celery"].add(res.Terms["task"], size)
	case strings.HasPrefix(res.Format, "oslo") && res.Terms["method"] != "":
		c.tasks["oslo"].add(res.Terms["method"], size)
	}
	if sent, ok := Timestamp(*m); ok && !m.Time.IsZero() {
		// A sender's clock ahead of ours would give a negative latency;
		// it is counted as none rather than left out.
		c.latency.Observe(max(m.Time.Sub(sent).Seconds(), 0))
	}
}

// status turns the status's running totals into counter increments. A
// total below the last one seen is a new session's: counted from zero.
func (c *Collector) status(st tap.Status) {
	prev := c.last
	if !c.haveLast {
		prev = tap.Status{}
	}
	c.dropped.Add(float64(delta(prev.Dropped, st.Dropped)))
	c.sampledAway.Add(float64(delta(prev.Budget.SampledAway, st.Budget.SampledAway)))
	c.reconnects.Add(float64(delta(uint64(max(prev.Reconnects, 0)), uint64(max(st.Reconnects, 0)))))
	c.last, c.haveLast = st, true
	switch {
	case st.State == tap.StateRunning && c.upSince.IsZero():
		c.upSince = c.now()
	case st.State != tap.StateRunning:
		c.upSince = time.Time{}
	}
}

func delta(prev, cur uint64) uint64 {
	if cur < prev {
		return cur
	}
	return cur - prev
}

// decodeFailures are how the decoders' notes begin when a body could not
// be read as its headers say (tap/decode keeps no separate flag).
var decodeFailures = []string{
	"could not decode", "could not decompress", "content type says JSON but",
	"body_encoding base64 but", "body is not Celery's", "MassTransit content type but",
}

func decodeFailed(notes []string) bool {
	for _, n := range notes {
		for _, p := range decodeFailures {
			if strings.HasPrefix(n, p) {
				return true
			}
		}
	}
	return false
}

// topCollector reports the bounded series and the up-time, read under
// the collector's lock at scrape time.
type topCollector struct{ c *Collector }

var (
	keyMessagesDesc = prometheus.NewDesc("shoveltap_routing_key_messages_total",
		"Messages by routing key: the top N keys, the rest as \"other\".", []string{"routing_key"}, nil)
	keyBytesDesc = prometheus.NewDesc("shoveltap_routing_key_bytes_total",
		"Body bytes by routing key: the top N keys, the rest as \"other\".", []string{"routing_key"}, nil)
	taskMessagesDesc = prometheus.NewDesc("shoveltap_task_messages_total",
		"Celery task messages by task name, oslo.messaging messages by method: the top N of each kind, the rest as \"other\".", []string{"kind", "name"}, nil)
	upDesc = prometheus.NewDesc("shoveltap_tap_up",
		"1 while the tap is running, 0 while it is starting, reconnecting or stopped.", nil, nil)
	uptimeDesc = prometheus.NewDesc("shoveltap_tap_uptime_seconds",
		"Seconds since the tap last started running; 0 while it is not.", nil, nil)
)

func (t topCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- keyMessagesDesc
	ch <- keyBytesDesc
	ch <- taskMessagesDesc
	ch <- upDesc
	ch <- uptimeDesc
}

func (t topCollector) Collect(ch chan<- prometheus.Metric) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys.each(func(key string, n counter) {
		ch <- prometheus.MustNewConstMetric(keyMessagesDesc, prometheus.CounterValue, n.messages, key)
		ch <- prometheus.MustNewConstMetric(keyBytesDesc, prometheus.CounterValue, n.bytes, key)
	})
	for kind, top := range c.tasks {
		top.each(func(name string, n counter) {
			ch <- prometheus.MustNewConstMetric(taskMessagesDesc, prometheus.CounterValue, n.messages, kind, name)
		})
	}
	up, uptime := 0.0, 0.0
	if !c.upSince.IsZero() {
		up, uptime = 1, c.now().Sub(c.upSince).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(uptimeDesc, prometheus.GaugeValue, uptime)
}
