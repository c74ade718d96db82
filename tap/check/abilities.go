package check

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// probePermissions tries configure, write and read on shoveltap's names
// and setup's, and read on each exchange to tap (and on the firehose's).
func probePermissions(p *prober, exchanges []string) []Permission {
	qc, qcErr := p.declareQueue(p.tapQueue)
	qw, qwErr := p.writeQueue(p.tapQueue)
	qr, qrErr := p.readQueue(p.tapQueue)
	xc, xw, xr, xErrs := p.exchangeRights()
	mc, mcErr := p.declareQueue(p.mirrorQueue)
	mw, mwErr := p.writeQueue(p.mirrorQueue)
	mr, mrErr := p.readQueue(p.mirrorQueue)
	tapNames := "shoveltap-… queues and exchanges"
	mirrorNames := "shoveltap-mirror-… queues"
	perms := []Permission{
		both("configure", tapNames, broker.Prefixed(broker.Prefix), qc, qcErr, xc, xErrs[0]),
		both("write", tapNames, broker.Prefixed(broker.Prefix), qw, qwErr, xw, xErrs[1]),
		both("read", tapNames, broker.Prefixed(broker.Prefix), qr, qrErr, xr, xErrs[2]),
		one("configure", mirrorNames, broker.Prefixed(broker.MirrorPrefix), mc, mcErr),
		one("write", mirrorNames, broker.Prefixed(broker.MirrorPrefix), mw, mwErr),
		one("read", mirrorNames, broker.Prefixed(broker.MirrorPrefix), mr, mrErr),
	}
	var writable []string
	if qw == Yes {
		writable = append(writable, p.tapQueue)
	}
	if mw == Yes {
		writable = append(writable, p.mirrorQueue)
	}
	seen := map[string]bool{}
	for _, x := range append(slices.Clone(exchanges), traceExchange) {
		if seen[x] {
			continue
		}
		seen[x] = true
		res, err := p.readExchange(x, writable)
		perms = append(perms, one("read", fmt.Sprintf("exchange %q", x), broker.Named(x), res, err))
	}
	return perms
}

func one(perm, on string, m broker.Match, res string, err error) Permission {
	p := Permission{Perm: perm, On: on, Result: res, match: m}
	var r *broker.Refusal
	if res != Yes && err != nil && !(errors.As(err, &r) && r.Name == m.Name) {
		p.Detail = probeDetail(err)
	}
	return p
}

// both joins a queue's and an exchange's answer for one permission.
func both(perm, on string, m broker.Match, a string, aErr error, b string, bErr error) Permission {
	switch {
	case a == No || (a == Unknown && b != No):
		return one(perm, on, m, a, aErr)
	case b != Yes:
		return one(perm, on, m, b, bErr)
	}
	return one(perm, on, m, Yes, nil)
}

// probeDetail says in a few words why a probe failed.
func probeDetail(err error) string {
	var r *broker.Refusal
	if errors.As(err, &r) && r.Perm != "access" {
		return fmt.Sprintf("refused on %s %q", r.Kind, r.Name)
	}
	return err.Error()
}

// mode is one way of using shoveltap, as check weighs it.
type mode struct {
	name, usage string
	needs       broker.Needs
	shovel      bool // needs the shovel plugin
	taps        bool // reads the exchanges given with --exchange / --queue
	note        string
}

