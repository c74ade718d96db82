package tap

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Names are the broker-side names of one tap session. The base carries the
// host and a random part, so two operators never collide. For source i:
//
//	<base>-src-<i>  bounded, expiring source queue bound to the tapped exchange
//	<base>-<i>      the dynamic shovel from that queue
//	<base>-x-<i>    auto-delete exchange the shovel publishes into
//	<base>-hb-<i>   heartbeat timer queue dead-lettering into source queue i
//	<base>-hbx      auto-delete exchange feeding the heartbeat queues
//	<base>-dlx      auto-delete exchange the heartbeats are dead-lettered
//	                through (the default exchange would need write on amq.default)
//
// The source and heartbeat queues live on one node; when the tap is
// re-created (a node restarted) it uses new ones, generation g > 0:
// <base>-src<g>-<i> and <base>-hb<g>-<i>.
//
//	<base>-tap      shoveltap's own exclusive, bounded queue (one per session)
//	<base>-live     with --tap-url, an exclusive empty queue on the tapped
//	                broker standing in for the tap queue that lives elsewhere
//
// The tap queue (or the live queue) exists exactly as long as the owning
// connection, so anything whose tap and live queues are gone is an orphan.
type Names struct{ Base string }

// NewNames makes a fresh base name for this host.
func NewNames(host string) (Names, error) {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Names{}, fmt.Errorf("making a tap name: %w", err)
	}
	return Names{Base: broker.Prefix + cleanHost(host) + "-" + hex.EncodeToString(b[:])}, nil
}

func (n Names) SourceQueue(i int) string   { return n.SourceQueueOf(0, i) }
func (n Names) Shovel(i int) string        { return fmt.Sprintf("%s-%d", n.Base, i) }
func (n Names) Exchange(i int) string      { return fmt.Sprintf("%s-x-%d", n.Base, i) }
func (n Names) Heartbeat(i int) string     { return n.HeartbeatOf(0, i) }
func (n Names) TapQueue() string           { return n.Base + "-tap" }
func (n Names) HeartbeatExchange() string  { return n.Base + "-hbx" }
func (n Names) DeadLetterExchange() string { return n.Base + "-dlx" }
func (n Names) LiveQueue() string          { return n.Base + "-live" }

// SourceQueueOf is source queue i of generation gen.
func (n Names) SourceQueueOf(gen, i int) string { return n.generational("src", gen, i) }

// HeartbeatOf is heartbeat queue i of generation gen.
func (n Names) HeartbeatOf(gen, i int) string { return n.generational("hb", gen, i) }

func (n Names) generational(kind string, gen, i int) string {
	if gen == 0 {
		return fmt.Sprintf("%s-%s-%d", n.Base, kind, i)
	}
	return fmt.Sprintf("%s-%s%d-%d", n.Base, kind, gen, i)
}

// exchangeIndex says which of the tap's sources a tap exchange
// (Exchange(i)) stands for.
func (n Names) exchangeIndex(exchange string, sources int) (int, bool) {
	// Called for every delivery: parse the name rather than format each
	// candidate (Exchange is Base-x-i).
	rest, ok := strings.CutPrefix(exchange, n.Base)
	if !ok {
		return 0, false
	}
	if rest, ok = strings.CutPrefix(rest, "-x-"); !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || i >= sources || strconv.Itoa(i) != rest {
		return 0, false
	}
	return i, true
}

// sourceQueueIndex says which of the tap's sources a source queue of
// generation gen belongs to.
func (n Names) sourceQueueIndex(queue string, gen, sources int) (int, bool) {
	for i := range sources {
		if queue == n.SourceQueueOf(gen, i) {
			return i, true
		}
	}
	return 0, false
}

// nameShapes are the suffixes Names puts after a base, most specific first.
var nameShapes = []*regexp.Regexp{
	regexp.MustCompile(`^(.+)-(?:tap|hbx|dlx|live)$`),
	regexp.MustCompile(`^(.+)-(?:src|hb)[0-9]*-[0-9]+$`),
	regexp.MustCompile(`^(.+)-x-[0-9]+$`),
	regexp.MustCompile(`^(.+)-[0-9]+$`),
}

// BaseOf recovers the session base from any name made by Names, or reports
// that the name is not shoveltap's.
func BaseOf(name string) (string, bool) {
	// The lasting mirror of `shoveltap setup` shares the prefix but is
	// nobody's temporary tap: never claim its objects.
	if !strings.HasPrefix(name, broker.Prefix) || strings.HasPrefix(name, broker.MirrorPrefix) {
		return "", false
	}
	for _, shape := range nameShapes {
		if m := shape.FindStringSubmatch(name); m != nil && len(m[1]) > len(broker.Prefix) {
			return m[1], true
		}
	}
	return "", false
}

// cleanHost keeps a host name readable inside a queue name: the short host
// name in lower-case letters, digits and dashes, at most 24 characters.
func cleanHost(host string) string {
	host, _, _ = strings.Cut(strings.ToLower(host), ".")
	var b strings.Builder
	for _, r := range host {
		if b.Len() >= 24 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "host"
	}
	return b.String()
}
