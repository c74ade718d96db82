package formats

import (
	"errors"
	"fmt"
	"github.com/shoveltap/shoveltap/tap/topic"
	"strings"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Rule says which type a message is, by where it came from. Every
// condition given must hold; a rule with none matches every message.
type Rule struct {
	// Exchange is the exchange's name; * is a wildcard.
	Exchange string `yaml:"exchange"`
	// RoutingKey is an AMQP topic pattern: words separated by dots, *
	// one word, # zero or more.
	RoutingKey string `yaml:"routing-key"`
	// Header is "name" (the header is set) or "name=value".
	Header string `yaml:"header"`
	// Type is the message type: a Protobuf message's full name or an Avro
	// schema's full name.
	Type string `yaml:"type"`
}

func (r Rule) check(needType bool) error {
	if needType && strings.TrimSpace(r.Type) == "" {
		return errors.New("no type: name the message type the rule maps to")
	}
	if r.Header != "" {
		if name, _, _ := strings.Cut(r.Header, "="); strings.TrimSpace(name) == "" {
			return fmt.Errorf("header %q: give name or name=value", r.Header)
		}
	}
	return nil
}

// Matches reports whether the message satisfies every condition.
func (r Rule) Matches(in decode.Input) bool {
	if r.Exchange != "" && !Glob(r.Exchange, in.Exchange) {
		return false
	}
	if r.RoutingKey != "" && !TopicMatch(r.RoutingKey, in.RoutingKey) {
		return false
	}
	if r.Header != "" {
		name, want, hasValue := strings.Cut(r.Header, "=")
		got, ok := in.Headers[name]
		if !ok {
			return false
		}
		if hasValue {
			s, _ := decode.HeaderString(map[string]any{name: got}, name)
			if s != want {
				return false
			}
		}
	}
	return true
}

// Describe is the rule's conditions for people: `routing key orders.*`.
func (r Rule) Describe() string {
	var parts []string
	if r.Exchange != "" {
		parts = append(parts, "exchange "+r.Exchange)
	}
	if r.RoutingKey != "" {
		parts = append(parts, "routing key "+r.RoutingKey)
	}
	if r.Header != "" {
		parts = append(parts, "header "+r.Header)
	}
	if len(parts) == 0 {
		return "every message"
	}
	return strings.Join(parts, ", ")
}

// First returns the first rule that matches, if any.
func First(rules []Rule, in decode.Input) (Rule, bool) {
	for _, r := range rules {
		if r.Matches(in) {
			return r, true
		}
	}
	return Rule{}, false
}

// TopicMatch reports whether key matches an AMQP topic pattern, as the
// broker's topic exchange does (tap/topic).
func TopicMatch(pattern, key string) bool { return topic.Match(pattern, key) }

// Glob reports whether s matches pattern as a whole, case-insensitively,
// where * matches any run of characters.
func Glob(pattern, s string) bool {
	pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
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
	return len(s) >= len(parts[last]) && strings.HasSuffix(s, parts[last])
}
