package taprun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/expect"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

// Exit statuses of shoveltap expect.
const (
	expectPass  = 0 // every expectation holds
	expectFail  = 1 // one does not (or the run was interrupted)
	expectUsage = 2 // the command line is wrong
	expectNoTap = 3 // the tap could not be made, or failed while watching
)

// defaultWithin is how long expect watches without --within.
const defaultWithin = 30 * time.Second

// ExpectOptions are shoveltap expect's settings: the tap's sources and
// connection, and the expectations.
type ExpectOptions struct {
	tap     Options // the connection and source flags of the tap
	matches []string
	counts  []string
	forbids []string
	within  time.Duration
	json    bool
}

// expectSkips says which of the tap's flags mean nothing to expect: it
// prints no messages, keeps none and serves no page.
func expectSkips(name string) bool {
	switch name {
	case "json", "count", "duration", "idle-timeout", "filter", "record", "retain", "redact":
		return true
	}
	return strings.HasPrefix(name, "web") || strings.HasPrefix(name, "metrics")
}

// Register defines expect's flags on fs.
func (o *ExpectOptions) Register(fs *pflag.FlagSet) {
	// The tap's flags, registered on a scratch set first so that their
	// defaults, groups and help are the tap's, then moved over but for
	// those expect has no use for.
	scratch := pflag.NewFlagSet("tap", pflag.ContinueOnError)
	scratch.SortFlags = false
	o.tap.Register(scratch)
	scratch.VisitAll(func(fl *pflag.Flag) {
		if !expectSkips(fl.Name) {
			fs.AddFlag(fl)
		}
	})
	fs.StringArrayVar(&o.matches, "match", nil, "at least --count messages must match `EXPR` (the filter language, e.g. 'rk:order.paid task:tasks.*'; repeatable)")
	fs.StringArrayVarP(&o.counts, "count", "n", nil, "`N` messages at least for --match (default 1): one for all, or one per --match in order")
	fs.StringArrayVar(&o.forbids, "forbid", nil, "no message may match `EXPR`: fail at the first one (repeatable)")
	fs.DurationVar(&o.within, "within", defaultWithin, "how long to watch (e.g. 30s, 2m)")
	cmdline.Group(fs, cmdline.GroupExpect, "match", "count", "forbid", "within")
	fs.BoolVarP(&o.json, "json", "j", false, "print the verdict as one JSON object on stdout")
	cmdline.Group(fs, cmdline.GroupOutput, "json")
	cmdline.Brief(fs, map[string]string{
		"match": "at least --count messages must match EXPR",
		"count": "messages at least for --match (default 1)",
	})
}

// rules checks the expectations and builds them. The queries are parsed
// the way --filter parses them (tap/filter, on the reading the pipeline built), so they select the same
// messages.
func (o *ExpectOptions) rules() ([]expect.Rule, []string, error) {
	if err := o.tap.Check(nil); err != nil {
		return nil, nil, err
	}
	if len(o.matches) == 0 && len(o.forbids) == 0 {
		return nil, nil, errors.New("nothing to expect: give --match EXPR (with --count N) or --forbid EXPR")
	}
	if len(o.counts) > 1 && len(o.counts) != len(o.matches) {
		return nil, nil, fmt.Errorf("%d --count values for %d --match values: give one count for all, or one per --match in the same order", len(o.counts), len(o.matches))
	}
	if o.within <= 0 {
		return nil, nil, fmt.Errorf("--within %v: give a positive duration such as 30s", o.within)
	}
	var warnings []string
	var rules []expect.Rule
	add := func(query string, forbid bool, count int) {
		for _, w := range filter.Check(query) {
			warnings = append(warnings, fmt.Sprintf("%q: %s", query, w))
		}
		rules = append(rules, expect.Rule{Query: query, Forbid: forbid, Count: count, Match: matchQuery(query)})
	}
	for i, q := range o.matches {
		count := 1
		if len(o.counts) > 0 {
			s := o.counts[0]
			if len(o.counts) > 1 {
				s = o.counts[i]
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return nil, nil, fmt.Errorf("--count %q: give a whole number of messages, 1 or more", s)
			}
			count = n
		}
		add(q, false, count)
	}
	if len(o.counts) > 0 && len(o.matches) == 0 {
		return nil, nil, errors.New("--count goes with --match: a --forbid fails at its first message")
	}
	for _, q := range o.forbids {
		add(q, true, 0)
	}
	return rules, warnings, nil
}

