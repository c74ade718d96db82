package routing

import (
	"fmt"
	"slices"
	"strings"
)

// BindingCheck says whether one binding matched the message, and why.
type BindingCheck struct {
	Binding Binding `json:"binding"`
	// Reached says the binding's source exchange was on the message's way;
	// a binding of an exchange never reached cannot have routed it.
	Reached bool   `json:"source_reached"`
	Matched bool   `json:"matched"`
	Why     string `json:"why"`
}

// WhyNot answers "why did (or did not) this message reach queue q?".
type WhyNot struct {
	Queue   string `json:"queue"`
	Reached bool   `json:"reached"`
	// Summary is one line: reached and how, or the main reason not.
	Summary string `json:"summary"`
	// Checks are the bindings into q and, for sources the message never
	// reached, the bindings into those sources, nearest first.
	Checks []BindingCheck `json:"checks"`
}

// WhyNot explains, for queue q, each binding on the way and why it did or
// did not match m.
func (t *Topology) WhyNot(m Message, q string) WhyNot {
	res := t.Route(m)
	w := WhyNot{Queue: q, Reached: res.Reached(q)}
	if _, ok := t.queues[q]; !ok {
		w.Summary = fmt.Sprintf("queue %q is not in the model of vhost %q: it does not exist (or this user may not see it)", q, t.Vhost)
		return w
	}
	visited := map[string]bool{}
	for _, x := range res.Visited {
		visited[x] = true
	}
	switch {
	case w.Reached:
		for _, r := range res.Queues {
			if r.Queue == q {
				w.Summary = fmt.Sprintf("reached queue %s: %s", q, pathString(r.Path))
			}
		}
	case res.Verdict == Unknown:
		w.Summary = fmt.Sprintf("cannot say whether queue %s was reached: %s", q, strings.Join(res.Unknowns, "; "))
	default:
		w.Summary = fmt.Sprintf("queue %s was not reached", q)
	}
	if visited[""] {
		w.Checks = append(w.Checks, t.checkDefault(m, q))
	}
	// Walk back from q: its bindings, then the bindings into each source
	// exchange the message never reached, once each.
	seen := map[string]bool{}
	frontier := t.into[q]
	for depth := 0; len(frontier) > 0 && depth < 8; depth++ {
		var next []Binding
		for _, b := range frontier {
			c := t.Check(b, m)
			c.Reached = visited[b.Source]
			if !c.Reached {
				c.Matched = false
				c.Why = fmt.Sprintf("%s was not on the message's way (%s)", quoteX(b.Source), c.Why)
				if !seen[b.Source] {
					seen[b.Source] = true
					next = append(next, t.intoX[b.Source]...)
					next = append(next, t.alternatesInto(b.Source)...)
				}
			}
			w.Checks = append(w.Checks, c)
		}
		frontier = next
	}
	if !w.Reached && res.Verdict != Unknown && len(w.Checks) > 0 {
		for _, c := range w.Checks {
			if c.Reached && !c.Matched {
				w.Summary += ": " + c.Why
				break
			}
		}
	}
	if !w.Reached && len(t.into[q]) == 0 && !visited[""] {
		w.Summary += ": nothing is bound to it"
	}
	return w
}

// alternatesInto are pseudo-bindings for the exchanges whose alternate is x.
func (t *Topology) alternatesInto(x string) []Binding {
	var out []Binding
	for _, e := range t.exchanges {
		if e.Alternate == x && t.InScope(e.Name) {
			out = append(out, Binding{Source: e.Name, Destination: x, DestinationType: ToExchange, Args: map[string]any{alternateMark: true}})
		}
	}
	return out
}

// alternateMark marks a pseudo-binding standing for an alternate exchange.
const alternateMark = "(alternate-exchange)"

func (t *Topology) checkDefault(m Message, q string) BindingCheck {
	b := Binding{Source: "", Destination: q, DestinationType: ToQueue, Key: q}
	c := BindingCheck{Binding: b, Reached: true}
	for _, k := range m.RoutingKeys() {
		if k == q {
			c.Matched = true
			c.Why = fmt.Sprintf("the default exchange routes key %q to the queue of that name", k)
			return c
		}
	}
	c.Why = fmt.Sprintf("the default exchange routes only key %q to queue %s; the message has %s", q, q, keysString(m.RoutingKeys()))
	return c
}

// Check says whether binding b matches m, in plain words.
func (t *Topology) Check(b Binding, m Message) BindingCheck {
	c := BindingCheck{Binding: b}
	if _, ok := b.Args[alternateMark]; ok {
		x := t.exchanges[b.Source]
		matched, known := t.match(x, m, m.RoutingKeys())
		switch {
		case !known:
			c.Why = fmt.Sprintf("alternate exchange of %s (type %q: unknown, cannot say whether it matched)", quoteX(b.Source), x.Type)
		case len(matched) == 0:
			c.Matched = true
			c.Why = fmt.Sprintf("%s matched nothing, so its alternate exchange %s got the message", quoteX(b.Source), b.Destination)
		default:
			c.Why = fmt.Sprintf("%s matched %d binding(s), so its alternate exchange %s was not used", quoteX(b.Source), len(matched), b.Destination)
		}
		return c
	}
	x, ok := t.exchanges[b.Source]
	if !ok {
		c.Why = fmt.Sprintf("exchange %q is not in the model", b.Source)
		return c
	}
	keys := m.RoutingKeys()
	switch x.Type {
	case Fanout:
		c.Matched = true
		c.Why = "fanout: every binding gets every message"
	case Direct:
		for _, k := range keys {
			if k == b.Key {
				c.Matched = true
				c.Why = fmt.Sprintf("direct: key %q equals the binding key", k)
				return c
			}
		}
		c.Why = fmt.Sprintf("direct: binding key %q is not %s", b.Key, keysString(keys))
	case Topic:
		var whys []string
		for _, k := range keys {
			if ok, why := explainTopic(b.Key, k); ok {
				c.Matched = true
				c.Why = why
				return c
			} else {
				whys = append(whys, why)
			}
		}
		c.Why = strings.Join(whys, "; ")
	case Headers:
		ok, checks := headersMatch(b.Args, m.Headers, t.strictNumbers)
		c.Matched = ok
		c.Why = explainHeaders(xMatch(b.Args), ok, checks)
	default:
		c.Why = fmt.Sprintf("exchange %s is of type %q: unknown, cannot say", b.Source, x.Type)
	}
	return c
}

