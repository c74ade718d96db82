// Package captureview is "shoveltap open": the tap's UI on a capture file,
// offline. It lives apart from tap/capture so that tap/ never imports ui.
package captureview

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui"
)

// Model is the UI on the batches of a capture (capture.Reader.Batches,
// through the pipeline), ready for tea.NewProgram; opts.Capture is always
// set.
func Model(batches <-chan tap.Batch, opts ui.Options) ui.Model {
	opts.Capture = true
	return ui.New(opts, batches)
}

// Run shows a capture on the terminal until the user quits or ctx ends;
// the end of ctx is a normal end, not an error.
func Run(ctx context.Context, batches <-chan tap.Batch, opts ui.Options) error {
	p := tea.NewProgram(Model(batches, opts), tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
