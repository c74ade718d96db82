package taprun

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/ui/picker"
)

// Run is shoveltap without a command: tap the sources the flags name,
// or the ones picked in the terminal, until the user or a signal ends it.
func Run(ctx context.Context, f *Options, con cmdline.Console) int {
	cfg, err := f.config(ctx, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", err)
		return 2
	}
	// The user's decoders, before anything is created on the broker: a bad
	// schema or a hook that cannot start ends the run here.
	decs, err := f.decoding.Load(ctx, f.Conn.Decoders())
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", err)
		return 2
	}
	defer decs.Close()
	for _, l := range decs.Loaded {
		fmt.Fprintln(con.Stderr, "shoveltap: decoding with", l)
	}
	if cfg.Firehose && cfg.MaxRate > 0 {
		fmt.Fprintln(con.Stderr, "shoveltap: note: --max-rate with --firehose bounds what reaches the tap, not what tracing costs: the broker still copies every publish of the vhost to amq.rabbitmq.trace")
	}
	if code, ok := f.confirmProduction(ctx, con, cfg); !ok {
		return code
	}
	sources := f.sources()
	if err := f.web.check(len(sources) > 0, con); err != nil {
		return cmdline.UsageFail(con, "shoveltap", err)
	}
	useJSON := (f.json || !cmdline.IsTerminal(con.Stdout)) && !f.web.only
	if err := f.checkOutput(useJSON); err != nil {
		return cmdline.UsageFail(con, "shoveltap", err)
	}
	for _, w := range filter.Check(f.filter) {
		fmt.Fprintln(con.Stderr, "shoveltap: warning: --filter:", w)
	}
	// Without a source, a terminal gets the picker; a pipe cannot.
	if len(sources) == 0 && useJSON {
		return cmdline.UsageFail(con, "shoveltap", errors.New("nothing to tap: give --exchange NAME or --queue NAME"))
	}
	taps := &tapSessions{cfg: cfg, flags: f, useJSON: useJSON, con: con, dec: decs.Decoder}
	if f.metrics.addr != "" || f.web.addr != "" {
		taps.metrics = metrics.New(metrics.Config{TopN: f.metrics.topN})
	}
	traceURL := ""
	if env := f.Conn.Env(); env != nil {
		traceURL = env.TraceURL
	}
	if taps.web, err = startWeb(&f.web, f.retain, taps.metrics, traceURL, con); err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", err)
		return 2
	}
	defer stopWeb(taps.web)
	metricsSrv, err := startMetrics(&f.metrics, taps.metrics, con)
	if err != nil {
		fmt.Fprintln(con.Stderr, "shoveltap:", err)
		return 2
	}
	defer metricsSrv.stop()
	if f.record != "" {
		// Opened before anything else so that a wrong path fails at once.
		if taps.rec, err = capture.Create(f.record); err != nil {
			fmt.Fprintln(con.Stderr, "shoveltap:", err)
			return 2
		}
		defer taps.closeUnused()
	}
	loop := tapLoop{
		pick: func(ctx context.Context, selected []tap.Source, problem string) ([]tap.Source, error) {
			return picker.Run(ctx, cfg.Endpoint, selected, problem)
		},
		session: taps.run,
		stderr:  con.Stderr,
	}
	return loop.run(ctx, sources)
}
