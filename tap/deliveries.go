package tap

import (
	"encoding/binary"
	"hash/maphash"
	"strings"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Delivery says that a message of a tapped queue went to a consumer, as
// the firehose's deliver.<queue> event reports it (Config.Deliveries). The
// event names the consumer's connection and channel, not its consumer tag:
// one channel usually holds one consumer of a queue (Celery's and kombu's
// workers do), so they tell consumers apart.
type Delivery struct {
	Queue       string
	Connection  string // the consumer's connection, "10.0.0.5:53412 -> 10.0.0.1:5672"
	Channel     int
	User        string
	Node        string // the node that delivered it
	Redelivered bool   // delivered before (rejected, requeued, or its consumer went away)
	// Of is the Seq of the published message this delivers, or 0 when the
	// tap did not see it published (before the tap started, or while it
	// was being re-created).
	Of uint64
}

// deliverPrefix starts the firehose's routing keys of deliveries.
const deliverPrefix = "deliver."

// addDeliveryBindings makes firehose points also bind the deliver.<queue>
// events of their queue.
func addDeliveryBindings(points []tapPoint) {
	for i := range points {
		if q := points[i].Queue; q != "" {
			points[i].Bindings = append(points[i].Bindings, Binding{Key: deliverPrefix + q})
		}
	}
}

// toDelivery turns a deliver.<queue> trace, already unwrapped into m, into
// a delivery of a tapped queue, linked to the message it delivers; false
// when the queue is not one asked for.
func (r firehoseRoute) toDelivery(m Message, d amqp.Delivery) (Message, bool) {
	s := r.s
	queue := strings.TrimPrefix(d.RoutingKey, deliverPrefix)
	for _, p := range s.points {
		if p.Queue != queue {
			continue
		}
		h := d.Headers
		dv := &Delivery{Queue: queue, Redelivered: asInt(h["redelivered"]) != 0}
		dv.Connection, _ = h["connection"].(string)
		dv.User, _ = h["user"].(string)
		dv.Node, _ = h["node"].(string)
		dv.Channel = int(asInt(h["channel"]))
		dv.Of = s.links.deliveryOf(queue, fingerprint(m), dv.Redelivered)
		m.Source = p.Label
		m.Delivery = dv
		return m, true
	}
	return m, false
}

// published remembers a message the tap shows, for the deliveries of the
// tapped queues it was routed to.
func (r firehoseRoute) published(m Message, routed []string) {
	s := r.s
	if !s.cfg.Deliveries {
		return
	}
	fp := fingerprint(m)
	for _, p := range s.points {
		if p.Queue != "" && contains(routed, p.Queue) {
			s.links.add(p.Queue, fp, m.Seq)
		}
	}
}

// fingerprint identifies a message across its publish and deliver events,
// which carry the same body and properties. Headers are left out: a
// quorum queue adds x-delivery-count to a redelivery.
func fingerprint(m Message) uint64 {
	var h maphash.Hash
	h.SetSeed(fingerprintSeed)
	var n [8]byte
	for _, s := range []string{
		m.Exchange, m.RoutingKey, m.Properties.MessageID, m.Properties.CorrelationID,
		m.Properties.ContentType, m.Properties.ContentEncoding, m.Properties.Type, m.Properties.AppID,
	} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.WriteString(s)
	}
	binary.LittleEndian.PutUint64(n[:], uint64(m.Properties.Timestamp.Unix()))
	h.Write(n[:])
	h.Write(m.Body)
	return h.Sum64()
}

var fingerprintSeed = maphash.MakeSeed()

// maxLinks is how many published messages deliveries can be linked to:
// the most recent ones.
const maxLinks = 1 << 14

// linkKey is a published message's fingerprint in one queue.
type linkKey struct {
	queue string
	fp    uint64
}

// links pairs deliveries with the published messages they deliver. A
// queue hands out its messages in order, so a first delivery goes to the
// oldest message with its fingerprint not yet delivered; a redelivery to
// the one delivered last.
type links struct {
	mu      sync.Mutex
	waiting map[linkKey][]uint64 // published, not yet delivered, oldest first
	last    map[linkKey]uint64   // the one delivered last
	order   []linkedSeq          // every message added, oldest first, to forget the oldest
}

type linkedSeq struct {
	key linkKey
	seq uint64
}

func (l *links) add(queue string, fp, seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting == nil {
		l.waiting = map[linkKey][]uint64{}
		l.last = map[linkKey]uint64{}
	}
	k := linkKey{queue, fp}
	l.waiting[k] = append(l.waiting[k], seq)
	l.order = append(l.order, linkedSeq{k, seq})
	if len(l.order) > maxLinks {
		l.forget(l.order[0])
		l.order = l.order[1:]
	}
}

// forget drops what is remembered of the message o.
func (l *links) forget(o linkedSeq) {
	if w := l.waiting[o.key]; len(w) > 0 && w[0] == o.seq {
		l.setWaiting(o.key, w[1:])
	}
	if l.last[o.key] == o.seq {
		delete(l.last, o.key)
	}
}

func (l *links) setWaiting(k linkKey, w []uint64) {
	if len(w) == 0 {
		delete(l.waiting, k)
		return
	}
	l.waiting[k] = w
}

// deliveryOf returns the Seq of the message a delivery delivers, 0 when
// it is not known.
func (l *links) deliveryOf(queue string, fp uint64, redelivered bool) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := linkKey{queue, fp}
	if seq, ok := l.last[k]; ok && redelivered {
		return seq
	}
	w := l.waiting[k]
	if len(w) == 0 {
		return 0
	}
	l.setWaiting(k, w[1:])
	l.last[k] = w[0]
	return w[0]
}
