package tap

import (
	"testing"
	"time"
)

// A queue's drops count once it was seen half full, as the smaller of the
// last two samples; a re-created queue starts from what was banked.
func TestDropCountTrustsAQueueSeenFull(t *testing.T) {
	c := newDropCount(1)
	if got := c.update(map[string]queueSample{"q": {dropped: 50, published: 1000, full: true}}); got != 0 {
		t.Errorf("first sample: %d dropped, want 0 (nothing to compare with yet)", got)
	}
	if got := c.update(map[string]queueSample{"q": {dropped: 80, published: 1100}}); got != 50 {
		t.Errorf("second sample: %d dropped, want 50 (the smaller of 50 and 80)", got)
	}
	c.bank("q")
	if got := c.update(map[string]queueSample{"q": {dropped: 10, published: 10, full: true}}); got != 50 {
		t.Errorf("after banking: %d dropped, want the 50 banked", got)
	}
}

// A queue never seen full counts only once its counters stood still for
// the settle period, and then not the few heartbeats in flight.
func TestDropCountOfAStillQueueIgnoresHeartbeatNoise(t *testing.T) {
	for _, c := range []struct {
		dropped, want uint64
		still         bool
	}{
		{dropped: 40, want: 0, still: false}, // traffic: the counters cannot be trusted
		{dropped: 5, want: 0, still: true},   // within one source's heartbeat noise
		{dropped: 40, want: 40, still: true},
	} {
		d := newDropCount(1)
		d.update(map[string]queueSample{"q": {dropped: c.dropped, published: 500}})
		if c.still {
			d.publishedAt["q"] = time.Now().Add(-2 * statsSettle)
		} else {
			d.lastMessage = time.Now()
		}
		if got := d.update(map[string]queueSample{"q": {dropped: c.dropped, published: 500}}); got != c.want {
			t.Errorf("%d dropped, still %v: counted %d, want %d", c.dropped, c.still, got, c.want)
		}
	}
}
