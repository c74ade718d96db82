package broker

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

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
	n := OwnNeeds()
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
		return ep.Refused(&Refusal{Doing: doing, Broker: ep.Address(), User: m[5], Vhost: m[4], Perm: perm, Kind: m[2], Name: m[3]})
	}
	if m := refusedVhost.FindStringSubmatch(reason); m != nil {
		return ep.Refused(&Refusal{Doing: doing, Broker: ep.Address(), User: m[2], Vhost: m[1], Perm: "access"})
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

// withNeedsBy completes every refusal in err, after the fact, with what
// the failing command needs on the broker it came from (needsOf says,
// with another way out where one needs less). Other errors pass
// unchanged. Prefer Endpoint.Needs, which a refusal carries from where it
// is made; this is for WithNeeds's callers.
func withNeedsBy(err error, needsOf func(*Refusal) (Needs, string)) error {
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

// WithNeeds completes a refusal in err with what the failing command
// needs, so the rabbitmqctl command it prints grants all of it at once.
// It rewrites the text of errors that wrap the refusal: a caller that
// owns its endpoint sets Endpoint.Needs instead (as tap.Open and setup
// do); cleanup, the picker and check still call this.
func WithNeeds(err error, n Needs) error {
	return withNeedsBy(err, func(*Refusal) (Needs, string) { return n, "" })
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

// CheckExchange says whether exchange name exists, by a passive declare on
// ch (which a failure closes, so give it a channel of its own). RabbitMQ 4.3
// refuses the check itself without configure permission, which a tapping or
// replaying user need not have on production's exchanges: such a refusal
// counts as no answer (nil), and the bind or publish that follows names what
// is missing, if anything. A missing exchange comes back as the broker's
// NOT_FOUND error.
func CheckExchange(ch *amqp.Channel, name string) error {
	err := ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil)
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.AccessRefused {
		return nil
	}
	return err
}
