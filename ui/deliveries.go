package ui

import (
	"fmt"
	"github.com/shoveltap/shoveltap/tap/reading"
	"sort"
	"strconv"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// Deliveries (--deliveries) are rows of their own, each the firehose's
// report that a message of a tapped queue went to a consumer; the detail
// pane of the published message lists them, and theirs names it.

// deliveryNote is one delivery as the published message's detail pane
// lists it, sanitised.
type deliveryNote struct {
	seq         uint64
	time        string
	consumer    string // connection and channel
	user        string
	redelivered bool
}

// consumerLabel names a delivery's consumer: its connection (only the
// client's end when short) and channel.
func consumerLabel(d *tap.Delivery, short bool) string {
	return reading.ConsumerLabel(d.Connection, d.Channel, short)
}

// find returns the retained entry with sequence number seq, or nil.
func (r *ring) find(seq uint64) *entry {
	i := sort.Search(r.len(), func(i int) bool { return r.at(i).msg.Seq >= seq })
	if i < r.len() && r.at(i).msg.Seq == seq {
		return r.at(i)
	}
	return nil
}

// linkDelivery notes a delivery on the retained message it delivers.
func (s *retained) linkDelivery(e *entry) {
	d := e.msg.Delivery
	if d.Of == 0 {
		return
	}
	pub := s.ring.find(d.Of)
	if pub == nil || pub.msg.Delivery != nil {
		return
	}
	e.ofSummary = pub.r.Cells.Summary
	pub.deliveries = append(pub.deliveries, deliveryNote{
		seq:         e.msg.Seq,
		time:        e.r.Cells.Time,
		consumer:    consumerLabel(d, false),
		user:        sanitize.Line(d.User),
		redelivered: d.Redelivered,
	})
}

// deliveriesHeading sums up a message's deliveries: "delivered 2× to
// 10.0.0.5:53412 ch 1, redelivered".
func deliveriesHeading(ds []deliveryNote) string {
	consumers := map[string]bool{}
	redelivered := false
	for _, d := range ds {
		consumers[d.consumer] = true
		redelivered = redelivered || d.redelivered
	}
	h := fmt.Sprintf("delivered %d×", len(ds))
	if len(consumers) == 1 {
		h += " to " + ds[0].consumer
	} else {
		h += fmt.Sprintf(" to %d consumers", len(consumers))
	}
	if redelivered {
		h += ", redelivered"
	}
	return h
}

// deliverySections adds the detail pane's sections about deliveries: for
// a published message, who got it; for a delivery, to whom and of what.
func deliverySections(e *entry, section func(string), fields func([]reading.Field), line func(string)) {
	if len(e.deliveries) > 0 {
		section("deliveries · " + deliveriesHeading(e.deliveries))
		for _, d := range e.deliveries {
			l := fmt.Sprintf("#%d  %s  to %s", d.seq, d.time, d.consumer)
			if d.user != "" {
				l += " · user " + d.user
			}
			if d.redelivered {
				l += " · redelivered"
			}
			line("  " + l)
		}
	}
	if d := e.msg.Delivery; d != nil {
		section("delivery")
		of := "a message the tap did not see published (before it started, or while it was re-created)"
		if d.Of != 0 {
			of = "#" + strconv.FormatUint(d.Of, 10)
			if e.ofSummary != "" {
				of += " · " + e.ofSummary
			} else {
				of += " (not retained)"
			}
		}
		redelivered := "no"
		if d.Redelivered {
			redelivered = "yes: delivered before (rejected, requeued, or its consumer went away)"
		}
		fields([]reading.Field{
			{Name: "queue", Value: sanitize.Line(d.Queue)},
			{Name: "consumer", Value: consumerLabel(d, false)},
			{Name: "user", Value: sanitize.Line(d.User)},
			{Name: "node", Value: sanitize.Line(d.Node)},
			{Name: "redelivered", Value: redelivered},
			{Name: "delivers", Value: of},
		})
	}
}
