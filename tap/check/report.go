package check

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// checkWidth is the width the check report is laid out for; only
// rabbitmqctl commands, which must stay whole, may run longer.
const checkWidth = 80

// WriteText prints a check report for a person at an 80-column terminal:
// the verdict, the broker in a few lines, what each ability lacks, and the
// one block of commands that grants all of it.
func WriteText(w io.Writer, r *Report) {
	writeWrapped(w, "", "  ", fmt.Sprintf("shoveltap check: user %q on %s, vhost %q", r.User, r.Broker, r.Vhost))
	for _, v := range r.Verdict() {
		writeWrapped(w, "  ", "    ", v)
	}
	fmt.Fprintln(w)
	field := func(name, value string) {
		writeWrapped(w, fmt.Sprintf("  %-9s ", name), "            ", value)
	}
	broker := "RabbitMQ " + orUnknown(r.Version)
	if r.Cluster != "" {
		broker += ", cluster " + r.Cluster
	}
	field("broker", broker+", API "+r.API)
	if r.APIProblem != "" {
		field("", "API not usable: "+r.APIProblem)
	}
	switch {
	case r.Tags == nil:
		field("tags", "unknown")
	case len(r.Tags) == 0 && r.APIProblem != "":
		field("tags", "none that uses the management API")
	case len(r.Tags) == 0:
		field("tags", "none")
	default:
		field("tags", strings.Join(r.Tags, ", "))
	}
	field("plugins", pluginList(r))
	if r.Tracing != nil {
		state := "off"
		if *r.Tracing {
			state = "on"
		}
		field("firehose", fmt.Sprintf("tracing is %s for vhost %q", state, r.Vhost))
	}

	missing, untried := gather(r.Abilities, func(a Ability) []string { return a.Missing }), gather(r.Abilities, func(a Ability) []string { return a.Untried })
	if len(missing.items) > 0 {
		fmt.Fprintln(w, "\nMissing, and for what:")
		for _, m := range missing.items {
			writeWrapped(w, "  ", "      ", m+": "+strings.Join(missing.by[m], ", "))
		}
	}
	if len(untried.items) > 0 {
		fmt.Fprintln(w, "\nNot tried (most need the missing permissions first):")
		for _, u := range untried.items {
			writeWrapped(w, "  ", "    ", u)
		}
	}
	for _, a := range r.Abilities {
		if a.Result == Yes || (r.Grant != nil && slices.Contains(r.Grant.For, a.Name)) {
			continue
		}
		fmt.Fprintln(w)
		writeWrapped(w, a.Name+": ", "  ", a.Note)
		if a.Instead != "" {
			fmt.Fprintln(w, "  "+a.Instead) // whole, to copy
		}
	}
	if g := r.Grant; g != nil {
		fmt.Fprintln(w)
		writeWrapped(w, "", "", fmt.Sprintf("To allow %s: an administrator pastes this block on a broker node. It keeps the patterns and tags %q has now:", strings.Join(g.For, ", "), r.User))
		for _, c := range g.Commands {
			fmt.Fprintln(w, "  "+c) // whole, to copy
		}
	}
	for _, n := range r.Notes {
		writeWrapped(w, "\nNote: ", "      ", n)
	}
	fmt.Fprintln(w)
	writeWrapped(w, "", "", "Not tried: replay, which needs write on the exchange it publishes to (trying would publish).")
}

// gathered is what several abilities lack, each thing once, in order,
// with the abilities that lack it.
type gathered struct {
	items []string
	by    map[string][]string
}

// gather joins one list of each ability, a "not tried" reason cut off
// (the heading says it).
func gather(as []Ability, list func(Ability) []string) gathered {
	g := gathered{by: map[string][]string{}}
	for _, a := range as {
		for _, item := range list(a) {
			if i := strings.Index(item, " (not tried"); i > 0 {
				item = item[:i]
			}
			if _, ok := g.by[item]; !ok {
				g.items = append(g.items, item)
			}
			if !slices.Contains(g.by[item], a.Name) {
				g.by[item] = append(g.by[item], a.Name)
			}
		}
	}
	return g
}

func orUnknown(s string) string {
	if s == "" {
		return "version unknown"
	}
	return s
}

// pluginList names the enabled plugins and says how sure that is.
func pluginList(r *Report) string {
	if len(r.Plugins) == 0 {
		return "unknown (the management API is needed to tell)"
	}
	var on, off, unknown []string
	for _, p := range r.Plugins {
		switch p.Enabled {
		case Yes:
			on = append(on, p.Name)
		case No:
			off = append(off, p.Name)
		default:
			unknown = append(unknown, p.Name)
		}
	}
	s := "enabled: " + strings.Join(on, ", ")
	if len(off) > 0 {
		s += "; not enabled: " + strings.Join(off, ", ")
	}
	if len(unknown) > 0 {
		s += "; unknown: " + strings.Join(unknown, ", ")
	}
	if !r.PluginsComplete {
		s += " (as far as this user can tell: the monitoring tag lists them all)"
	}
	return s
}

// writeWrapped prints text after first, wrapped at checkWidth, each
// further line after rest.
func writeWrapped(w io.Writer, first, rest, text string) {
	line := first
	width := len(first)
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && width+1+len(word) > checkWidth {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line, width, empty = rest, len(rest), true
		}
		if !empty {
			line += " "
			width++
		}
		line += word
		width += len(word)
		empty = false
	}
	fmt.Fprintln(w, strings.TrimRight(line, " "))
}
