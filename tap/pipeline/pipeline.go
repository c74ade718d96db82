// Package pipeline is the one chain every batch of a tap goes through
// between its source (a live tap.Session or a capture file read back) and
// its views, built by Start for both:
//
//	source → redact (--redact) → read → record (--record) → web monitor (--web) → views
//
// "read" decodes each message and builds its reading (tap/reading) once,
// off the UI goroutine and in order, so that the recorder, the web
// monitor, the terminal UI and JSON lines all use the same one. Every
// stage is a Map; the web monitor's is a hand-over that never waits.
package pipeline

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/routing"
)

// Monitor is a view that takes batches without ever waiting (the web
// monitor, ui/web.Server).
type Monitor interface {
	Publish(tap.Batch)
}

// Config says which stages a pipeline has.
type Config struct {
	// Redact takes secrets out of every message first (Redact), so that
	// nothing downstream — readings, the recording, the web monitor, the
	// UI, JSON lines, saves and copies — holds one.
	Redact bool
	// Workers read the messages of a batch in parallel; the number of
	// CPUs when <= 0.
	Workers int
	// Recorder, when set, records every message (--record); Stop closes it.
	Recorder *capture.Recorder
	// Monitor, when set, is handed every batch (--web).
	Monitor Monitor
	// Metrics, when set, observes every batch after it is read
	// (--metrics, /metrics on --web).
	Metrics Observer
	// Decoder reads the messages, with the user's decoders first
	// (tap/decode/formats/load); nil for the built-in ones only.
	Decoder *decode.Decoder
	// Router, when set, says in the read stage where the broker sent
	// each published message (routing.Live, from the management API).
	Router Router
	// Lines says that JSON lines (--json) write every message, decoded
	// fields included: the read stage then makes the fields at once
	// (reading.BuildForLines), as it does for a Recorder, rather than
	// leaving them for a detail view to ask for.
	Lines bool
}

// Router evaluates a tapped message's routing: nil when it cannot yet.
type Router interface {
	Route(exchange, key string, headers map[string]any) *routing.Where
}

// Observer counts what passes without changing it: the metrics.
type Observer interface {
	Observe(tap.Batch)
}

// Pipeline is a running chain of stages.
type Pipeline struct {
	cancel   context.CancelFunc
	dec      *decode.Decoder
	router   Router
	lines    bool // readings carry their fields (Config.Lines, a Recorder)
	readings atomic.Uint64

	recMu   sync.Mutex
	rec     *capture.Recorder
	recErr  error // the first recording error; recording stops there
	stopped bool
}

// Start builds the chain on in and returns the channel the views read.
// That channel is closed when in is closed, ctx ends or Stop is called.
func Start(ctx context.Context, in <-chan tap.Batch, cfg Config) (*Pipeline, <-chan tap.Batch) {
	ctx, cancel := context.WithCancel(ctx)
	p := &Pipeline{cancel: cancel, rec: cfg.Recorder, dec: cfg.Decoder, router: cfg.Router, lines: cfg.Lines || cfg.Recorder != nil}
	out := in
	if cfg.Redact {
		// Before everything else, so that nothing downstream holds a
		// secret.
		out = Map(ctx, out, redactBatch)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	out = Map(ctx, out, func(b *tap.Batch) { p.read(b.Messages, workers) })
	if cfg.Metrics != nil {
		out = Map(ctx, out, func(b *tap.Batch) { cfg.Metrics.Observe(*b) })
	}
	if cfg.Recorder != nil {
		out = Map(ctx, out, p.record)
	}
	if cfg.Monitor != nil {
		out = Map(ctx, out, func(b *tap.Batch) { cfg.Monitor.Publish(*b) })
	}
	return p, out
}

// Readings counts the readings this pipeline built: one per message.
func (p *Pipeline) Readings() uint64 { return p.readings.Load() }

// Stop ends the stages (the views' channel closes) and closes the
// recorder, if any. It returns how many messages were recorded and the
// first recording error.
func (p *Pipeline) Stop() (recorded uint64, err error) {
	p.cancel()
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.rec == nil || p.stopped {
		return p.recorded(), p.recErr
	}
	p.stopped = true
	if cerr := p.rec.Close(); p.recErr == nil {
		p.recErr = cerr
	}
	return p.rec.Written(), p.recErr
}

func (p *Pipeline) recorded() uint64 {
	if p.rec == nil {
		return 0
	}
	return p.rec.Written()
}

// record writes a batch to the recorder. A write error stops the
// recording (Stop reports it); the batches keep flowing.
func (p *Pipeline) record(b *tap.Batch) {
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.stopped || p.recErr != nil {
		return
	}
	p.recErr = p.rec.WriteBatch(b.Messages)
}

// read sets the reading of the messages that have none yet, in place,
// with up to workers goroutines.
func (p *Pipeline) read(msgs []tap.Message, workers int) {
	if len(msgs) < 2*workers || workers <= 1 {
		for i := range msgs {
			p.readOne(&msgs[i])
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (len(msgs) + workers - 1) / workers
	for start := 0; start < len(msgs); start += chunk {
		part := msgs[start:min(start+chunk, len(msgs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				p.readOne(&part[i])
			}
		}()
	}
	wg.Wait()
}

func (p *Pipeline) readOne(m *tap.Message) {
	if m.Reading != nil {
		return
	}
	var r *reading.Reading
	if p.lines {
		r = reading.BuildForLines(p.dec, m.ReadingInput())
	} else {
		r = reading.BuildWith(p.dec, m.ReadingInput())
	}
	// A delivery report (--deliveries) is not a publish: nothing to route.
	if p.router != nil && m.Delivery == nil {
		r.SetRoute(p.router.Route(m.Exchange, m.RoutingKey, m.Headers))
	}
	m.Reading = r
	p.readings.Add(1)
}
