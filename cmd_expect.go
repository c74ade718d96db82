package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decoding"
	"github.com/shoveltap/shoveltap/tap/expect"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/filter"
)

// Exit statuses of shoveltap expect.
const (
	expectPass  = 0 // every expectation holds
	expectFail  = 1 // one does not (or the run was interrupted)
	expectUsage = 2 // the command line is wrong
	expectNoTap = 3 // the tap could not be made, or failed while watching
)

// DefaultWithin is how long expect watches without --within.
const defaultWithin = 30 * time.Second

const expectUsageHead = `shoveltap expect — assert on live traffic, with an exit status for scripts and tests.

Taps the sources (as shoveltap does: --exchange, --queue, --firehose, a
stream with --from) and checks that, within --within, at least --count
messages match each --match query and none matches a --forbid query. The
queries are the filter language of the UI and --filter. Everything the tap
creates is removed on every exit.

Without --forbid it stops as soon as every count is reached; with one it
watches the whole window (a forbidden message may still come).

Exit status: 0 every expectation holds, 1 one does not (which, and the
messages that broke it, on stderr), 2 the command line is wrong, 3 the tap
could not be made or failed.

Usage:
  shoveltap expect --exchange orders --match rk:order.paid --count 3 --forbid rk:order.failed --within 30s
  shoveltap expect --queue events --from first --match 'type:OrderPaid' --json

Flags:
`

// expectOptions are shoveltap expect's settings.
type expectOptions struct {
	tap     tapFlags // the connection and source flags of the tap
	matches listFlag
	counts  listFlag
	forbids listFlag
	within  time.Duration
	json    bool
}

// expectTapFlags are the tap's flags that mean nothing to expect: it
// prints no messages, keeps none and serves no page.
var expectTapFlags = map[string]bool{
	"json": true, "count": true, "duration": true, "idle-timeout": true, "filter": true,
	"record": true, "retain": true, "redact": true,
}

func (o *expectOptions) register(fs *flag.FlagSet) {
	// The tap's flags, registered on a scratch set first so that their
	// defaults are the tap's, then copied over but for those expect has
	// no use for.
	scratch := flag.NewFlagSet("tap", flag.ContinueOnError)
	o.tap.register(scratch)
	scratch.VisitAll(func(fl *flag.Flag) {
		if !expectTapFlags[fl.Name] && !strings.HasPrefix(fl.Name, "web") && !strings.HasPrefix(fl.Name, "metrics") {
			fs.Var(fl.Value, fl.Name, fl.Usage)
		}
	})
	fs.Var(&o.matches, "match", "at least --count messages must match `EXPR` (the filter language, e.g. 'rk:order.paid task:tasks.*'; repeatable)")
	fs.Var(&o.counts, "count", "`N` messages at least for --match (default 1): one for all, or one per --match in order")
	fs.Var(&o.forbids, "forbid", "no message may match `EXPR`: fail at the first one (repeatable)")
	fs.DurationVar(&o.within, "within", defaultWithin, "how long to watch (e.g. 30s, 2m)")
	fs.BoolVar(&o.json, "json", false, "print the verdict as one JSON object on stdout")
}

// rules checks the expectations and builds them. The queries are parsed
// the way --filter parses them (ui.MatchFunc), so they select the same
// messages.
func (o *expectOptions) rules(args []string) ([]expect.Rule, []string, error) {
	if err := o.tap.check(args); err != nil {
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
	keep := ui.MatchFunc(query)
	if keep == nil {
		return nil
	}
	return func(m tap.Message) bool { return keep(m, m.Result()) }
}

// runExpect is shoveltap expect.
func runExpect(ctx context.Context, args []string, con console) int {
	var o expectOptions
	fs := flag.NewFlagSet("shoveltap expect", flag.ContinueOnError)
	fs.SetOutput(con.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), expectUsageHead)
		fs.PrintDefaults()
	}
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	return o.run(ctx, fs.Args(), con)
}

// run checks the options, taps, watches and reports.
func (o *expectOptions) run(ctx context.Context, args []string, con console) int {
	stderr := con.stderr
	usage := func(err error) int {
		fmt.Fprintf(stderr, "shoveltap expect: %v\nRun shoveltap expect --help for every flag.\n", err)
		return expectUsage
	}
	rules, warnings, err := o.rules(args)
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
		return usage(err)
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
	closeTap := func() error {
		// Its own deadline: the removal runs after a signal ended ctx.
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := session.Close(cctx); err != nil {
			return fmt.Errorf("%w\nrun shoveltap cleanup to remove what is left", err)
		}
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			_ = closeTap()
			panic(r)
		}
	}()
	fmt.Fprintf(stderr, "shoveltap expect: watching for %v (tap %s)\n", o.within, session.Names().Base)

	stageCtx, stopStage := context.WithCancel(ctx)
	batches := decoding.Stage(stageCtx, session.Batches(), 0)
	checker := expect.New(rules, time.Now())
	verdict, watchErr := expect.Watch(ctx, batches, checker, o.within)
	stopStage()
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

func (o *expectOptions) printJSON(con console, rep expectReport) {
	if rep.Outcome == "" {
		rep.Outcome = string(rep.Verdict.Outcome)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		fmt.Fprintln(con.stderr, "shoveltap expect: printing the verdict:", err)
		return
	}
	fmt.Fprintln(con.stdout, string(b))
}
