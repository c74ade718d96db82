package web

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// intakeBatches is how many batches may wait for the hub's goroutine
// before Publish starts dropping them (about three seconds of ticks).
const intakeBatches = 64

// item is one retained message, decoded once for every page, or a marker
// saying how many messages the hub itself could not take in.
type item struct {
	id   uint64      // the hub's own sequence: increasing across tap sessions
	msg  tap.Message // with its Reading
	row  []byte      // the row's JSON with its id, sent as is to every page
	lost uint64      // a marker: messages dropped at the intake before this point
}

// hub retains the tap's messages for the pages: a bounded ring of decoded
// messages with consecutive ids, and the tap's latest status. Pages read
// it at their own pace (see viewer); nothing in it waits for a page.
type hub struct {
	in chan tap.Batch

	mu       sync.Mutex
	ring     []*item // circular, oldest at start
	start    int
	count    int
	bytes    int64 // body bytes retained
	maxBytes int64
	nextID   uint64 // id of the next item
	status   tap.Status
	version  uint64        // bumped on every change
	changed  chan struct{} // closed (and replaced) on every change

	readHere    atomic.Uint64 // messages that came without a reading: read here
	evicted     atomic.Uint64 // pushed out of the ring by newer messages
	intakeLost  atomic.Uint64 // dropped by Publish: the hub fell behind
	pendingLost atomic.Uint64 // dropped and not yet marked in the ring
	skipped     atomic.Uint64 // not sent to some page: it fell behind
	viewers     atomic.Int64

	life *lifeState // the lifecycles section's model (lifecycle.go)

	scratch []byte // the row being encoded; only take uses it

	quit     chan struct{} // closed by stop
	stopOnce sync.Once
	done     chan struct{} // closed when run returns
}

func newHub(retain int, maxBytes int64) *hub {
	h := &hub{
		in:       make(chan tap.Batch, intakeBatches),
		ring:     make([]*item, retain),
		maxBytes: maxBytes,
		nextID:   1,
		changed:  make(chan struct{}),
		status:   tap.Status{State: tap.StateStarting},
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		life:     newLifeState(),
	}
	go h.run()
	return h
}

// publish hands a batch to the hub without ever waiting: when the hub is
// behind, the batch's messages are counted as lost and marked in the
// stream, and only its status is kept.
func (h *hub) publish(b tap.Batch) {
	select {
	case <-h.quit:
		return
	default:
	}
	select {
	case h.in <- b:
	default:
		if n := uint64(len(b.Messages)); n > 0 {
			h.intakeLost.Add(n)
			h.pendingLost.Add(n)
		}
	}
}

// stop ends the hub's goroutine; later batches are ignored. The in
// channel is never closed, so that a late publish cannot panic.
func (h *hub) stop() {
	h.stopOnce.Do(func() { close(h.quit) })
	<-h.done
}

func (h *hub) run() {
	defer close(h.done)
	for {
		var b tap.Batch
		select {
		case <-h.quit:
			return
		case b = <-h.in:
		}
		h.take(b)
	}
}

// take numbers and encodes a batch's messages and adds them. Only the
// hub's goroutine calls it, and so only it moves nextID: the ids read here
// are the ones the items get. Each row is encoded once, outside the lock
// (pages keep reading meanwhile), with its id: every page sends the same
// bytes.
func (h *hub) take(b tap.Batch) {
	h.mu.Lock()
	id := h.nextID
	h.mu.Unlock()
	items := make([]*item, 0, len(b.Messages)+1)
	if n := h.pendingLost.Swap(0); n > 0 {
		items = append(items, &item{id: id, lost: n, row: withID(nil, id, markerJSON(n, reasonWeb))})
		id++
	}
	// One allocation for the batch's items: they are evicted together.
	slab := make([]item, len(b.Messages))
	for i, m := range b.Messages {
		if m.Reading == nil {
			h.readHere.Add(1)
		}
		// The pipeline's reading; one is made only for a message that
		// did not pass through it.
		m.Reading = m.Read()
		h.scratch = appendRow(h.scratch[:0], id, m, m.Reading)
		slab[i] = item{id: id, msg: m, row: bytes.Clone(h.scratch)}
		items = append(items, &slab[i])
		id++
	}
	h.add(items, b.Status)
	h.life.feed(items)
}

