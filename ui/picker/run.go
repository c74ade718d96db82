package picker

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// loadTimeout bounds one load of the broker's exchanges and queues.
const loadTimeout = 20 * time.Second

// Run shows the picker on the terminal for the broker of ep, with selected
// pre-selected and problem (why the last choice could not be tapped)
// shown, and returns what the user chose. No sources and no error means the
// user quit, or a signal ended ctx.
func Run(ctx context.Context, ep broker.Endpoint, selected []tap.Source, problem string) ([]tap.Source, error) {
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		return nil, err
	}
	m := New(Options{
		Load: func() ([]broker.Resource, error) {
			lctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			rs, err := admin.Resources(lctx, ep.Vhost)
			return rs, broker.WithNeeds(err, broker.PickerNeeds())
		},
		Broker:   ep.Address(),
		Vhost:    ep.Vhost,
		Selected: selected,
		Problem:  problem,
	})
	final, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler()).Run()
	switch {
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil, nil // a signal: nothing to tap, nothing to remove
	case err != nil:
		return nil, fmt.Errorf("source picker: %w", err)
	}
	return final.(Model).Chosen(), nil
}
