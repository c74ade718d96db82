// Package expect checks expectations about a tap's messages: "at least N
// messages matching this" and "no message matching that", over a window of
// time. It is fed plain tap.Message values and decides a Verdict; it knows
// nothing of the broker, the command line or how a query is parsed (each
// Rule carries its own match function).
package expect

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
)

// MaxExamples bounds the messages kept per rule (and for Verdict.Recent),
// so that a rule matching millions of messages keeps a few to show.
const MaxExamples = 5

// Rule is one expectation.
type Rule struct {
	// Query is the rule as the user wrote it, for reports.
	Query string
	// Forbid: the rule fails at the first matching message. Otherwise at
	// least Count messages must match before the window ends.
	Forbid bool
	Count  int // for a match rule; values below 1 mean 1
	// Match tests one message; nil matches every message.
	Match func(tap.Message) bool
}

// Outcome is how a check ended.
type Outcome string

const (
	Pending   Outcome = "pending"   // still watching
	Met       Outcome = "met"       // every rule holds
	Forbidden Outcome = "forbidden" // a forbidden message arrived
	TimedOut  Outcome = "timeout"   // the window ended before every count was reached
)

// Example is a message shown in a report, as plain values.
type Example struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Exchange   string    `json:"exchange"`
	RoutingKey string    `json:"routing_key"`
	Format     string    `json:"format,omitempty"`
	Summary    string    `json:"summary,omitempty"`
}

// RuleResult is where one rule stands.
type RuleResult struct {
	Query string `json:"query"`
	Kind  string `json:"kind"` // "match" or "forbid"
	Want  int    `json:"want,omitempty"`
	Seen  int    `json:"seen"` // messages that matched
	Holds bool   `json:"holds"`
	// Examples are the first messages that matched: for a forbid rule
	// the ones that broke it.
	Examples []Example `json:"examples,omitempty"`
}

// Verdict is the result of a check.
type Verdict struct {
	Outcome Outcome      `json:"outcome"`
	Pass    bool         `json:"pass"`
	Seen    uint64       `json:"seen"` // messages looked at
	Elapsed float64      `json:"elapsed_seconds"`
	Rules   []RuleResult `json:"rules"`
	// Recent are the last messages looked at, whatever they matched: what
	// did arrive when a count was not reached.
	Recent []Example `json:"recent,omitempty"`
}

// Checker applies rules to messages one at a time. It is not safe for
// concurrent use: one goroutine feeds it.
type Checker struct {
	rules   []Rule
	results []RuleResult
	start   time.Time
	seen    uint64
	recent  []Example // a ring of the last MaxExamples
	next    int
	outcome Outcome
}

// New starts a check of rules at start.
func New(rules []Rule, start time.Time) *Checker {
	c := &Checker{rules: append([]Rule(nil), rules...), start: start, outcome: Pending}
	for i := range c.rules {
		r := &c.rules[i]
		res := RuleResult{Query: r.Query, Kind: "match"}
		if r.Forbid {
			res.Kind, res.Holds = "forbid", true
		} else {
			if r.Count < 1 {
				r.Count = 1
			}
			res.Want = r.Count
		}
		c.results = append(c.results, res)
	}
	c.settle()
	return c
}

// NeedsWholeWindow reports whether a pass can only be decided when the
// window ends: a forbid rule must hold for all of it.
func (c *Checker) NeedsWholeWindow() bool {
	for _, r := range c.rules {
		if r.Forbid {
			return true
		}
	}
	return false
}

// Add looks at one message and reports whether the outcome is decided:
// a forbidden message arrived, or every count is reached and no rule
// forbids anything.
func (c *Checker) Add(m tap.Message) (decided bool) {
	if c.outcome != Pending {
		return true
	}
	c.seen++
	ex := example(m)
	if len(c.recent) < MaxExamples {
		c.recent = append(c.recent, ex)
	} else {
		c.recent[c.next] = ex
		c.next = (c.next + 1) % MaxExamples
	}
	for i := range c.rules {
		r, res := &c.rules[i], &c.results[i]
		if r.Match != nil && !r.Match(m) {
			continue
		}
		res.Seen++
		if len(res.Examples) < MaxExamples {
			res.Examples = append(res.Examples, ex)
		}
		if r.Forbid {
			res.Holds = false
			c.outcome = Forbidden
		} else if res.Seen >= r.Count {
			res.Holds = true
		}
	}
	c.settle()
	return c.outcome != Pending
}