// matchQuery is query's test of a message; nil (every message) for one
// without terms.
func matchQuery(query string) func(tap.Message) bool {
	keep := filter.Parse(query)
	if keep.Empty() {
		return nil
	}
	return func(m tap.Message) bool { return keep.Match(&m.Read().Subject) }
}

// RunExpect is "shoveltap expect": it checks the options, taps, watches
// and reports.
func RunExpect(ctx context.Context, o *ExpectOptions, con cmdline.Console) int {
	stderr := con.Stderr
	usage := func(err error) int { return cmdline.UsageFail(con, "shoveltap expect", err) }
	rules, warnings, err := o.rules()
	if err != nil {
		return usage(err)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "shoveltap expect: warning:", w)
	}
	sources := o.tap.sources()
	if len(sources) == 0 {
		return usage(errors.New("nothing to tap: give --exchange NAME or --queue NAME"))
	}
	cfg, err := o.tap.config(ctx, con)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap expect:", err)
		return expectUsage
	}
	if code, ok := o.tap.confirmProduction(ctx, con, cfg); !ok {
		if code == 0 {
			return expectFail // declined: nothing was checked
		}
		return code
	}
	cfg.Sources = sources
	session, err := tap.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "shoveltap expect: the tap could not be made:", err)
		if o.json {
			o.printJSON(con, expectReport{Outcome: "no-tap", Exit: expectNoTap, Error: err.Error()})
		}
		return expectNoTap
	}
	closeTap := closerOf(session)
	defer func() {
		if r := recover(); r != nil {
			_ = closeTap()
			panic(r)
		}
	}()
	fmt.Fprintf(stderr, "shoveltap expect: watching for %v (tap %s)\n", o.within, session.Names().Base)

	// The same pipeline as the tap's views (tap/pipeline): each message
	// read once, and matched on that reading.
	pipe, batches := pipeline.Start(ctx, session.Batches(), pipeline.Config{})
	checker := expect.New(rules, time.Now())
	verdict, watchErr := expect.Watch(ctx, batches, checker, o.within)
	_, _ = pipe.Stop()
	closeErr := closeTap()

	code := expectPass
	switch {
	case closeErr != nil:
		fmt.Fprintln(stderr, "shoveltap expect:", closeErr)
		code = expectNoTap
	case watchErr != nil && ctx.Err() != nil:
		fmt.Fprintln(stderr, "shoveltap expect: interrupted before the expectations were decided")
		code = expectFail
	case watchErr != nil:
		fmt.Fprintln(stderr, "shoveltap expect: the tap failed:", watchErr)
		code = expectNoTap
	case !verdict.Pass:
		code = expectFail
	}
	if code == expectFail && ctx.Err() == nil {
		for _, line := range verdict.Failures() {
			fmt.Fprintln(stderr, "shoveltap expect:", line)
		}
	}
	fmt.Fprintln(stderr, "shoveltap expect:", verdict.Summary())
	if o.json {
		rep := expectReport{Verdict: verdict, Exit: code, Tap: session.Names().Base}
		if watchErr != nil {
			rep.Error = watchErr.Error()
		}
		o.printJSON(con, rep)
	}
	return code
}

// expectReport is what --json prints: the verdict, the exit status, the
// tap's name and, when the tap failed, why.
type expectReport struct {
	expect.Verdict
	Outcome string `json:"outcome,omitempty"` // overrides the verdict's when no tap was made
	Exit    int    `json:"exit"`
	Tap     string `json:"tap,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (o *ExpectOptions) printJSON(con cmdline.Console, rep expectReport) {
	if rep.Outcome == "" {
		rep.Outcome = string(rep.Verdict.Outcome)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap expect: printing the verdict:", err)
		return
	}
	fmt.Fprintln(con.Stdout, string(b))
}

// Conn is the connection flags of the tap, for their completions.
func (o *ExpectOptions) Conn() *cmdline.Conn { return &o.tap.Conn }
