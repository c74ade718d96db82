// Package capture keeps what a tap saw: it records messages to a file of
// JSON lines (the schema of --json output, see tap/jsonl), reads such a
// file back as tap.Batch values for the UI, and replays it into an
// exchange. It never imports the UI.
package capture

import (
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
// runs can add to one capture. Messages are recorded as given: the
// pipeline (tap/pipeline) redacts them before, with --redact.
func Create(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: opening %s for recording: %w", path, err)
	}
	return &Recorder{path: path, f: f, w: jsonl.NewWriter(f)}, nil
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

// WriteFile writes msgs to a new capture file at path; it never
// overwrites an existing file.
func WriteFile(path string, msgs []tap.Message) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("capture: creating %s: %w", path, err)
	}
	r := &Recorder{path: path, f: f, w: jsonl.NewWriter(f)}
	for i := 0; i < len(msgs); i += 512 {
		if err := r.WriteBatch(msgs[i:min(i+512, len(msgs))]); err != nil {
			_ = f.Close()
			return err
		}
	}
	return r.Close()
}
