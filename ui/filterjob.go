package ui

import (
	"runtime"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap/filter"
)

// A filter change is applied at once while few messages need testing. With
// more, the keystroke only schedules the work: after a short pause in
// typing, a command tests the retained messages off the UI goroutine and
// hands the result back, so a keystroke never blocks a frame. The first
// free-text term makes each message's haystack (tap/reading), a few µs
// each: it goes off the UI goroutine from far fewer messages.
const (
	asyncFilterAt    = 20_000
	asyncFirstTextAt = 1_000
	filterDebounce   = 60 * time.Millisecond
)

// filterJob is the pending filter change, if any. gen numbers changes, so
// a result that a later keystroke made stale is dropped.
type filterJob struct {
	gen     uint64
	pending bool
	matcher filter.Matcher
	// syncBelow overrides asyncFilterAt (tests); 0 means the default.
	syncBelow int
}

type filterTickMsg struct{ gen uint64 }

type filterDoneMsg struct {
	gen     uint64
	matcher filter.Matcher
	shown   []*entry
	upTo    uint64 // the newest message the result covers
}

// change applies m now when that is cheap, or schedules it.
func (j *filterJob) change(s *retained, m filter.Matcher) tea.Cmd {
	j.gen++
	threshold := asyncFilterAt
	if m.SearchesText() && !s.matcher.SearchesText() {
		threshold = asyncFirstTextAt
	}
	if j.syncBelow > 0 {
		threshold = j.syncBelow
	}
	work := s.ring.len()
	if !j.pending && m.Narrows(s.matcher) {
		work = len(s.shown)
	}
	if work < threshold {
		j.pending = false
		s.setFilter(m)
		return nil
	}
	j.pending, j.matcher = true, m
	gen := j.gen
	return tea.Tick(filterDebounce, func(time.Time) tea.Msg { return filterTickMsg{gen: gen} })
}

// start takes a snapshot of what the pending filter must test, once typing
// paused, and tests it in a command.
func (j *filterJob) start(msg filterTickMsg, s *retained) tea.Cmd {
	if !j.pending || msg.gen != j.gen {
		return nil // typing went on: a later tick will start
	}
	m, gen := j.matcher, j.gen
	var pool []*entry
	if m.Narrows(s.matcher) {
		pool = append(pool, s.shown...)
	} else {
		pool = make([]*entry, 0, s.ring.len())
		for i := range s.ring.len() {
			pool = append(pool, s.ring.at(i))
		}
	}
	upTo := s.lastSeq
	// Entries are not changed after ingest, except their row cache and
	// eviction flag, which Match does not read.
	return func() tea.Msg {
		return filterDoneMsg{gen: gen, matcher: m, shown: matchAll(m, pool), upTo: upTo}
	}
}

// matchAll returns the entries of pool that m matches, in order. A large
// pool is tested on every CPU: the first free-text query makes each
// message's haystack (tap/reading SearchText), a few µs each.
func matchAll(m filter.Matcher, pool []*entry) []*entry {
	workers := min(runtime.GOMAXPROCS(0), len(pool)/parallelMatchAt)
	if workers <= 1 {
		shown := make([]*entry, 0, min(len(pool), 1024))
		for _, e := range pool {
			if m.Match(&e.r.Subject) {
				shown = append(shown, e)
			}
		}
		return shown
	}
	hit := make([]bool, len(pool))
	var wg sync.WaitGroup
	for w := range workers {
		part := pool[w*len(pool)/workers : (w+1)*len(pool)/workers]
		off := w * len(pool) / workers
		wg.Go(func() {
			for i, e := range part {
				hit[off+i] = m.Match(&e.r.Subject)
			}
		})
	}
	wg.Wait()
	shown := make([]*entry, 0, min(len(pool), 1024))
	for i, e := range pool {
		if hit[i] {
			shown = append(shown, e)
		}
	}
	return shown
}

// parallelMatchAt is the share of a pool worth a goroutine of its own.
const parallelMatchAt = 10_000

// finish installs a result that is still wanted, adding the messages that
// arrived while it was computed.
func (j *filterJob) finish(msg filterDoneMsg, s *retained) {
	if !j.pending || msg.gen != j.gen {
		return
	}
	j.pending = false
	s.setFiltered(msg.matcher, msg.shown, msg.upTo)
}
