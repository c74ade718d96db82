package metrics

import "container/heap"

// Other is the label value that stands for every key not among the top N.
const Other = "other"

// topN counts messages per key (a routing key, a task name) with a
// bounded number of series: at most n keys have a counter of their own,
// the rest are counted as Other. Which keys are the heavy ones is found
// with the Space-Saving algorithm (Metwally, Agrawal, El Abbadi 2005)
// over a fixed number of slots, so memory does not grow with the number
// of distinct keys.
//
// A key's own counter starts when it is promoted and is exact from then
// on; until then its messages are in Other. A key is promoted into a free
// place, or in place of the weakest promoted key once its guaranteed
// count (count minus the sketch's error) exceeds that key's estimate, so
// that two keys of about the same rate do not take turns. A demoted key's
// series is no longer reported and its count moves to Other: every series
// only ever grows, and the series always sum to the total.
type topN struct {
	n        int
	slots    slotHeap            // the sketch, a min-heap on count
	index    map[string]*slot    // key → its slot in the sketch
	promoted map[string]*counter // at most n keys with their own counters
	other    counter
}

type counter struct{ messages, bytes float64 }

type slot struct {
	key   string
	count uint64
	err   uint64 // overestimate inherited from the slot's previous key
	pos   int    // position in the heap
}

// sketchFactor slots per reported key: the sketch's error bound is
// total/slots, so more slots separate the top n from the rest better.
const sketchFactor = 10

// minSlots keeps the sketch useful for a small n.
const minSlots = 64

func newTopN(n int) *topN {
	size := max(n*sketchFactor, minSlots)
	return &topN{
		n:        n,
		slots:    make(slotHeap, 0, size),
		index:    make(map[string]*slot, size),
		promoted: make(map[string]*counter, n),
	}
}

// add counts one message of size bytes under key.
func (t *topN) add(key string, bytes int) {
	s := t.sketch(key)
	if c, ok := t.promoted[key]; ok {
		c.messages++
		c.bytes += float64(bytes)
		return
	}
	if t.n > 0 && t.promote(s) {
		c := t.promoted[key]
		c.messages++
		c.bytes += float64(bytes)
		return
	}
	t.other.messages++
	t.other.bytes += float64(bytes)
}

// sketch counts key in the Space-Saving sketch and returns its slot.
func (t *topN) sketch(key string) *slot {
	if s, ok := t.index[key]; ok {
		s.count++
		heap.Fix(&t.slots, s.pos)
		return s
	}
	if len(t.slots) < cap(t.slots) {
		s := &slot{key: key, count: 1}
		heap.Push(&t.slots, s)
		t.index[key] = s
		return s
	}
	// Replace the least counted key; the newcomer inherits its count as
	// the error bound.
	s := t.slots[0]
	delete(t.index, s.key)
	s.key, s.err = key, s.count
	s.count++
	t.index[key] = s
	heap.Fix(&t.slots, s.pos)
	return s
}

// promote gives s's key a counter of its own when there is room or when
// it is surely heavier than the weakest promoted key.
func (t *topN) promote(s *slot) bool {
	if len(t.promoted) < t.n {
		t.promoted[s.key] = &counter{}
		return true
	}
	// A key seen once for sure is no heavy hitter: without this, a
	// stream of distinct keys would take turns in the weakest place. It
	// also spares the scan below for most keys of a long tail.
	sure := s.count - s.err
	if sure < 2 {
		return false
	}
	weakest, weakestEst := "", ^uint64(0)
	for k := range t.promoted {
		est := uint64(0) // a promoted key that left the sketch is weakest of all
		if ps, ok := t.index[k]; ok {
			est = ps.count
		}
		if est < weakestEst {
			weakest, weakestEst = k, est
		}
	}
	if sure <= weakestEst {
		return false
	}
	// The demoted key's count goes to Other, so that the sum over the
	// series stays the total and every series only grows.
	w := t.promoted[weakest]
	t.other.messages += w.messages
	t.other.bytes += w.bytes
	delete(t.promoted, weakest)
	t.promoted[s.key] = &counter{}
	return true
}

// each calls f for every promoted key and then for Other.
func (t *topN) each(f func(key string, c counter)) {
	for k, c := range t.promoted {
		f(k, *c)
	}
	f(Other, t.other)
}

type slotHeap []*slot

func (h slotHeap) Len() int           { return len(h) }
func (h slotHeap) Less(i, j int) bool { return h[i].count < h[j].count }
func (h slotHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *slotHeap) Push(x any) {
	s := x.(*slot)
	s.pos = len(*h)
	*h = append(*h, s)
}
func (h *slotHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
