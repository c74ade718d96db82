package taprun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/envs"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/web"
)

// tapSessions opens one tap session after another for the tap loop, all
// with the same settings and only the sources changing.
type tapSessions struct {
	cfg     tap.Config // Sources aside
	flags   *Options
	useJSON bool
	con     cmdline.Console
	dec     *decode.Decoder    // the user's decoders first (--proto, --hook, the decoders: section)
	web     *web.Server        // the browser monitor (--web), fed beside the UI or JSON; nil for none
	metrics *metrics.Collector // the Prometheus metrics (--metrics, /metrics on --web); nil for none
	// rec is the recorder the next session writes to; each session closes
	// its own, and the next opens the file again to append to it.
	rec *capture.Recorder
}

// closeUnused closes a recorder no session took (quit in the picker).
func (s *tapSessions) closeUnused() {
	if s.rec != nil {
		_ = s.rec.Close()
		s.rec = nil
	}
}

// run opens a tap on sources, shows it (UI or JSON lines) until the user or
// a signal ends it, and removes it.
func (s *tapSessions) run(ctx context.Context, sources []tap.Source) tapResult {
	stderr := s.con.Stderr
	rec := s.rec
	s.rec = nil
	if rec == nil && s.flags.record != "" {
		var err error
		if rec, err = capture.Create(s.flags.record); err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
			return tapResult{code: 1}
		}
	}
	cfg := s.cfg
	cfg.Sources = sources
	ep := cfg.Endpoint
	var what []string
	for _, src := range sources {
		what = append(what, src.Label())
	}
	fmt.Fprintf(stderr, "shoveltap: creating a tap on %s (vhost %s) for %s…\n", ep.Address(), ep.Vhost, strings.Join(what, ", "))
	session, err := tap.Open(ctx, cfg)
	if err != nil {
		if rec != nil {
			_ = rec.Close()
		}
		return tapResult{code: 1, openErr: err}
	}
	for _, note := range session.Notes {
		fmt.Fprintln(stderr, "shoveltap: note:", note)
	}
	if st := session.Status(); st.Stream.Name != "" {
		fmt.Fprintf(stderr, "shoveltap: reading %s as a stream consumer: nothing is removed or created on the broker\n", strings.Join(st.Sources, ", "))
	}
	for _, base := range session.Swept {
		fmt.Fprintf(stderr, "shoveltap: removed %s, left behind by a shoveltap that did not exit cleanly\n", base)
	}
	closeTap := closerOf(session)
	// A panic anywhere on this goroutine still removes the tap.
	defer func() {
		if r := recover(); r != nil {
			_ = closeTap()
			panic(r)
		}
	}()

	// The one pipeline (tap/pipeline): redact, read each message once,
	// record, the web monitor; then the view below.
	rctx, stopRouting := context.WithCancel(ctx)
	defer stopRouting()
	router := startRouting(rctx, ep, sources)
	pipe, batches := pipeline.Start(ctx, session.Batches(), s.pipelineConfig(rec, router))
	defer pipe.Stop()
	var again bool
	var runErr error
	if s.flags.web.only {
		runErr = s.serveWebOnly(ctx, session, batches)
	} else if s.useJSON {
		runErr = s.printJSON(ctx, session, batches)
	} else {
		opts := s.uiOptions(closeTap)
		if router != nil {
			opts.Routing = router
		}
		for _, src := range sources {
			opts.QueueTap = opts.QueueTap || src.Queue != ""
		}
		again, runErr = runUI(ctx, session, batches, opts)
	}
	n, err := pipe.Stop()
	if rec != nil {
		fmt.Fprintf(stderr, "shoveltap: recorded %d messages to %s\n", n, s.flags.record)
		if err != nil {
			fmt.Fprintln(stderr, "shoveltap:", err)
		}
	}
	fmt.Fprintln(stderr, "shoveltap: removing tap…")
	if err := closeTap(); err != nil {
		fmt.Fprintln(stderr, "shoveltap:", err)
		return tapResult{code: 1}
	}
	fmt.Fprintf(stderr, "shoveltap: tap %s removed\n", session.Names().Base)
	if runErr != nil {
		fmt.Fprintln(stderr, "shoveltap:", runErr)
		return tapResult{code: 1}
	}
	return tapResult{again: again}
}

