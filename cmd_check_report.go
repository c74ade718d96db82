package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/shoveltap/shoveltap/tap"
)

// checkWidth is the width the check report is laid out for; only
// rabbitmqctl commands, which must stay whole, may run longer.
const checkWidth = 80

// writeCheck prints a check report for a person at an 80-column terminal.
func writeCheck(w io.Writer, r *tap.Report) {
	writeWrapped(w, "", "  ", fmt.Sprintf("shoveltap check: user %q on %s, vhost %q", r.User, r.Broker, r.Vhost))
	fmt.Fprintln(w)
	field := func(name, value string) {
		writeWrapped(w, fmt.Sprintf("  %-10s ", name), "             ", value)
	}
	broker := "RabbitMQ " + orUnknown(r.Version)
	if r.Cluster != "" {
		broker += ", cluster " + r.Cluster
	}
	field("broker", broker)
	field("api", r.API)
	if r.APIProblem != "" {
		field("", "not usable: "+r.APIProblem)
	}
	switch {
	case r.Tags == nil:
		field("tags", "unknown")
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

	fmt.Fprintln(w, "\nPermissions, tried on objects that vanish with this check's connection:")
	for _, p := range r.Permissions {
		fmt.Fprintf(w, "  %-9s %-10s %s\n", p.Result, p.Perm, p.On)
		if p.Detail != "" {
			writeWrapped(w, "                        ", "                        ", p.Detail)
		}
	}

	fmt.Fprintf(w, "\nWhat user %q can do here:\n", r.User)
	const indent = "                                    "
	for _, a := range r.Abilities {
		writeWrapped(w, fmt.Sprintf("  %-9s %-24s ", a.Result, a.Name), indent, a.Usage)
		for _, m := range a.Missing {
			writeWrapped(w, "            missing: ", "                     ", m)
		}
		for _, u := range a.Untried {
			writeWrapped(w, "            not tried: ", "                       ", u)
		}
		if a.Note != "" && a.Result != tap.Yes {
			writeWrapped(w, "            ", "            ", a.Note)
		}
		for _, c := range a.Commands {
			fmt.Fprintln(w, "            "+c) // whole, to copy
		}
		if a.Instead != "" {
			fmt.Fprintln(w, "            or instead: "+a.Instead)
		}
	}
	for _, n := range r.Notes {
		writeWrapped(w, "\nNote: ", "      ", n)
	}
	fmt.Fprintln(w)
	writeWrapped(w, "", "", "Not tried: replay, which needs write on the exchange it publishes to (trying would publish).")
	writeWrapped(w, "", "", "set_permissions replaces all three of a user's patterns on the vhost: merge in what rabbitmqctl list_user_permissions "+r.User+" shows.")
}

func orUnknown(s string) string {
	if s == "" {
		return "version unknown"
	}
	return s
}

// pluginList names the enabled plugins and says how sure that is.
func pluginList(r *tap.Report) string {
	if len(r.Plugins) == 0 {
		return "unknown (the management API is needed to tell)"
	}
	var on, off, unknown []string
	for _, p := range r.Plugins {
		switch p.Enabled {
		case tap.Yes:
			on = append(on, p.Name)
		case tap.No:
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