// settle ends a check whose counts are all reached when nothing is
// forbidden (with no rule at all, that is at once).
func (c *Checker) settle() {
	if c.outcome != Pending || c.NeedsWholeWindow() {
		return
	}
	for _, res := range c.results {
		if !res.Holds {
			return
		}
	}
	c.outcome = Met
}

// Decided reports whether the outcome is known before the window ends.
func (c *Checker) Decided() bool { return c.outcome != Pending }

// Finish ends the check at now (the window's end, or earlier when Add
// decided it) and returns the verdict.
func (c *Checker) Finish(now time.Time) Verdict {
	if c.outcome == Pending {
		c.outcome = Met
		for _, res := range c.results {
			if !res.Holds {
				c.outcome = TimedOut
				break
			}
		}
	}
	v := Verdict{
		Outcome: c.outcome,
		Pass:    c.outcome == Met,
		Seen:    c.seen,
		Elapsed: now.Sub(c.start).Seconds(),
		Rules:   append([]RuleResult(nil), c.results...),
	}
	// Oldest first.
	v.Recent = append(append([]Example(nil), c.recent[c.next:]...), c.recent[:c.next]...)
	return v
}

// Summary is the verdict in one line, for stderr.
func (v Verdict) Summary() string {
	var parts []string
	for _, r := range v.Rules {
		switch {
		case r.Kind == "forbid" && !r.Holds:
			parts = append(parts, fmt.Sprintf("forbidden %q matched %d", r.Query, r.Seen))
		case r.Kind == "forbid":
			parts = append(parts, fmt.Sprintf("forbidden %q absent", r.Query))
		default:
			parts = append(parts, fmt.Sprintf("%q %d/%d", r.Query, r.Seen, r.Want))
		}
	}
	word := "PASS"
	if !v.Pass {
		word = "FAIL (" + string(v.Outcome) + ")"
	}
	return fmt.Sprintf("%s after %.1fs, %d messages: %s", word, v.Elapsed, v.Seen, strings.Join(parts, "; "))
}

// Failures describes each rule that does not hold, with the messages
// that broke it (or, for a count, what did arrive), one entry per line.
func (v Verdict) Failures() []string {
	var out []string
	for _, r := range v.Rules {
		if r.Holds {
			continue
		}
		if r.Kind == "forbid" {
			out = append(out, fmt.Sprintf("--forbid %q matched:", r.Query))
			for _, e := range r.Examples {
				out = append(out, "  "+e.String())
			}
			continue
		}
		out = append(out, fmt.Sprintf("--match %q: %d of at least %d messages", r.Query, r.Seen, r.Want))
		for _, e := range r.Examples {
			out = append(out, "  matched "+e.String())
		}
	}
	if !v.Pass && v.Outcome == TimedOut && len(v.Recent) > 0 {
		out = append(out, "last messages seen:")
		for _, e := range v.Recent {
			out = append(out, "  "+e.String())
		}
	}
	return out
}

// String is an example on one line.
func (e Example) String() string {
	ex := e.Exchange
	if ex == "" {
		ex = "(default)"
	}
	s := fmt.Sprintf("#%d %s %s/%s", e.Seq, e.Time.Format("15:04:05.000"), ex, e.RoutingKey)
	if e.Format != "" {
		s += " [" + e.Format + "]"
	}
	if e.Summary != "" {
		s += " " + e.Summary
	}
	return s
}

func example(m tap.Message) Example {
	res := m.Read().Decoded
	return Example{
		Seq: m.Seq, Time: m.Time, Exchange: m.Exchange, RoutingKey: m.RoutingKey,
		Format: printable(res.Format), Summary: printable(cut(res.Summary, 120)),
	}
}

// printable replaces what a terminal would act on (controls, bidi
// overrides, invalid UTF-8) with U+FFFD: reports go to a terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || unicode.IsGraphic(r) && r != utf8.RuneError {
			return r
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
