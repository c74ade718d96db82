// Package capture keeps what a tap saw: it records messages to a file of
// JSON lines (the schema of --json output, see tap/jsonl), reads such a
// file back as tap.Batch values for the UI, and replays it into an
// exchange. It never imports the UI.
package capture

import (
	"context"
	"fmt"
	"os"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// Recorder appends messages to a capture file, buffered; Flush after each
// batch so that a crash loses at most the batch being written.
type Recorder struct {
	path    string
	f       *os.File
	w       *jsonl.Writer
	written uint64
	err     error // the first write error; later writes are skipped
}

// Create opens path for appending, creating it if needed, so that several
// runs can add to one capture. Messages are recorded as received.
func Create(path string) (*Recorder, error) {
	return CreateWith(path, jsonl.Options{})
}

// CreateWith is Create with the options of the JSON lines written, such
// as jsonl.Options{Redact: true} to keep secrets out of the file.
func CreateWith(path string, o jsonl.Options) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: opening %s for recording: %w", path, err)
	}
	return &Recorder{path: path, f: f, w: jsonl.NewWriterWith(f, o)}, nil
}

// Path is the file recorded to.
func (r *Recorder) Path() string { return r.path }

// Written is how many messages were recorded.
func (r *Recorder) Written() uint64 { return r.written }

// WriteBatch records the messages of a batch and flushes them.
func (r *Recorder) WriteBatch(msgs []tap.Message) error {
	if r.err != nil || len(msgs) == 0 {
		return r.err
	}
	for _, m := range msgs {
		if err := r.w.Write(m); err != nil {
			r.err = fmt.Errorf("capture: recording to %s: %w", r.path, err)
			return r.err
		}
		r.written++
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("capture: recording to %s: %w (is the disk full?)", r.path, err)
	}
	return r.err
}

// Close flushes and closes the file. It returns the first error seen.
func (r *Recorder) Close() error {
	ferr := r.w.Flush()
	cerr := r.f.Close()
	switch {
	case r.err != nil:
		return r.err
	case ferr != nil:
		return fmt.Errorf("capture: recording to %s: %w", r.path, ferr)
	case cerr != nil:
		return fmt.Errorf("capture: closing %s: %w", r.path, cerr)
	}
	return nil
}

// Tee records every batch from in and passes it on, unchanged, on the
// channel it returns, which is closed when in is closed or ctx ends. A
// recording error is reported once through onErr and recording stops; the
// batches keep flowing. The tap's consumer never waits for this: it hands
// batches over with a non-blocking send into a bounded buffer. done is
// closed when the tee has stopped writing: close the Recorder after it.
func Tee(ctx context.Context, in <-chan tap.Batch, r *Recorder, onErr func(error)) (out <-chan tap.Batch, done <-chan struct{}) {
	ch := make(chan tap.Batch, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer close(ch)
		failed := false
		for {
			var b tap.Batch
			var ok bool
			select {
			case <-ctx.Done():
				return
			case b, ok = <-in:
				if !ok {
					return
				}
			}
			if !failed {
				if err := r.WriteBatch(b.Messages); err != nil {
					failed = true
					if onErr != nil {
						onErr(err)
					}
				}
			}
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, stopped
}

// Recording is a Recorder fed by a Tee until Stop.
type Recording struct {
	rec    *Recorder
	cancel context.CancelFunc
	done   <-chan struct{}
}

// StartRecording tees in into rec. Read the batches from the returned
// channel instead of in.
func StartRecording(ctx context.Context, rec *Recorder, in <-chan tap.Batch) (*Recording, <-chan tap.Batch) {
	ctx, cancel := context.WithCancel(ctx)
	out, done := Tee(ctx, in, rec, nil)
	return &Recording{rec: rec, cancel: cancel, done: done}, out
}

// Stop ends the recording, closes the file and says how many messages
// were recorded; the error is the first write error, if any.
func (r *Recording) Stop() (uint64, error) {
	r.cancel()
	<-r.done
	err := r.rec.Close()
	return r.rec.Written(), err
}

// WriteFile writes msgs to a new capture file at path; it never
// overwrites an existing file.
func WriteFile(path string, msgs []tap.Message) error {
	return WriteFileWith(path, msgs, jsonl.Options{})
}

// WriteFileWith is WriteFile with the options of the JSON lines written.
func WriteFileWith(path string, msgs []tap.Message, o jsonl.Options) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("capture: creating %s: %w", path, err)
	}
	r := &Recorder{path: path, f: f, w: jsonl.NewWriterWith(f, o)}
	for i := 0; i < len(msgs); i += 512 {
		if err := r.WriteBatch(msgs[i:min(i+512, len(msgs))]); err != nil {
			_ = f.Close()
			return err
		}
	}
	return r.Close()
}