// add appends items, numbered from nextID on (take numbers them),
// evicting the oldest beyond the ring's size or the byte budget, and wakes
// every page.
func (h *hub) add(items []*item, st tap.Status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, it := range items {
		h.nextID = it.id + 1
		if h.count == len(h.ring) {
			h.evictOldest()
		}
		h.ring[(h.start+h.count)%len(h.ring)] = it
		h.count++
		h.bytes += int64(len(it.msg.Body))
		// Keep the newest message even when it alone is over budget.
		for h.bytes > h.maxBytes && h.count > 1 {
			h.evictOldest()
		}
	}
	h.status = st
	h.version++
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *hub) evictOldest() {
	old := h.ring[h.start]
	h.ring[h.start] = nil
	h.start = (h.start + 1) % len(h.ring)
	h.count--
	h.bytes -= int64(len(old.msg.Body))
	if old.lost == 0 {
		h.evicted.Add(1)
	}
}

// oldestID is the id of the oldest retained item (nextID when empty).
// Callers hold mu.
func (h *hub) oldestID() uint64 { return h.nextID - uint64(h.count) }

// at returns the item with id, which callers checked is retained.
func (h *hub) at(id uint64) *item {
	return h.ring[(h.start+int(id-h.oldestID()))%len(h.ring)]
}

// since appends to items up to max items from id on, and returns them,
// how many items before them were evicted unseen (id was older than the
// oldest retained), and the channel closed at the next change.
func (h *hub) since(items []*item, id uint64, max int) (_ []*item, missed uint64, changed <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	oldest := h.oldestID()
	if id < oldest {
		missed = oldest - id
		id = oldest
	}
	for end := len(items) + max; id < h.nextID && len(items) < end; id++ {
		items = append(items, h.at(id))
	}
	return items, missed, h.changed
}

// historyStart is the id from which a new page is sent rows: far
// enough back that it gets the last n retained messages matching m.
func (h *hub) historyStart(m filter.Matcher, n int) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.nextID
	for found := 0; id > h.oldestID() && found < n; {
		id--
		it := h.at(id)
		if it.lost == 0 && m.Match(&it.msg.Reading.Subject) {
			found++
		}
	}
	return id
}

// message returns the retained message with id.
func (h *hub) message(id uint64) (tap.Message, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if id < h.oldestID() || id >= h.nextID {
		return tap.Message{}, false
	}
	it := h.at(id)
	return it.msg, it.lost == 0
}

// snapshot is the hub's state for a status event.
type snapshot struct {
	status            tap.Status
	version           uint64
	retained          int
	nextID            uint64
	evicted, lost     uint64
	skipped, viewers  uint64
	retainedBodyBytes int64
}

func (h *hub) snapshot() snapshot {
	h.mu.Lock()
	s := snapshot{status: h.status, version: h.version, retained: h.count, nextID: h.nextID, retainedBodyBytes: h.bytes}
	h.mu.Unlock()
	s.evicted = h.evicted.Load()
	s.lost = h.intakeLost.Load()
	s.skipped = h.skipped.Load()
	s.viewers = uint64(h.viewers.Load())
	return s
}

// Reasons a marker gives for messages a page did not get.
const (
	reasonWeb  = "web"  // the web monitor itself fell behind the tap
	reasonPage = "page" // this page fell behind and they were evicted
)

func markerJSON(n uint64, reason string) []byte {
	b, _ := json.Marshal(struct {
		Skipped uint64 `json:"skipped"`
		Reason  string `json:"reason"`
	}{n, reason})
	return b
}