func explainHeaders(mode string, ok bool, checks []headerCheck) string {
	var good, bad, skipped []string
	for _, c := range checks {
		switch {
		case c.skipped:
			if c.key != "x-match" {
				skipped = append(skipped, c.why)
			}
		case c.ok:
			good = append(good, c.why)
		default:
			bad = append(bad, c.why)
		}
	}
	var s string
	switch {
	case ok && strings.HasPrefix(mode, "any"):
		s = fmt.Sprintf("x-match %s: %s", mode, good[0])
	case ok && len(good) == 0:
		s = fmt.Sprintf("x-match %s: no header to compare, so every message matches", mode)
	case ok:
		s = fmt.Sprintf("x-match %s: %s", mode, strings.Join(good, ", "))
	case strings.HasPrefix(mode, "any") && len(bad) == 0:
		s = fmt.Sprintf("x-match %s: no header to compare, so no message matches", mode)
	case strings.HasPrefix(mode, "any"):
		s = fmt.Sprintf("x-match %s: none matched (%s)", mode, strings.Join(bad, ", "))
	default:
		s = fmt.Sprintf("x-match %s: %s", mode, strings.Join(bad, ", "))
	}
	if len(skipped) > 0 {
		s += "; " + strings.Join(skipped, "; ")
	}
	return s
}

// explainTopic says whether topic binding key pattern matches routing key
// key and why, naming the words that differ.
func explainTopic(pattern, key string) (bool, string) {
	p, k := splitWords(pattern), splitWords(key)
	if topicMatch(p, k) {
		return true, fmt.Sprintf("`%s` matches `%s`", pattern, key)
	}
	// Peel off the literal words both ends agree on; what is left is
	// the miss.
	i := 0
	for i < len(p) && i < len(k) && p[i] != "#" && p[i] != "*" && p[i] == k[i] {
		i++
	}
	j := 0
	for j < len(p)-i && j < len(k)-i && p[len(p)-1-j] != "#" && p[len(p)-1-j] != "*" && p[len(p)-1-j] == k[len(k)-1-j] {
		j++
	}
	pm, km := p[i:len(p)-j], k[i:len(k)-j]
	where := ""
	switch {
	case i > 0 && j > 0:
		where = fmt.Sprintf(" between `%s` and `%s`", strings.Join(k[:i], "."), strings.Join(k[len(k)-j:], "."))
	case i > 0:
		where = fmt.Sprintf(" after `%s`", strings.Join(k[:i], "."))
	case j > 0:
		where = fmt.Sprintf(" before `%s`", strings.Join(k[len(k)-j:], "."))
	}
	hasHash := false
	stars := 0
	for _, w := range pm {
		switch w {
		case "#":
			hasHash = true
		case "*":
			stars++
		}
	}
	switch {
	case key == "" && len(p) > 0 && !hasHash:
		return false, fmt.Sprintf("`%s` needs %s where the empty routing key has none", pattern, countWords(len(p)))
	case len(pm) == 0:
		empty := ""
		if slices.Contains(km, "") {
			empty = " (an empty word: two dots in a row)"
		}
		return false, fmt.Sprintf("`%s` allows no word%s where `%s` has %s%s", pattern, where, key, countWords(len(km)), empty)
	case !hasHash && stars == len(pm) && len(pm) != len(km):
		return false, fmt.Sprintf("`%s` needs exactly %s%s where `%s` has %s", pattern, countWords(len(pm)), where, key, countNone(len(km)))
	case !hasHash && len(pm) == len(km) && len(pm) > 0:
		for n := range pm {
			if pm[n] != "*" && pm[n] != km[n] {
				return false, fmt.Sprintf("`%s` wants word %d to be `%s` where `%s` has `%s`", pattern, i+n+1, pm[n], key, km[n])
			}
		}
	case !hasHash:
		return false, fmt.Sprintf("`%s` has %s and no `#`, `%s` has %s", pattern, countWords(len(p)), key, countWords(len(k)))
	}
	var lits []string
	for _, w := range pm {
		if w != "#" && w != "*" {
			lits = append(lits, "`"+w+"`")
		}
	}
	if len(lits) > 0 {
		return false, fmt.Sprintf("`%s` needs the word(s) %s%s, which `%s` does not have there", pattern, strings.Join(lits, ", "), where, key)
	}
	return false, fmt.Sprintf("`%s` needs at least %s%s where `%s` has %s", pattern, countWords(stars), where, key, countNone(len(km)))
}

func countWords(n int) string {
	switch n {
	case 0:
		return "no word"
	case 1:
		return "one word"
	}
	return fmt.Sprintf("%d words", n)
}

func countNone(n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

func keysString(keys []string) string {
	if len(keys) == 1 {
		return fmt.Sprintf("key %q", keys[0])
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return "keys " + strings.Join(q, ", ") + " (routing key, CC, BCC)"
}

func pathString(path []Step) string {
	parts := make([]string, len(path))
	for i, s := range path {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", then ")
}
