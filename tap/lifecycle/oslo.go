package lifecycle

import (
	"strconv"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Call is one oslo.messaging RPC call (or cast) and its reply, joined by
// _msg_id. Strings are untrusted and unsanitised.
type Call struct {
	MsgID   string // "" for a cast
	Method  string // "" when only the reply was seen
	Args    string
	ReplyQ  string
	Cast    bool
	Timeout time.Duration // the call's own _timeout, when it carries one
	// HaveCall and HaveReply say which pieces the tap saw.
	HaveCall  bool
	HaveReply bool
	Sent      time.Time // when the tap saw the call
	Replied   time.Time // when the tap saw the first reply
	Failure   string    // module.Class: message, when the server raised
	Result    string
	Ending    bool

	counted        bool
	countedReply   bool
	countedPending bool
	countedFail    bool
}

// Latency is from the call to its first reply, both by the tap's clock;
// ok is false until both were seen.
func (c *Call) Latency() (time.Duration, bool) {
	if !c.HaveCall || !c.HaveReply {
		return 0, false
	}
	return c.Replied.Sub(c.Sent), true
}

// Status says where a call is, in words a view can show as they are.
func (c *Call) Status(now time.Time, noReplyAfter time.Duration) string {
	switch {
	case c.Cast:
		return "cast (no reply expected)"
	case c.HaveReply && !c.HaveCall:
		return "reply without the call (sent before the tap started, or not tapped)"
	case c.HaveReply && c.Failure != "":
		return "failed"
	case c.HaveReply:
		return "replied"
	case c.overdue(now, noReplyAfter):
		return "no reply"
	}
	return "no reply yet"
}

// overdue reports whether a call waited for its reply longer than its
// timeout (its own, or noReplyAfter).
func (c *Call) overdue(now time.Time, noReplyAfter time.Duration) bool {
	if c.Cast || c.HaveReply || !c.HaveCall {
		return false
	}
	limit := noReplyAfter
	if c.Timeout > 0 {
		limit = c.Timeout
	}
	return now.Sub(c.Sent) >= limit
}

func (c *Call) clone() Call { return *c }

// methodStats aggregates the calls of one RPC method.
type methodStats struct {
	calls    uint64
	casts    uint64
	replied  uint64
	failed   uint64
	pending  int // calls waiting for their reply
	rate     rateWindow
	latency  Histogram
	lastFail *Failure
	lastSeen time.Time
}

func (m *Model) method(name string) *methodStats {
	ms, ok := m.methods[name]
	if ok {
		return ms
	}
	if len(m.names)+len(m.methods) >= m.cfg.MaxNames {
		m.counts.NamesOverflow++
		return nil
	}
	ms = &methodStats{}
	m.methods[name] = ms
	return ms
}

// castKey keys casts, which have no _msg_id, in the store.
func (m *Model) castKey() string {
	return "cast#" + strconv.FormatUint(m.counts.OsloCasts, 10)
}

func (m *Model) callFor(key string) *Call {
	if c, ok := m.calls.get(key); ok {
		return c
	}
	c := &Call{MsgID: key}
	if ev, wasDone := m.calls.add(key, c); ev != nil {
		m.forgetCall(ev)
		if wasDone {
			m.counts.EvictedFinishedCalls++
		} else {
			m.counts.EvictedUnfinishedCalls++
		}
	}
	return c
}

func (m *Model) applyCall(seen time.Time, f decode.Fact) {
	key := f.MsgID
	if f.Cast {
		key = m.castKey()
	}
	c := m.callFor(key)
	if c.HaveCall {
		m.counts.Duplicates++
		return
	}
	if f.Cast {
		c.MsgID = ""
	}
	c.HaveCall, c.Sent, c.Cast = true, seen, f.Cast
	c.Method, c.Args, c.ReplyQ = f.Method, f.Args, f.ReplyQ
	if s, err := strconv.ParseFloat(f.Timeout, 64); err == nil && s > 0 && s < 1e6 {
		c.Timeout = time.Duration(s * float64(time.Second))
	}
	m.accountCall(c)
	if c.Cast || c.HaveReply {
		m.calls.finish(key)
	}
}

func (m *Model) applyReply(seen time.Time, f decode.Fact) {
	if f.MsgID == "" {
		return
	}
	c := m.callFor(f.MsgID)
	if f.Ending {
		c.Ending = true
	}
	if c.HaveReply {
		// The older protocol sends the result, then an "ending" reply;
		// the first one is the answer.
		if c.Failure == "" && f.Failure != "" {
			c.Failure = f.Failure
		}
		fill(&c.Result, f.Result)
		m.accountCall(c)
		return
	}
	c.HaveReply, c.Replied = true, seen
	c.Failure, c.Result = f.Failure, f.Result
	m.accountCall(c)
	m.calls.finish(f.MsgID)
}

// accountCall brings the method's aggregates up to date with a call, each
// contribution once.
func (m *Model) accountCall(c *Call) {
	if c.Method == "" {
		return // a reply whose call was not seen: no method to count it under
	}
	ms := m.method(c.Method)
	if ms == nil {
		return
	}
	last := later(c.Sent, c.Replied)
	ms.lastSeen = later(ms.lastSeen, last)
	if !c.counted {
		c.counted = true
		if c.Cast {
			ms.casts++
		} else {
			ms.calls++
		}
		ms.rate.add(c.Sent)
	}
	waiting := !c.Cast && !c.HaveReply
	if waiting != c.countedPending {
		if waiting {
			ms.pending++
		} else {
			ms.pending--
		}
		c.countedPending = waiting
	}
	if c.HaveReply && !c.countedReply {
		c.countedReply = true
		ms.replied++
		if d, ok := c.Latency(); ok {
			ms.latency.Add(d)
		}
	}
	if c.HaveReply && c.Failure != "" && !c.countedFail {
		c.countedFail = true
		ms.failed++
		ms.lastFail = &Failure{ID: c.MsgID, Exception: c.Failure, At: c.Replied}
	}
}

func (m *Model) forgetCall(c *Call) {
	if c.countedPending {
		if ms := m.methods[c.Method]; ms != nil {
			ms.pending--
		}
	}
}
