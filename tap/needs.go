package tap

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
// matches nothing a client can name.
func pattern(ms []Match) string {
	var frags []string
	for _, m := range ms {
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

// TapNeeds is what a tap needs on the tapped vhost: the shoveltap- names
// for its own objects, read on every exchange it binds to, and the
// policymaker tag for the shovel (no tag for --no-shovel).
func TapNeeds(shovel bool, exchanges ...string) Needs {
	n := Needs{
		Configure: []Match{Prefixed(Prefix)},
		Write:     []Match{Prefixed(Prefix)},
		Read:      []Match{Prefixed(Prefix)},
	}
	if shovel {
		n.Tags = []string{"policymaker"} // includes management
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, Named(x))
	}
	return n
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

// PermissionsCommand is the rabbitmqctl command that sets the user's
// permissions on vhost to exactly these needs.
func (n Needs) PermissionsCommand(vhost, user string) string {
	return fmt.Sprintf("rabbitmqctl set_permissions -p %s %s %s %s %s",
		shellQuote(vhost), shellQuote(user), shellQuote(pattern(n.Configure)), shellQuote(pattern(n.Write)), shellQuote(pattern(n.Read)))
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
	parts := []string{"rabbitmqctl set_user_tags", shellQuote(user)}
	for _, t := range tags {
		parts = append(parts, shellQuote(t))
	}
	return strings.Join(parts, " ")
}

// mergeNote goes with every set_permissions command: it replaces all three
// patterns, and shoveltap cannot see what the user has besides.
func mergeNote(vhost, user string) string {
	return fmt.Sprintf("set_permissions replaces %s's patterns on vhost %s: merge in what rabbitmqctl list_user_permissions %s shows", shellQuote(user), shellQuote(vhost), shellQuote(user))
}

// HasTag reports whether tags grant tag: administrator includes every
// tag, and monitoring and policymaker include management.
func HasTag(tags []string, tag string) bool {
	if slices.Contains(tags, tag) || slices.Contains(tags, "administrator") {
		return true
	}
	return tag == "management" && (slices.Contains(tags, "monitoring") || slices.Contains(tags, "policymaker"))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsOf is what this tap needs of its user on the broker the refusal
// came from (the --tap-url broker, or the tapped one), and another way out
// where one needs less.
func (c Config) needsOf(r *Refusal) (Needs, string) {
	if t := c.TapEndpoint; t != nil && r.Broker == t.Address() && r.Broker != c.Endpoint.Address() {
		n := TapNeeds(false)
		n.Tags = []string{"management"}
		return n, ""
	}
	var exchanges []string
	for _, src := range c.Sources {
		if src.Exchange != "" {
			exchanges = append(exchanges, src.Exchange)
		}
	}
	switch {
	case c.Firehose:
		n := TapNeeds(false, traceExchange)
		n.Tags = []string{"management"}
		return n, ""
	case c.NoShovel:
		return TapNeeds(false, exchanges...), ""
	}
	alt := ""
	if r.Tag == "management" || r.Tag == "policymaker" {
		alt = "or tap with --no-shovel, which needs no tag"
	}
	return TapNeeds(true, exchanges...), alt
}

// CleanupNeeds is what `shoveltap cleanup` needs: shovel definitions are
// runtime parameters (policymaker), and deleting queues and exchanges
// takes configure on them. Turning off a firehose left on needs the
// administrator tag on top.
func CleanupNeeds() Needs {
	return Needs{Tags: []string{"policymaker"}, Configure: []Match{Prefixed(Prefix)}}
}

// ReplayNeeds is what `shoveltap replay` needs: write on the exchange it
// publishes to ("" is the default exchange, amq.default), and no tag.
func ReplayNeeds(exchange string) Needs {
	if exchange == "" {
		exchange = "amq.default"
	}
	return Needs{Write: []Match{Named(exchange)}}
}

// PickerNeeds is what the source picker needs: the management tag, to
// list the vhost's exchanges, queues and bindings, and any permissions
// entry on the vhost (even one matching nothing). Tapping what is picked
// then needs what that tap needs.
func PickerNeeds() Needs {
	return Needs{Tags: []string{"management"}}
}

// SetupNeeds is what `shoveltap setup apply` (queue layout) needs of the
// production user: policymaker for the shovel, shoveltap-mirror- names for
// the mirror queue (read too: the shovel consumes it as this user) and
// read on each mirrored exchange. The fanout layout also needs write on
// every production queue bound to those exchanges, which it rebinds.
func SetupNeeds(exchanges ...string) Needs {
	n := Needs{
		Tags:      []string{"policymaker"},
		Configure: []Match{Prefixed(MirrorPrefix)},
		Write:     []Match{Prefixed(MirrorPrefix)},
		Read:      []Match{Prefixed(MirrorPrefix)},
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, Named(x))
	}
	return n
}

// MirrorNeeds is what setup needs of the mirror broker's user: the
// management tag, configure on each mirror exchange (setup declares and
// deletes it) and write on it (the shovel publishes as this user).
func MirrorNeeds(mirrorExchanges ...string) Needs {
	n := Needs{Tags: []string{"management"}}
	for _, x := range mirrorExchanges {
		n.Configure = append(n.Configure, Named(x))
		n.Write = append(n.Write, Named(x))
	}
	return n
}
