package tap

import "time"

// dropCount works out what the tap's bounded queues dropped from their
// head, from samples of the management API's counters (monitor.go reads
// them). The session's mu guards it: the pump notes heartbeats and
// messages, the monitor samples, the run loop banks.
type dropCount struct {
	// dropped is the last count per queue; banked holds counts of tap
	// queues that were re-created since.
	dropped       map[string]uint64
	banked        uint64
	lastSample    map[string]uint64    // each queue's previous raw figure
	wasFull       map[string]bool      // queues seen at least half full
	lastPublished map[string]int64     // each queue's previous publish counter
	publishedAt   map[string]time.Time // when it last moved by more than heartbeats
	sampledAt     map[string]time.Time // when the publish counter last changed at all
	// lastMessage is when the tap last received a message (heartbeats
	// aside): traffic the tap sees is traffic whatever the API's
	// statistics, which lag on a loaded broker, say.
	lastMessage time.Time
	heartbeats  map[int]uint64 // heartbeats back through source i's shovel
	// noise is how many heartbeats can pass through a queue between two
	// statistics samples that disagree: one settle period's worth for
	// each source, and a margin.
	noise uint64
}

func newDropCount(sources int) *dropCount {
	return &dropCount{
		dropped:       map[string]uint64{},
		lastSample:    map[string]uint64{},
		wasFull:       map[string]bool{},
		lastPublished: map[string]int64{},
		publishedAt:   map[string]time.Time{},
		sampledAt:     map[string]time.Time{},
		heartbeats:    map[int]uint64{},
		noise:         uint64(sources) * (uint64(statsSettle/HeartbeatEvery) + 2),
	}
}

// queueSample is one reading of a queue's counters.
type queueSample struct {
	dropped   uint64
	published int64
	full      bool // at least half full
}

// statsSettle is how long a queue's publish counter must stand still
// before its counters are taken as exact: two of the management API's
// default 5 s statistics intervals, and a margin.
const statsSettle = 11 * time.Second

// update takes a sample of each queue and returns the count of dropped
// messages so far.
func (c *dropCount) update(samples map[string]queueSample) uint64 {
	// Publish and ack counters are sampled at slightly different moments,
	// so while messages flow a sample can count publishes whose acks it
	// does not show yet, by as much as is in flight. So a queue's figure
	// counts only when it can be trusted: once a sample has seen the queue
	// at least half full (drops happen only at the bound), or when nothing
	// was published since the previous sample (the counters are then
	// exact). A real drop is cumulative: the smaller of the last two
	// samples keeps it and loses a one-off spike.
	for q, sample := range samples {
		d := sample.dropped
		if sample.full {
			c.wasFull[q] = true
		}
		prev, seen := c.lastSample[q]
		// Heartbeats keep trickling through the tap queue (one per
		// HeartbeatEvery); only more than that counts as traffic.
		allowance := int64(time.Since(c.sampledAt[q])/HeartbeatEvery) + 2
		if !seen || sample.published-c.lastPublished[q] > allowance {
			c.publishedAt[q] = time.Now()
		}
		if !seen || sample.published != c.lastPublished[q] {
			c.sampledAt[q] = time.Now()
		}
		// The API refreshes its statistics every few seconds (5 s by
		// default): "nothing published" means so over two refreshes.
		// A loaded broker can leave its statistics unrefreshed for longer
		// than that while messages flow, so the tap's own deliveries
		// must have stopped as long too.
		still := seen && time.Since(c.publishedAt[q]) > statsSettle && time.Since(c.lastMessage) > statsSettle
		c.lastSample[q] = d
		c.lastPublished[q] = sample.published
		if !seen || !(c.wasFull[q] || still) {
			continue
		}
		d = min(prev, d)
		// A queue drops only at its bound. One never seen half full can
		// show a few phantom drops: the heartbeats trickling through it
		// are in the publish counter of one statistics sample and not yet
		// in the ack or depth of another. Up to that many are noise.
		if !c.wasFull[q] && d <= c.noise {
			d = 0
		}
		c.dropped[q] = d
	}
	total := c.banked
	for _, d := range c.dropped {
		total += d
	}
	return total
}

// bank keeps queue q's count before the queue is re-created, its counters
// starting again from zero.
func (c *dropCount) bank(q string) {
	c.banked += c.dropped[q]
	delete(c.dropped, q)
	delete(c.lastSample, q)
	delete(c.wasFull, q)
	delete(c.lastPublished, q)
	delete(c.publishedAt, q)
	delete(c.sampledAt, q)
}
