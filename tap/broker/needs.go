package broker

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Needs is what one way of using shoveltap needs of a broker user on a
// vhost: user tags, and what the three permission patterns must match. It
// turns into the exact rabbitmqctl commands an administrator runs.
type Needs struct {
	Tags []string
	// Configure, Write and Read list what each pattern must match:
	// Prefix entries (shoveltap-) and exact names (orders).
	Configure, Write, Read []Match
}

// Match is one thing a permission pattern must match: a name prefix or an
// exact name.
type Match struct {
	Name   string
	Prefix bool
}

// Prefixed matches every name that starts with p.
func Prefixed(p string) Match { return Match{Name: p, Prefix: true} }

// Named matches exactly one name.
func Named(n string) Match { return Match{Name: n} }

func (m Match) fragment() string {
	if m.Prefix {
		return regexp.QuoteMeta(m.Name)
	}
	return regexp.QuoteMeta(m.Name) + "$"
}

// pattern is the anchored regular expression matching every entry; "^$"
// matches nothing a client can name. An entry another entry's prefix
// covers is left out (shoveltap- covers shoveltap-mirror-).
func pattern(ms []Match) string {
	var frags []string
	for _, m := range ms {
		if slices.ContainsFunc(ms, func(p Match) bool { return p.Prefix && p != m && strings.HasPrefix(m.Name, p.Name) }) {
			continue
		}
		if f := m.fragment(); !slices.Contains(frags, f) {
			frags = append(frags, f)
		}
	}
	switch len(frags) {
	case 0:
		return "^$"
	case 1:
		return "^" + frags[0]
	}
	return "^(" + strings.Join(frags, "|") + ")"
}

// covers reports whether the entries match name.
func covers(ms []Match, name string) bool {
	for _, m := range ms {
		if m.Name == name || (m.Prefix && strings.HasPrefix(name, m.Name)) {
			return true
		}
	}
	return false
}

// with adds what a refusal names to the needs, so the command grants it.
func (n Needs) with(perm, name string) Needs {
	add := func(ms []Match) []Match {
		if covers(ms, name) {
			return ms
		}
		return append(slices.Clone(ms), Named(name))
	}
	switch perm {
	case "configure":
		n.Configure = add(n.Configure)
	case "write":
		n.Write = add(n.Write)
	case "read":
		n.Read = add(n.Read)
	}
	return n
}

// Patterns are the three permission patterns that match these needs.
func (n Needs) Patterns() (configure, write, read string) {
	return pattern(n.Configure), pattern(n.Write), pattern(n.Read)
}

// PermissionsCommand is the rabbitmqctl command that sets the user's
// permissions on vhost to exactly these needs.
func (n Needs) PermissionsCommand(vhost, user string) string {
	return fmt.Sprintf("rabbitmqctl set_permissions -p %s %s %s %s %s",
		ShellQuote(vhost), ShellQuote(user), ShellQuote(pattern(n.Configure)), ShellQuote(pattern(n.Write)), ShellQuote(pattern(n.Read)))
}

// TagsCommand is the rabbitmqctl command that gives user the tags it has
// plus the ones named: set_user_tags replaces every tag, so the ones it
// has must be repeated.
func TagsCommand(user string, has []string, add ...string) string {
	tags := slices.Clone(has)
	for _, t := range add {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	parts := []string{"rabbitmqctl set_user_tags", ShellQuote(user)}
	for _, t := range tags {
		parts = append(parts, ShellQuote(t))
	}
	return strings.Join(parts, " ")
}

// mergeNote goes with every set_permissions command: it replaces all three
// patterns, and shoveltap cannot see what the user has besides.
func mergeNote(vhost, user string) string {
	return fmt.Sprintf("set_permissions replaces %s's patterns on vhost %s: merge in what rabbitmqctl list_user_permissions %s shows", ShellQuote(user), ShellQuote(vhost), ShellQuote(user))
}

// HasTag reports whether tags grant tag: administrator includes every
// tag, and monitoring and policymaker include management.
func HasTag(tags []string, tag string) bool {
	if slices.Contains(tags, tag) || slices.Contains(tags, "administrator") {
		return true
	}
	return tag == "management" && (slices.Contains(tags, "monitoring") || slices.Contains(tags, "policymaker"))
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// OwnNeeds is what any shoveltap command needs on a vhost: configure, write
// and read on the names of its own objects.
func OwnNeeds() Needs {
	return Needs{
		Configure: []Match{Prefixed(Prefix)},
		Write:     []Match{Prefixed(Prefix)},
		Read:      []Match{Prefixed(Prefix)},
	}
}
