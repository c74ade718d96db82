package tap

import (
	"fmt"
	"time"
)

// handover is the reader's channel and the batch to give it once half the
// prefetch is pending (nil otherwise): the pump then hands the batch over
// the moment the reader can take it, not at the next tick. Handing over
// only on ticks capped a tap at Prefetch messages a tick (20 k/s by
// default) and left the broker idle on a full prefetch whenever the
// reader became ready between ticks.
func (p *pump) handover() (chan<- Batch, Batch) {
	if len(p.pending) < max(1, p.s.cfg.Prefetch/2) {
		return nil, Batch{}
	}
	return p.s.out, Batch{Messages: p.pending, Status: p.s.statusWithRate(p.rate.perSecond())}
}

// handedOver acknowledges what the reader just took, b: the broker may
// send as much again (and a stream tap notes the offset to resume after).
func (p *pump) handedOver(l *link, b Batch) error {
	p.s.handedOver(b.Messages)
	p.lastLen = len(b.Messages)
	p.blockedSince = time.Time{}
	p.lastOut = time.Now()
	p.pending = nil
	if p.lastTag != 0 && l != nil {
		if err := l.ch.Ack(p.lastTag, true); err != nil {
			return fmt.Errorf("%w: %v", errConnectionLost, err)
		}
		p.lastTag = 0
	}
	return nil
}
