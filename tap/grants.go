package tap

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
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

// Refusal is the broker refusing an operation because the user lacks one
// tag or one permission. Its message names what is missing and the
// rabbitmqctl command that grants it.
type Refusal struct {
	Doing  string // what shoveltap was doing
	Broker string // host:port, to tell two brokers apart (--tap-url)
	User   string
	Vhost  string
	// Tag is the missing user tag; or Perm (configure, write, read) is a
	// missing permission on the Kind (exchange, queue) called Name; or
	// Perm is "access" when the user has no permissions on the vhost.
	Tag              string
	Perm, Kind, Name string
	// Has lists the user's tags when they are known (the command must
	// repeat them).
	Has []string
	// Needs is the whole set the failing command needs here, so the
	// command grants all of it at once; the zero value stands for a tap's.
	Needs *Needs
	// Else is another way out, e.g. a flag that needs less.
	Else string
}

func (r *Refusal) Error() string {
	var b strings.Builder
	if r.Doing != "" {
		b.WriteString(r.Doing + ": ")
	}
	switch {
	case r.Tag != "":
		fmt.Fprintf(&b, "user %q lacks the %q tag; an administrator grants it with: %s", r.User, r.Tag, r.Command())
	case r.Perm == "access":
		fmt.Fprintf(&b, "user %q has no permissions on vhost %q; an administrator grants what shoveltap needs with: %s (%s)", r.User, r.Vhost, r.Command(), mergeNote(r.Vhost, r.User))
	default:
		fmt.Fprintf(&b, "user %q lacks %s permission on %s %q in vhost %q; an administrator grants it with: %s (%s)", r.User, r.Perm, r.Kind, r.Name, r.Vhost, r.Command(), mergeNote(r.Vhost, r.User))
	}
	if r.Else != "" {
		b.WriteString("; " + r.Else)
	}
	return b.String()
}

// Command is the rabbitmqctl command that grants what is missing.
func (r *Refusal) Command() string {
	if r.Tag != "" {
		return TagsCommand(r.User, r.Has, r.Tag)
	}
	n := TapNeeds(false)
	if r.Needs != nil {
		n = *r.Needs
	}
	if r.Perm != "access" {
		n = n.with(r.Perm, r.Name)
	}
	return n.PermissionsCommand(r.Vhost, r.User)
}

// refusedAccess matches the broker's words for a missing permission:
// "read access to exchange 'orders' in vhost '/' refused for user 'ops'"
// on 4.x; 3.x leaves out which permission ("access to exchange …").
var refusedAccess = regexp.MustCompile(`(?:(configure|write|read) )?access to (exchange|queue|topic) '(.*)' in vhost '(.*)' refused for user '(.*)'`)

// refusedVhost matches a login to a vhost the user has no permissions on.
var refusedVhost = regexp.MustCompile(`access to vhost '(.*)' refused for user '(.*)'`)

// parseRefusal reads a refused AMQP operation's reason; nil when it names
// no permission.
func parseRefusal(ep Endpoint, doing, reason string) *Refusal {
	if m := refusedAccess.FindStringSubmatch(reason); m != nil {
		perm := m[1]
		if perm == "" {
			perm = inferPerm(doing, m[2])
		}
		if perm == "" {
			return nil
		}
		return &Refusal{Doing: doing, Broker: ep.Address(), User: m[5], Vhost: m[4], Perm: perm, Kind: m[2], Name: m[3]}
	}
	if m := refusedVhost.FindStringSubmatch(reason); m != nil {
		return &Refusal{Doing: doing, Broker: ep.Address(), User: m[2], Vhost: m[1], Perm: "access"}
	}
	return nil
}

