package lifecycle

import "container/list"

// store keeps at most max values by key; when full it evicts the oldest
// finished value first, and only when none is finished the oldest
// unfinished one. Oldest means first added (or first finished, for
// finished values).
type store[T any] struct {
	max   int
	items map[string]*entry[T]
	live  list.List // *entry[T], oldest first
	done  list.List // *entry[T], oldest finished first

	evictedDone uint64
	evictedLive uint64
}

type entry[T any] struct {
	key  string
	val  *T
	el   *list.Element
	done bool
}

func newStore[T any](max int) *store[T] {
	return &store[T]{max: max, items: make(map[string]*entry[T])}
}

func (s *store[T]) get(key string) (*T, bool) {
	e, ok := s.items[key]
	if !ok {
		return nil, false
	}
	return e.val, true
}

// add stores a new value under key (which must be absent) and returns
// the value it evicted to make room, if any.
func (s *store[T]) add(key string, v *T) (evicted *T, wasDone bool) {
	if len(s.items) >= s.max {
		evicted, wasDone = s.evict()
	}
	e := &entry[T]{key: key, val: v}
	e.el = s.live.PushBack(e)
	s.items[key] = e
	return evicted, wasDone
}

func (s *store[T]) evict() (*T, bool) {
	l, done := &s.done, true
	if l.Len() == 0 {
		l, done = &s.live, false
	}
	front := l.Front()
	if front == nil {
		return nil, false
	}
	e := l.Remove(front).(*entry[T])
	delete(s.items, e.key)
	if done {
		s.evictedDone++
	} else {
		s.evictedLive++
	}
	return e.val, done
}

// finish moves a value to the finished list, once.
func (s *store[T]) finish(key string) {
	e, ok := s.items[key]
	if !ok || e.done {
		return
	}
	s.live.Remove(e.el)
	e.done = true
	e.el = s.done.PushBack(e)
}

func (s *store[T]) len() int { return len(s.items) }

// each calls f for every value, unfinished ones first (oldest first),
// then finished ones; it stops when f returns false.
func (s *store[T]) each(f func(*T) bool) {
	for _, l := range []*list.List{&s.live, &s.done} {
		for el := l.Front(); el != nil; el = el.Next() {
			if !f(el.Value.(*entry[T]).val) {
				return
			}
		}
	}
}

// eachLive calls f for every unfinished value, oldest first, until f
// returns false.
func (s *store[T]) eachLive(f func(*T) bool) {
	for el := s.live.Front(); el != nil; el = el.Next() {
		if !f(el.Value.(*entry[T]).val) {
			return
		}
	}
}

// eachNewest calls f for every value, unfinished ones first (newest
// first), then finished ones (latest finished first), until f returns
// false.
func (s *store[T]) eachNewest(f func(*T) bool) {
	for _, l := range []*list.List{&s.live, &s.done} {
		for el := l.Back(); el != nil; el = el.Prev() {
			if !f(el.Value.(*entry[T]).val) {
				return
			}
		}
	}
}
