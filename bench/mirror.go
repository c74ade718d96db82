package main

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/shoveltap/shoveltap/setup"
)

// mirrorKinds measure `shoveltap setup`: a lasting mirror of the production
// exchange into a mirror vhost (on the same broker here, so its work lands
// on the same two cores, as a tap's would), read by a raw consumer of a
// bounded queue bound to the mirror's fanout exchange.
func mirrorKinds() []tapKind {
	return []tapKind{
		{Name: "mirror", Label: "`shoveltap setup apply` mirror, default layout (mirror queue beside production's, shovel on-confirm), read on the mirror", start: func(ctx context.Context, b *bench) (*runningTap, error) {
			return startMirror(ctx, b, "queue")
		}},
		{Name: "mirror-fanout", Label: "`shoveltap setup apply --layout fanout` mirror, read on the mirror", start: func(ctx context.Context, b *bench) (*runningTap, error) {
			return startMirror(ctx, b, "fanout")
		}},
	}
}

func (b *bench) mirrorVhost() string { return b.vhost + "-mirror" }

func (b *bench) mirrorURL() string {
	u, _ := url.Parse(b.url)
	u.Path = "/" + url.PathEscape(b.mirrorVhost())
	u.RawPath = u.Path
	return u.String()
}

// runSetup runs `shoveltap setup CMD` for the bench's exchange into the
// mirror vhost.
func runSetup(ctx context.Context, b *bench, cmd, layout string) error {
	cfg := setup.RunConfig{
		Command: cmd,
		Config: setup.Config{
			Production: setup.Broker{URL: b.url, API: b.api.base},
			Mirror:     setup.Broker{URL: b.mirrorURL(), API: b.api.base},
			Layout:     layout,
			Exchanges:  []setup.Exchange{{Name: b.exchange}},
		},
		Yes: true,
	}
	if err := setup.Run(ctx, cfg, io.Discard); err != nil {
		return fmt.Errorf("shoveltap setup %s: %w", cmd, err)
	}
	return nil
}

func startMirror(ctx context.Context, b *bench, layout string) (*runningTap, error) {
	if err := b.api.createVhost(ctx, b.mirrorVhost()); err != nil {
		return nil, fmt.Errorf("creating the mirror vhost: %w", err)
	}
	if err := runSetup(ctx, b, setup.CmdApply, layout); err != nil {
		_ = runSetup(context.Background(), b, setup.CmdTeardown, layout)
		return nil, err
	}
	reader, err := startQueueTapAt(ctx, b, b.mirrorURL(), b.name("mirror-reader"), b.exchange, "", false, nil)
	if err != nil {
		_ = runSetup(context.Background(), b, setup.CmdTeardown, layout)
		return nil, err
	}
	reader.Queues = append(reader.Queues, setup.MirrorQueue(b.exchange))
	inner := reader.stop
	reader.stop = func(ctx context.Context) error {
		err := inner(ctx)
		if e := runSetup(ctx, b, setup.CmdTeardown, layout); err == nil {
			err = e
		}
		if e := b.api.deleteVhost(context.Background(), b.mirrorVhost()); err == nil {
			err = e
		}
		return err
	}
	return reader, nil
}