// inferPerm works out which permission a 3.x refusal is about from what
// was being done and what kind of object it names, as RabbitMQ checks
// them: declaring and deleting need configure (and a queue's dead-letter
// exchange write), binding write on the destination and read on the
// source exchange, consuming read, publishing write.
func inferPerm(doing, kind string) string {
	switch {
	case strings.HasPrefix(doing, "declaring") && kind == "exchange" && strings.Contains(doing, "queue"):
		return "write" // a queue's dead-letter exchange
	case strings.HasPrefix(doing, "declaring"), strings.HasPrefix(doing, "deleting"):
		return "configure"
	case (strings.HasPrefix(doing, "binding") || strings.HasPrefix(doing, "unbinding")) && kind == "queue":
		return "write"
	case strings.HasPrefix(doing, "binding"), strings.HasPrefix(doing, "unbinding"):
		return "read"
	case strings.HasPrefix(doing, "consuming"), strings.HasPrefix(doing, "reading"):
		return "read"
	case strings.HasPrefix(doing, "publishing"), strings.HasPrefix(doing, "starting the heartbeat"):
		return "write"
	}
	return ""
}

// withNeeds completes every refusal in err with what the failing command
// needs on the broker it came from (needsOf says), so its command grants
// all of it at once. Other errors pass unchanged.
func withNeeds(err error, needsOf func(*Refusal) (Needs, string)) error {
	refusals := refusalsIn(err)
	if len(refusals) == 0 {
		return err
	}
	msg := err.Error()
	for _, r := range refusals {
		before := r.Error()
		n, alt := needsOf(r)
		r.Needs = &n
		if alt != "" && r.Else == "" {
			r.Else = alt
		}
		// Missing management when policymaker is needed: name the tag
		// that grants both.
		for _, t := range n.Tags {
			if r.Tag != "" && t != r.Tag && HasTag([]string{t}, r.Tag) {
				r.Tag = t
			}
		}
		// Wrappers made with fmt.Errorf hold the refusal's old text.
		msg = strings.Replace(msg, before, r.Error(), 1)
	}
	if len(refusals) == 1 && err == error(refusals[0]) {
		return err
	}
	return &rephrased{msg: msg, err: err}
}

// refusalsIn finds every Refusal in an error tree (wrapped or joined).
func refusalsIn(err error) []*Refusal {
	if r, ok := err.(*Refusal); ok {
		return []*Refusal{r}
	}
	var out []*Refusal
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = refusalsIn(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, refusalsIn(e)...)
		}
	}
	return out
}

// rephrased is an error chain whose text was brought up to date.
type rephrased struct {
	msg string
	err error
}

func (e *rephrased) Error() string { return e.msg }
func (e *rephrased) Unwrap() error { return e.err }

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

// WithNeeds completes a refusal in err with what the failing command
// needs, so the rabbitmqctl command it prints grants all of it at once.
func WithNeeds(err error, n Needs) error {
	return withNeeds(err, func(*Refusal) (Needs, string) { return n, "" })
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

// RefusalOf reads an AMQP error that refuses an operation for want of a
// permission (or of any permission on the vhost); nil for other errors.
// doing says what was refused, in the words of parseRefusal: "publishing
// to …", "binding …", "connecting to …".
func RefusalOf(ep Endpoint, doing string, err error) *Refusal {
	var ae *amqp.Error
	if !errors.As(err, &ae) || (ae.Code != amqp.AccessRefused && ae.Code != amqp.NotAllowed) {
		return nil
	}
	return parseRefusal(ep, doing, ae.Reason)
}

// PickerNeeds is what the source picker needs: the management tag, to
// list the vhost's exchanges, queues and bindings, and any permissions
// entry on the vhost (even one matching nothing). Tapping what is picked
// then needs what that tap needs.
func PickerNeeds() Needs {
	return Needs{Tags: []string{"management"}}
}

// WithNeedsBy is WithNeeds for a command that talks to several brokers or
// users: needsOf picks the needs by the refusal (its Broker, Vhost, User).
func WithNeedsBy(err error, needsOf func(*Refusal) Needs) error {
	return withNeeds(err, func(r *Refusal) (Needs, string) { return needsOf(r), "" })
}