// abilities weighs what the report found against what each of
// shoveltap's modes needs.
func abilities(r *Report, api apiFacts, exchanges, queueExchanges []string) []Ability {
	tapped := append(slices.Clone(exchanges), queueExchanges...)
	firehose := broker.TapNeeds(false, traceExchange)
	firehose.Tags = []string{"management"}
	firehoseNote, traceOn := "tracing is on for the vhost, so the management tag is enough", ""
	if r.Tracing == nil || !*r.Tracing {
		firehose.Tags = []string{"administrator"}
		firehoseNote = "tracing is off for the vhost, and only an administrator may turn it on; once an administrator has (it costs every publish in the vhost), the management tag is enough"
		traceOn = "rabbitmqctl trace_on -p " + broker.ShellQuote(r.Vhost)
	}
	tapBroker := broker.TapNeeds(false)
	tapBroker.Tags = []string{"management"}
	noShovelNote := ""
	if !api.usable {
		noShovelNote = "without the management API: no --queue, no dropped counts, and # cannot tap a direct exchange"
	}
	modes := []mode{
		{"shovel tap", "shoveltap --exchange X | --queue Q", broker.TapNeeds(true, tapped...), true, true, ""},
		{"binding tap", "shoveltap --no-shovel --exchange X", broker.TapNeeds(false, exchanges...), false, true, noShovelNote},
		{"firehose", "shoveltap --queue Q --firehose", firehose, false, false, firehoseNote},
		{"tap broker", "the broker of --tap-url", tapBroker, false, false, ""},
		{"picker", "shoveltap (no source, in a terminal)", broker.PickerNeeds(), false, false, ""},
		{"cleanup", "shoveltap cleanup", broker.CleanupNeeds(), false, false, ""},
		{"setup (production side)", "shoveltap setup apply", broker.SetupNeeds(exchanges...), true, true,
			"the mirror broker's user needs the management tag, and configure and write on the mirror exchange: run shoveltap check there"},
	}
	var out []Ability
	for _, m := range modes {
		a := r.weigh(m.name, m.usage, m.needs, m.note)
		if m.shovel {
			a.weighPlugin(api.shovelPlugin)
		}
		if m.name == "firehose" && a.Result != Yes {
			a.Instead = traceOn
		}
		if m.taps && len(tapped) == 0 {
			a.Untried = append(a.Untried, "read on the exchanges to tap: name them with --exchange or --queue")
			if a.Result == Yes {
				a.Result = Unknown
			}
		}
		out = append(out, a)
	}
	return out
}

// weigh checks one mode's needs against the report.
func (r *Report) weigh(name, usage string, n broker.Needs, note string) Ability {
	a := Ability{Name: name, Usage: usage, Note: note, needs: n}
	var missingTags []string
	for _, t := range n.Tags {
		switch {
		case r.Tags == nil:
			a.Untried = append(a.Untried, fmt.Sprintf("the %q tag (the management API did not answer)", t))
		case !broker.HasTag(r.Tags, t):
			a.Missing = append(a.Missing, fmt.Sprintf("the %q tag", t))
			missingTags = append(missingTags, t)
		}
	}
	permsShort := false
	for _, need := range []struct {
		perm string
		ms   []broker.Match
	}{{"configure", n.Configure}, {"write", n.Write}, {"read", n.Read}} {
		for _, m := range need.ms {
			p, ok := r.permission(need.perm, m)
			switch {
			case !ok:
				continue
			case p.Result == No:
				a.Missing = append(a.Missing, fmt.Sprintf("%s permission on %s", need.perm, p.On))
				permsShort = true
			case p.Result == Unknown:
				a.Untried = append(a.Untried, fmt.Sprintf("%s permission on %s (%s)", need.perm, p.On, p.Detail))
				permsShort = true
			}
		}
	}
	a.tagsShort, a.permsShort = len(missingTags) > 0, permsShort
	switch {
	case len(a.Missing) > 0:
		a.Result = No
	case len(a.Untried) > 0:
		a.Result = Unknown
	default:
		a.Result = Yes
	}
	return a
}

// weighPlugin adds the shovel plugin to a mode that needs it.
func (a *Ability) weighPlugin(state string) {
	switch state {
	case No:
		a.Missing = append(a.Missing, "the rabbitmq_shovel plugin")
		a.pluginShort = true
		a.Result = No
	case Unknown:
		a.Untried = append(a.Untried, "whether the rabbitmq_shovel plugin is enabled")
		if a.Result == Yes {
			a.Result = Unknown
		}
	}
}

// permission finds the probe that answers for a match.
func (r *Report) permission(perm string, m broker.Match) (Permission, bool) {
	for _, p := range r.Permissions {
		if p.Perm == perm && p.match == m {
			return p, true
		}
	}
	return Permission{}, false
}

// Summary is the report's one-line verdict per ability, for tests and logs.
func (r *Report) Summary() string {
	var parts []string
	for _, a := range r.Abilities {
		parts = append(parts, a.Name+": "+a.Result)
	}
	return strings.Join(parts, "; ")
}
