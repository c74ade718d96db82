package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Grant is what the user lacks for every ability check found short,
// joined: one set of tags, one set of three patterns on the vhost, and the
// shovel plugin when an ability needs it. The firehose's administrator
// tag is never part of it (Ability.Instead has the trace_on way).
type Grant struct {
	For []string `json:"for"` // the abilities it is for
	// AddTags are the tags the user lacks; the commands add them to the
	// ones it has (set_user_tags replaces them all).
	AddTags []string `json:"add_tags,omitempty"`
	// Configure, Write and Read are the patterns the user needs; the
	// commands join them with what it has now.
	Configure string `json:"configure"`
	Write     string `json:"write"`
	Read      string `json:"read"`
	Plugin    bool   `json:"plugin,omitempty"` // rabbitmq_shovel is to be enabled
	// Commands is the block for an administrator on a broker node to
	// paste whole, in order.
	Commands []string `json:"commands"`
}

// grant joins the needs of every ability that is not a yes.
func (r *Report) grant() *Grant {
	var g Grant
	var needs broker.Needs
	var add []string
	for _, a := range r.Abilities {
		if a.Result == Yes || !(a.tagsShort || a.permsShort || a.pluginShort) {
			continue
		}
		// The firehose with tracing off: an administrator turns tracing
		// on (Instead) rather than making the user one.
		if slices.Contains(a.needs.Tags, "administrator") && !broker.HasTag(r.Tags, "administrator") {
			continue
		}
		g.For = append(g.For, a.Name)
		needs.Configure = append(needs.Configure, a.needs.Configure...)
		needs.Write = append(needs.Write, a.needs.Write...)
		needs.Read = append(needs.Read, a.needs.Read...)
		g.Plugin = g.Plugin || a.pluginShort
		for _, t := range a.needs.Tags {
			if !broker.HasTag(r.Tags, t) && !slices.Contains(add, t) {
				add = append(add, t)
			}
		}
	}
	if len(g.For) == 0 {
		return nil
	}
	// policymaker and monitoring include management.
	if slices.Contains(add, "policymaker") || slices.Contains(add, "monitoring") {
		add = slices.DeleteFunc(add, func(t string) bool { return t == "management" })
	}
	g.Configure, g.Write, g.Read = needs.Patterns()
	g.AddTags = add
	g.Commands = g.commands(r.Vhost, r.User)
	return &g
}

// commands is the block: set_permissions replaces all three patterns, so
// the block reads the user's present ones on the vhost and joins each
// with the needed one (an empty pattern, which matches nothing, joins as
// nothing); set_user_tags replaces every tag, so the block reads them too
// (the API cannot show them all to a user without the management tag).
func (g *Grant) commands(vhost, user string) []string {
	q := broker.ShellQuote
	cmds := []string{
		fmt.Sprintf(`old() { rabbitmqctl -q --no-table-headers list_user_permissions %s | awk -F'\t' -v v=%s -v i="$1" '$1 == v { print $i }'; }`, q(user), q(vhost)),
		`c=$(old 2) w=$(old 3) r=$(old 4)`,
		fmt.Sprintf(`rabbitmqctl set_permissions -p %s %s %s"${c:+|$c}" %s"${w:+|$w}" %s"${r:+|$r}"`,
			q(vhost), q(user), quoteAlways(g.Configure), quoteAlways(g.Write), quoteAlways(g.Read)),
	}
	if len(g.AddTags) > 0 {
		cmds = append(cmds, fmt.Sprintf(`t=$(rabbitmqctl -q --no-table-headers list_users | awk -F'\t' -v u=%s '$1 == u { gsub(/[][,]/, "", $2); print $2 }')`, q(user)))
		parts := []string{"rabbitmqctl set_user_tags", q(user), "$t"}
		for _, t := range g.AddTags {
			parts = append(parts, q(t))
		}
		cmds = append(cmds, strings.Join(parts, " "))
	}
	if g.Plugin {
		cmds = append(cmds, "rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management")
	}
	return cmds
}

// quoteAlways single-quotes s for a POSIX shell, so that a pattern's $
// stays literal next to the double-quoted part that follows it.
func quoteAlways(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Verdict is the report in a few words: what the user can do, cannot do,
// and what check could not tell.
func (r *Report) Verdict() []string {
	var yes, no, unknown []string
	for _, a := range r.Abilities {
		switch a.Result {
		case Yes:
			yes = append(yes, a.Name)
		case No:
			no = append(no, a.Name)
		default:
			unknown = append(unknown, a.Name)
		}
	}
	var out []string
	for _, l := range []struct {
		label string
		names []string
	}{{"can", yes}, {"cannot", no}, {"unknown", unknown}} {
		if len(l.names) > 0 {
			out = append(out, l.label+": "+strings.Join(l.names, ", "))
		}
	}
	return out
}
