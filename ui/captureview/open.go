// Package captureview is "shoveltap open": the tap's UI on a capture file,
// offline. It lives apart from tap/capture so that tap/ never imports ui.
package captureview

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/ui"
)

// Model is the UI on a capture, ready for tea.NewProgram.
func Model(ctx context.Context, rd *capture.Reader, retain int) ui.Model {
	return ModelWith(ctx, rd, ui.Options{Retain: retain})
}

// ModelWith is Model with UI options, such as a starting filter; Capture
// is always set.
func ModelWith(ctx context.Context, rd *capture.Reader, opts ui.Options) ui.Model {
	opts.Capture = true
	return ui.New(opts, rd.Batches(ctx))
}

// Run shows the capture rd on the terminal, keeping its last retain
// messages (ui.DefaultRetain if 0), until the user quits or ctx ends;
// the end of ctx is a normal end, not an error.
func Run(ctx context.Context, rd *capture.Reader, retain int) error {
	return RunWith(ctx, rd, ui.Options{Retain: retain})
}

// RunWith is Run with UI options (--filter, --redact).
func RunWith(ctx context.Context, rd *capture.Reader, opts ui.Options) error {
	p := tea.NewProgram(ModelWith(ctx, rd, opts), tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