// printJSON prints the tap as JSON lines until --count, --duration,
// --idle-timeout, the tap's failure or ctx ends it.
func (s *tapSessions) printJSON(ctx context.Context, session *tap.Session, batches <-chan tap.Batch) error {
	stderr := s.con.Stderr
	fmt.Fprintf(stderr, "shoveltap: tapping (tap %s); ctrl+c stops\n", session.Names().Base)
	if s.flags.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.flags.duration)
		defer cancel()
	}
	if s.flags.lifecycle {
		return s.printLifecycle(ctx, session, batches)
	}
	lines := jsonl.Printer{
		Count:    s.flags.count,
		Idle:     s.flags.idle,
		Filter:   filter.Parse(s.flags.filter),
		OnStatus: statusLine(stderr),
	}
	err := lines.Print(ctx, batches, s.con.Stdout)
	if errors.Is(err, jsonl.ErrIdle) {
		what := "no message arrived"
		if !lines.Filter.Empty() {
			what = "no message matching --filter arrived"
		}
		fmt.Fprintf(stderr, "shoveltap: %s for %v (--idle-timeout); stopping\n", what, s.flags.idle)
		err = nil
	}
	return failedOr(session, err)
}

// pipelineConfig is the chain between the session and its view.
func (s *tapSessions) pipelineConfig(rec *capture.Recorder, router *routing.Live) pipeline.Config {
	cfg := pipeline.Config{Redact: s.flags.redact, Recorder: rec, Decoder: s.dec}
	// JSON lines of every message write every message's fields; with a
	// --filter only the matches', made when each is printed.
	cfg.Lines = s.useJSON && !s.flags.web.only && !s.flags.lifecycle && s.flags.filter == ""
	if router != nil {
		cfg.Router = router
	}
	if s.web != nil {
		cfg.Monitor = s.web
	}
	if s.metrics != nil {
		cfg.Metrics = s.metrics
	}
	return cfg
}

// uiOptions are the UI's settings that do not come from the session: the
// environment's label and the --insecure-tls warning among them.
func (s *tapSessions) uiOptions(closeTap func() error) ui.Options {
	opts := ui.Options{
		Retain:      s.flags.retain,
		OnQuit:      closeTap,
		Picker:      true,
		InsecureTLS: s.cfg.Endpoint.TLS.Insecure,
		Filter:      s.flags.filter,
		Notice:      s.webNotice(),
		Lifecycle:   s.flags.celery,
		Now:         time.Now,
	}
	if env := s.flags.Conn.Env(); env != nil {
		opts.EnvLabel, opts.Production = env.DisplayLabel(), env.Production
		opts.EnvColour, _ = envs.ColourValue(env.Colour)
		opts.TraceURL = env.TraceURL
	}
	return opts
}

// runUI shows the tap until the user quits; wantsPicker says they quit
// with s to choose other sources.
func runUI(ctx context.Context, session *tap.Session, batches <-chan tap.Batch, opts ui.Options) (wantsPicker bool, err error) {
	st := session.Status()
	opts.Broker, opts.Vhost, opts.Sources = st.Broker, st.Vhost, st.Sources

	model := ui.New(opts, batches)
	p := tea.NewProgram(model, tea.WithContext(ctx), tea.WithoutSignalHandler())
	final, err := p.Run()
	switch {
	case err == nil:
		m, ok := final.(ui.Model)
		return ok && m.WantsPicker(), nil
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return false, nil
	}
	return false, fmt.Errorf("terminal UI: %w", err)
}

// closerOf removes what session made on the broker. The removal has its own
// deadline: it runs after a signal ended the command's context.
func closerOf(session *tap.Session) func() error {
	return func() error {
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := session.Close(cctx); err != nil {
			return fmt.Errorf("%w\nrun shoveltap cleanup to remove what is left", err)
		}
		return nil
	}
}

// statusLine writes each change of the tap's state to w (stderr), where
// JSON lines on stdout leave it room.
func statusLine(w io.Writer) func(tap.Status) {
	return func(st tap.Status) {
		fmt.Fprintf(w, "shoveltap: tap %s %s\n", st.State, st.Detail)
	}
}

// failedOr is err, or, when printing ended without one, the reason the
// tap failed (its state says so).
func failedOr(session *tap.Session, err error) error {
	if st := session.Status(); err == nil && st.State == tap.StateFailed {
		return errors.New(st.Detail)
	}
	return err
}
