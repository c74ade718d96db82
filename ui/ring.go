package ui

// ring keeps the last cap entries in arrival order. It grows up to its
// capacity and then overwrites the oldest entry.
type ring struct {
	buf   []*entry
	start int // index of the oldest entry once the buffer is full
	cap   int
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]*entry, 0, min(capacity, 4096)), cap: capacity}
}

func (r *ring) len() int { return len(r.buf) }

// at returns the i-th retained entry, 0 being the oldest.
func (r *ring) at(i int) *entry {
	return r.buf[(r.start+i)%len(r.buf)]
}

// push appends e and returns the entry it evicted, if any.
func (r *ring) push(e *entry) (evicted *entry) {
	if len(r.buf) < r.cap {
		r.buf = append(r.buf, e)
		return nil
	}
	evicted = r.buf[r.start]
	r.buf[r.start] = e
	r.start = (r.start + 1) % r.cap
	return evicted
}
