package tap

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Orphan is what a crashed tap session left on a broker. A session is
// orphaned when its exclusive tap queue is gone: that queue lives exactly as
// long as its owner's connection, so a live operator's tap is never touched.
type Orphan struct {
	Base      string
	Vhost     string
	Shovels   []string
	Queues    []string
	Exchanges []string
}

// String lists what the orphan holds, for the cleanup command.
func (o Orphan) String() string {
	var parts []string
	for _, s := range o.Shovels {
		parts = append(parts, "shovel "+s)
	}
	for _, q := range o.Queues {
		parts = append(parts, "queue "+q)
	}
	for _, x := range o.Exchanges {
		parts = append(parts, "exchange "+x)
	}
	return fmt.Sprintf("%s (vhost %s): %s", o.Base, o.Vhost, strings.Join(parts, ", "))
}

// FindOrphans lists leftovers of dead tap sessions in a vhost.
func FindOrphans(ctx context.Context, a *broker.Admin, vhost string) ([]Orphan, error) {
	byBase := map[string]*Orphan{}
	get := func(name string) *Orphan {
		base, ok := BaseOf(name)
		if !ok {
			return nil
		}
		if byBase[base] == nil {
			byBase[base] = &Orphan{Base: base, Vhost: vhost}
		}
		return byBase[base]
	}
	live := map[string]bool{}

	shovels, err := a.DefinedShovels(ctx, vhost)
	if err != nil {
		return nil, err
	}
	for _, sh := range shovels {
		if o := get(sh.Name); o != nil {
			o.Shovels = append(o.Shovels, sh.Name)
		}
	}
	// Queues are listed after shovels: a session creates its tap queue
	// before its shovel, so a shovel seen above has its tap queue visible
	// here if its session is alive.
	queues, err := a.QueueNamesWithPrefix(ctx, vhost, broker.Prefix)
	if err != nil {
		return nil, err
	}
	for _, q := range queues {
		if strings.HasSuffix(q, "-tap") || strings.HasSuffix(q, "-live") {
			if base, ok := BaseOf(q); ok {
				live[base] = true
			}
			continue
		}
		if o := get(q); o != nil {
			o.Queues = append(o.Queues, q)
		}
	}
	exchanges, err := a.Exchanges(ctx, vhost)
	if err != nil {
		return nil, err
	}
	for _, x := range exchanges {
		if !strings.HasPrefix(x.Name, broker.Prefix) {
			continue
		}
		if _, marker := firehoseMarkerBase(x.Name); marker {
			continue // ReleaseFirehose decides about these
		}
		if o := get(x.Name); o != nil {
			o.Exchanges = append(o.Exchanges, x.Name)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var out []Orphan
	for base, o := range byBase {
		if !live[base] {
			out = append(out, *o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Base < out[j].Base })
	return out, nil
}

// Remove deletes the orphan's objects: shovels first, so nothing copies into
// queues that are about to go.
func (o Orphan) Remove(ctx context.Context, a *broker.Admin) error {
	var errs []error
	for _, s := range o.Shovels {
		if err := a.DeleteShovel(ctx, o.Vhost, s); err != nil {
			errs = append(errs, err)
		}
	}
	for _, q := range o.Queues {
		if err := a.DeleteQueue(ctx, o.Vhost, q); err != nil {
			errs = append(errs, err)
		}
	}
	for _, x := range o.Exchanges {
		if err := a.DeleteExchange(ctx, o.Vhost, x); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
