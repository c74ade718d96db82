package taprun

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// celeryEvents is the exchange Celery workers publish their events to
// (with -E, or after `celery control enable_events`).
const celeryEvents = "celeryev"

// celeryDefaultQueue is the queue Celery routes tasks to when nothing
// else is configured.
const celeryDefaultQueue = "celery"

// ExpandCelery turns --celery into what it stands for: the task queues
// (--queue, "celery" when none is given) with the firehose, since Celery
// publishes tasks through the default exchange, plus the celeryev
// exchange; and the lifecycle view or, with --json, lifecycle lines. The
// firehose is the same as --firehose: it needs the administrator tag,
// turns tracing on, and a production environment asks first (--yes).
func (f *Options) ExpandCelery() error {
	if !f.celery {
		return nil
	}
	if len(f.queues) == 0 && len(f.exchanges) == 0 {
		f.queues = []string{celeryDefaultQueue}
	}
	if len(f.queues) > 0 {
		f.firehose = true
	}
	f.lifecycle = true
	return nil
}

// checkLifecycle refuses --lifecycle where nothing prints lines.
func (f *Options) checkLifecycle(useJSON bool) error {
	if f.lifecycle && !f.celery && (!useJSON || f.web.only) {
		return errors.New("--lifecycle prints lifecycle lines with --json; the terminal UI has the lifecycle view (press L, or start with --celery)")
	}
	return nil
}

// celerySource is the celeryev tap --celery adds, whatever --key says
// of the other exchanges: every event.
func (f *Options) celerySource(sources []tap.Source) []tap.Source {
	if !f.celery {
		return sources
	}
	for _, s := range sources {
		if s.Exchange == celeryEvents {
			return sources
		}
	}
	return append(sources, tap.Source{Exchange: celeryEvents, Key: tap.AllKeys})
}

// printLifecycle prints --json --lifecycle lines until --count,
// --idle-timeout, the tap's failure or ctx (which printJSON bounded by
// --duration) ends it.
func (s *tapSessions) printLifecycle(ctx context.Context, session *tap.Session, batches <-chan tap.Batch) error {
	stderr := s.con.Stderr
	fmt.Fprintf(stderr, "shoveltap: tapping (tap %s); one line per finished task or answered RPC call; ctrl+c stops\n", session.Names().Base)
	lines := jsonl.LifecyclePrinter{
		Count:    s.flags.count,
		Idle:     s.flags.idle,
		Filter:   filter.Parse(s.flags.filter),
		OnStatus: statusLine(stderr),
	}
	err := lines.Print(ctx, batches, s.con.Stdout)
	if errors.Is(err, jsonl.ErrIdle) {
		fmt.Fprintf(stderr, "shoveltap: no task finished for %v (--idle-timeout); stopping\n", s.flags.idle)
		err = nil
	}
	return failedOr(session, err)
}
