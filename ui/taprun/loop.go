package taprun

import (
	"context"
	"fmt"
	"io"

	"github.com/shoveltap/shoveltap/tap"
)

// tapResult is how one tap session ended.
type tapResult struct {
	code    int   // the exit status, if the run ends here
	again   bool  // the user asked for the source picker (s in the UI)
	openErr error // why the tap could not be opened; not printed yet
}

// tapLoop goes between the source picker and tap sessions: without sources
// it asks the picker first, s in the UI goes back to the picker, and so
// does a picked choice that cannot be tapped, with the reason shown there.
type tapLoop struct {
	// pick shows the picker with selected pre-selected and problem (why the
	// last choice could not be tapped) shown. No sources and no error
	// means the user quit, or a signal ended ctx.
	pick func(ctx context.Context, selected []tap.Source, problem string) ([]tap.Source, error)
	// session taps sources until the user or a signal ends it, and removes
	// the tap.
	session func(ctx context.Context, sources []tap.Source) tapResult
	stderr  io.Writer // where errors are printed
}

// run taps sources (the picker's choice when there are none) until the
// user is done or ctx ends, and returns the exit status.
func (l tapLoop) run(ctx context.Context, sources []tap.Source) int {
	picked := len(sources) == 0 // the sources come from the picker
	code, problem := 0, ""
	for {
		if picked {
			chosen, err := l.pick(ctx, sources, problem)
			if err != nil {
				fmt.Fprintln(l.stderr, "shoveltap:", err)
				return 1
			}
			if len(chosen) == 0 || ctx.Err() != nil {
				return code // quit in the picker, or a signal: nothing to create
			}
			sources = chosen
		}
		res := l.session(ctx, sources)
		code, problem = res.code, ""
		if res.openErr != nil {
			// Sources named on the command line have no picker to go back
			// to, and after a signal nothing should start again.
			if !picked || ctx.Err() != nil {
				fmt.Fprintln(l.stderr, "shoveltap:", res.openErr)
				return res.code
			}
			code, problem, res.again = 0, res.openErr.Error(), true
		}
		if !res.again || ctx.Err() != nil {
			return code
		}
		picked = true
	}
}
