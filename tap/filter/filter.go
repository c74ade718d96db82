// Package filter parses the filter bar's query and matches messages against
// it.
//
// A query is a list of space-separated terms that must all match:
//
//	order 1842            free text: case-insensitive substring of the message
//	"order created"       double quotes keep spaces in one term
//	rk:order.#            routing key, AMQP topic pattern (* one word, # any)
//	rk:created            routing key substring (no * or #)
//	exchange:orders       exchange substring; ctype: content type; format:
//	task:tasks.add        a decoded term (task, id, root, parent, group,
//	                      event, method, type, status), substring
//	task:tasks.*          with *, a glob over the whole value
//	trace:4bf92f35        the W3C trace ID (traceparent) the message carries
//	task:                 an empty value: the term is set at all
//	route:unroutable      where the broker sent it: the verdict (routed,
//	                      unroutable, unknown) or a queue reached
//	-task:tasks.ping      a leading - negates any term
//	ce.type:com.acme.*    a dotted term of a decoded field (ce., proto.,
//	                      avro., hook.; see decode.IsTermName)
//
// An unknown name (as in "http://host") is free text.
package filter

import (
	"github.com/shoveltap/shoveltap/tap/topic"
	"strings"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Subject is what a Matcher looks at for one message. The caller builds it
// once per message at ingest.
type Subject struct {
	// Text is the free-text haystack, already lower-cased: routing key,
	// exchange, header keys and values, decoded summary and body text.
	// When TextFrom is set, the haystack is its SearchText instead.
	Text string
	// TextFrom makes the haystack when a free-text term first asks for
	// it (a message's reading, tap/reading): most subjects never meet one.
	TextFrom    TextSource
	RoutingKey  string
	Exchange    string
	ContentType string
	Format      string
	// Terms are the decoder's named fields (decode.Result.Terms).
	Terms map[string]string
	// Route is where the broker sent the message, for the route: term:
	// the verdict (routed, unroutable, unknown) then the queues reached,
	// space-separated; "" when no routing model was at hand.
	Route string
}

// TextSource makes a subject's free-text haystack, lower-cased, on demand.
// It must be safe for concurrent use and give the same text every time.
type TextSource interface {
	SearchText() string
}

// text is the subject's free-text haystack.
func (s *Subject) text() string {
	if s.TextFrom != nil {
		return s.TextFrom.SearchText()
	}
	return s.Text
}

// Matcher is a parsed query. The zero Matcher matches everything.
type Matcher struct {
	terms []term
}

type term struct {
	negate bool
	field  string // "" for free text
	value  string // lower-cased
	kind   matchKind
	words  []string // a topic pattern's words, split once
}

type matchKind int

const (
	substring    matchKind = iota // value occurs anywhere
	present                       // the field is set (empty value)
	glob                          // anchored, * matches any run of characters
	topicPattern                  // AMQP topic pattern over dot-separated words
)

// builtins are fields of the message itself rather than decoded terms.
var builtins = map[string]bool{"rk": true, "exchange": true, "ctype": true, "format": true, "route": true}

// termNames are the decoded terms a query may name (see decode.Result.Terms).
var termNames = map[string]bool{
	"task": true, "id": true, "root": true, "parent": true, "group": true,
	"event": true, "method": true, "type": true, "status": true, "trace": true,
}

// Parse turns a query into a Matcher. It never fails: anything it does not
// recognise is free text.
func Parse(query string) Matcher {
	var m Matcher
	for _, tok := range split(query) {
		m.terms = append(m.terms, parseTerm(tok))
	}
	return m
}

// Empty reports whether the matcher has no terms and so matches everything.
func (m Matcher) Empty() bool { return len(m.terms) == 0 }

// SearchesText reports whether m has a free-text term, which makes each
// subject's haystack (Subject.TextFrom) the first time it is tested.
func (m Matcher) SearchesText() bool {
	for i := range m.terms {
		if m.terms[i].field == "" {
			return true
		}
	}
	return false
}

// Match reports whether every term of m matches s.
func (m Matcher) Match(s *Subject) bool {
	for i := range m.terms {
		if m.terms[i].match(s) == m.terms[i].negate {
			return false
		}
	}
	return true
}

func parseTerm(tok string) term {
	var t term
	if len(tok) > 1 && tok[0] == '-' {
		t.negate = true
		tok = tok[1:]
	}
	if name, value, ok := strings.Cut(tok, ":"); ok {
		name = strings.ToLower(name)
		if isFieldName(name) {
			t.field = name
			t.value = strings.ToLower(unquote(value))
			switch {
			case t.value == "":
				t.kind = present
			case name == "rk" && strings.ContainsAny(t.value, "*#"):
				t.kind = topicPattern
				t.words = topic.Split(t.value)
			case strings.Contains(t.value, "*"):
				t.kind = glob
			}
			return t
		}
	}
	t.value = strings.ToLower(unquote(tok))
	return t
}

// isFieldName reports whether a lower-cased name is a field a term may
// name: a builtin, a fixed decoded term or a decoder's dotted term
// (proto.order_id, ce.type).
func isFieldName(name string) bool {
	return builtins[name] || termNames[name] || decode.IsTermName(name)
}

func (t *term) match(s *Subject) bool {
	if t.field == "" {
		return strings.Contains(s.text(), t.value)
	}
	v := t.fieldValue(s)
	switch t.kind {
	case present:
		return v != ""
	case topicPattern:
		return topic.MatchKey(t.words, strings.ToLower(v))
	case glob:
		return globMatch(t.value, strings.ToLower(v))
	}
	return strings.Contains(strings.ToLower(v), t.value)
}

func (t *term) fieldValue(s *Subject) string {
	switch t.field {
	case "rk":
		return s.RoutingKey
	case "exchange":
		return s.Exchange
	case "ctype":
		return s.ContentType
	case "format":
		return s.Format
	case "route":
		return s.Route
	}
	return s.Terms[t.field]
}

// split cuts a query at spaces outside double quotes. The quotes stay in
// the token so that `task:"a b"` keeps its name; unquote removes them.
func split(query string) []string {
	var toks []string
	var cur strings.Builder
	inQuote := false
	for _, r := range query {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
		case (r == ' ' || r == '\t') && !inQuote:
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	return toks
}

func unquote(s string) string {
	return strings.ReplaceAll(s, `"`, "")
}

// globMatch reports whether s matches pattern as a whole, where * matches
// any run of characters (including none).
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := len(parts) - 1
	for _, p := range parts[1:last] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[last])
}

// topicMatch reports whether the routing key matches an AMQP topic pattern,
// as the broker's topic exchange does (tap/topic).
func topicMatch(pattern, key string) bool { return topic.Match(pattern, key) }

// Narrows reports whether m matches only messages that prev matches too,
// so that m need only be tested against prev's matches. That holds when m
// repeats prev's terms, perhaps adds more, and perhaps lengthens prev's
// last term as the user types on: a positive substring term whose value
// grew can only match less.
func (m Matcher) Narrows(prev Matcher) bool {
	if len(m.terms) < len(prev.terms) {
		return false
	}
	for i, old := range prev.terms {
		cur := m.terms[i]
		if cur.negate == old.negate && cur.field == old.field && cur.kind == old.kind && cur.value == old.value {
			continue
		}
		grew := i == len(prev.terms)-1 &&
			!old.negate && !cur.negate && cur.field == old.field &&
			old.kind == substring && cur.kind == substring &&
			strings.Contains(cur.value, old.value)
		if !grew {
			return false
		}
	}
	return true
}
