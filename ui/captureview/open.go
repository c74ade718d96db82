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
	return ui.New(ui.Options{Retain: retain, Capture: true}, rd.Batches(ctx))
}

// Run shows the capture rd on the terminal, keeping its last retain
// messages (ui.DefaultRetain if 0), until the user quits or ctx ends;
// the end of ctx is a normal end, not an error.
func Run(ctx context.Context, rd *capture.Reader, retain int) error {
	p := tea.NewProgram(Model(ctx, rd, retain), tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
