package ui

import (
	"sort"

	"github.com/shoveltap/shoveltap/tap/filter"
)

// retained is the retained messages and where the user is in them: the ring,
// the entries that match the filter, the selection, following and pause.
//
// The selection and the scroll position are kept as sequence numbers, never
// as row indexes, so that eviction from the ring or a new filter never moves
// them to another message.
type retained struct {
	ring    *ring
	shown   []*entry // retained entries that match the filter, oldest first
	matcher filter.Matcher

	following bool   // the newest row is selected and kept in view
	selSeq    uint64 // the selected message when not following
	topSeq    uint64 // the first message drawn when not following

	paused    bool
	frozenSeq uint64 // when paused, the newest message on display
	newPaused uint64 // arrivals since the pause

	received uint64      // messages handed to the UI
	routes   routeCounts // unroutable messages and dead letters seen (ui/routing.go)
	edges    edgeCounts  // messages per binding of the routing model (ui/topology.go)
	evicted  uint64      // pushed out of the ring
	lastSeq  uint64
}

func newRetained(retain int) *retained {
	return &retained{ring: newRing(retain), following: true}
}

// ingest adds a batch of entries. Only the new ones are tested against the
// filter.
func (s *retained) ingest(entries []*entry) {
	for _, e := range entries {
		if e.msg.CountOnly {
			s.count(e)
			continue
		}
		if e.msg.Delivery != nil {
			s.linkDelivery(e)
		}
		s.tally(e)
		if old := s.ring.push(e); old != nil {
			old.evicted = true
			s.evicted++
		}
		if s.matcher.Match(&e.r.Subject) {
			s.shown = append(s.shown, e)
		}
	}
	s.dropEvicted()
}

// count takes a message that is never shown (tap.Message.CountOnly: a
// capture's line before the ones `shoveltap open` keeps) as if it had
// passed through the ring and been pushed out: counted, and gone.
func (s *retained) count(e *entry) {
	s.tally(e)
	s.evicted++
}

// tally counts a message that arrives, shown or not.
func (s *retained) tally(e *entry) {
	s.received++
	s.routes.count(e.r)
	s.edges.count(e.r)
	s.lastSeq = e.msg.Seq
	if s.paused {
		s.newPaused++
	}
}

// dropEvicted removes evicted entries from the front of shown. Evicted
// entries are always the oldest, so they are all at the front.
func (s *retained) dropEvicted() {
	n := 0
	for n < len(s.shown) && s.shown[n].evicted {
		s.shown[n] = nil // let the entry be collected
		n++
	}
	s.shown = s.shown[n:]
}

// setFilter replaces the matcher and tests the retained messages again:
// only those shown now when the new query narrows the old one (the user
// typed on), every one otherwise.
func (s *retained) setFilter(m filter.Matcher) {
	if m.Narrows(s.matcher) {
		shown := s.shown[:0]
		for _, e := range s.shown {
			if m.Match(&e.r.Subject) {
				shown = append(shown, e)
			}
		}
		clear(s.shown[len(shown):]) // let dropped entries be collected
		s.shown = shown
		s.matcher = m
		return
	}
	s.matcher = m
	shown := make([]*entry, 0, min(s.ring.len(), 1024))
	for i := range s.ring.len() {
		if e := s.ring.at(i); m.Match(&e.r.Subject) {
			shown = append(shown, e)
		}
	}
	s.shown = shown
}

// setFiltered installs the entries a matcher picked from the messages up
// to upTo (computed elsewhere) and tests the ones that arrived since.
func (s *retained) setFiltered(m filter.Matcher, shown []*entry, upTo uint64) {
	first := s.ring.len()
	for first > 0 && s.ring.at(first-1).msg.Seq > upTo {
		first--
	}
	for i := first; i < s.ring.len(); i++ {
		if e := s.ring.at(i); m.Match(&e.r.Subject) {
			shown = append(shown, e)
		}
	}
	s.matcher = m
	s.shown = shown
	s.dropEvicted()
}

// limit is the number of shown entries on display: all of them, or when
// paused those that had arrived at the pause.
func (s *retained) limit() int {
	if !s.paused {
		return len(s.shown)
	}
	return s.indexAfter(s.frozenSeq)
}

// indexOf returns the index of the first shown entry whose Seq is at least
// seq.
func (s *retained) indexOf(seq uint64) int {
	return sort.Search(len(s.shown), func(i int) bool { return s.shown[i].msg.Seq >= seq })
}

// indexAfter returns the index of the first shown entry whose Seq is above
// seq.
func (s *retained) indexAfter(seq uint64) int {
	return sort.Search(len(s.shown), func(i int) bool { return s.shown[i].msg.Seq > seq })
}

// selected returns the index in shown of the selected entry, or -1 when
// nothing is on display. A selected message that was evicted or filtered
// out gives way to the next one on display, or the last one.
func (s *retained) selected() int {
	n := s.limit()
	if n == 0 {
		return -1
	}
	if s.following {
		return n - 1
	}
	return min(s.indexOf(s.selSeq), n-1)
}

func (s *retained) selectedEntry() *entry {
	if i := s.selected(); i >= 0 {
		return s.shown[i]
	}
	return nil
}

// top returns the index of the first row to draw in a table of rows rows,
// keeping the selection in view and the table full when it can be.
func (s *retained) top(rows int) int {
	n := s.limit()
	sel := s.selected()
	switch {
	case sel < 0:
		return 0
	case rows <= 0:
		return sel // no table on screen: nothing to keep in view
	case s.following:
		return max(0, n-rows)
	}
	top := min(s.indexOf(s.topSeq), n-1)
	if sel < top {
		top = sel
	}
	if sel >= top+rows {
		top = sel - rows + 1
	}
	return max(0, min(top, n-rows))
}

// settle records the selection and scroll position as sequence numbers
// after anything that may have moved them.
func (s *retained) settle(rows int) {
	i := s.selected()
	if i < 0 {
		return
	}
	s.selSeq = s.shown[i].msg.Seq
	// With the table hidden (detail pane full screen) keep the old scroll
	// position, so that the table comes back as it was left.
	if rows > 0 {
		s.topSeq = s.shown[s.top(rows)].msg.Seq
	}
}

// move moves the selection by delta rows and stops following.
func (s *retained) move(delta, rows int) {
	sel := s.selected()
	if sel < 0 {
		return
	}
	s.settle(rows)
	s.following = false
	sel = max(0, min(sel+delta, s.limit()-1))
	s.selSeq = s.shown[sel].msg.Seq
	s.settle(rows)
}

// home selects the oldest message on display.
func (s *retained) home(rows int) {
	if s.limit() == 0 {
		return
	}
	s.following = false
	s.selSeq = s.shown[0].msg.Seq
	s.settle(rows)
}

// follow selects the newest message and keeps it selected as more arrive.
func (s *retained) follow() { s.following = true }

// pin stops following and keeps the current selection.
func (s *retained) pin(rows int) {
	s.settle(rows)
	s.following = false
}

func (s *retained) togglePause() {
	s.paused = !s.paused
	s.frozenSeq = s.lastSeq
	s.newPaused = 0
}

// newer is how many messages on display are below the selection.
func (s *retained) newer() int {
	sel := s.selected()
	if sel < 0 {
		return 0
	}
	return s.limit() - 1 - sel
}
