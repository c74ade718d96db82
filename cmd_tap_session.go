package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/ui"
)

// tapSessions opens one tap session after another for the tap loop, all
// with the same settings and only the sources changing.
type tapSessions struct {
	cfg     tap.Config // Sources aside
	flags   *tapFlags
	useJSON bool
	con     console
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
	stderr := s.con.stderr
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
	closeTap := func() error {
		// Its own deadline: the removal runs after a signal ended ctx.
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := session.Close(cctx); err != nil {
			return fmt.Errorf("%w\nrun shoveltap cleanup to remove what is left", err)
		}
		return nil
	}
	// A panic anywhere on this goroutine still removes the tap.
	defer func() {
		if r := recover(); r != nil {
			_ = closeTap()
			panic(r)
		}
	}()

	batches := session.Batches()
	var recording *capture.Recording
	if rec != nil {
		recording, batches = capture.StartRecording(ctx, rec, batches)
	}
	var again bool
	var runErr error
	if s.useJSON {
		runErr = s.streamJSON(ctx, session, batches)
	} else {
		again, runErr = runUI(ctx, session, batches, s.flags.retain, closeTap)
	}
	if recording != nil {
		n, err := recording.Stop()
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

// streamJSON prints the tap as JSON lines until --count, --duration, the
// tap's failure or ctx ends it.
func (s *tapSessions) streamJSON(ctx context.Context, session *tap.Session, batches <-chan tap.Batch) error {
	stderr := s.con.stderr
	fmt.Fprintf(stderr, "shoveltap: tapping (tap %s); ctrl+c stops\n", session.Names().Base)
	if s.flags.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.flags.duration)
		defer cancel()
	}
	err := jsonl.Stream(ctx, batches, s.con.stdout, s.flags.count, func(st tap.Status) {
		fmt.Fprintf(stderr, "shoveltap: tap %s %s\n", st.State, st.Detail)
	})
	if st := session.Status(); err == nil && st.State == tap.StateFailed {
		err = errors.New(st.Detail)
	}
	return err
}

// runUI shows the tap until the user quits; wantsPicker says they quit
// with s to choose other sources.
func runUI(ctx context.Context, session *tap.Session, batches <-chan tap.Batch, retain int, closeTap func() error) (wantsPicker bool, err error) {
	st := session.Status()
	model := ui.New(ui.Options{
		Broker:  st.Broker,
		Vhost:   st.Vhost,
		Sources: st.Sources,
		Retain:  retain,
		OnQuit:  closeTap,
		Picker:  true,
	}, batches)
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
