package main

import (
	"bytes"
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

func (b *bench) setupArgs(cmd, layout string) []string {
	return []string{cmd, "--url", b.url, "--api", b.api.base, "--mirror-url", b.mirrorURL(), "--mirror-api", b.api.base,
		"--exchange", b.exchange, "--layout", layout, "--yes"}
}

func runSetup(args []string) error {
	var out bytes.Buffer
	if code := setup.Main(args, io.Discard, &out); code != 0 {
		return fmt.Errorf("shoveltap setup %s exited %d: %s", args[0], code, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

func startMirror(ctx context.Context, b *bench, layout string) (*runningTap, error) {
	if err := b.api.createVhost(ctx, b.mirrorVhost()); err != nil {
		return nil, fmt.Errorf("creating the mirror vhost: %w", err)
	}
	if err := runSetup(b.setupArgs("apply", layout)); err != nil {
		_ = runSetup(b.setupArgs("teardown", layout))
		return nil, err
	}
	reader, err := startQueueTapAt(ctx, b, b.mirrorURL(), b.name("mirror-reader"), b.exchange, "", false, nil)
	if err != nil {
		_ = runSetup(b.setupArgs("teardown", layout))
		return nil, err
	}
	reader.Queues = append(reader.Queues, setup.MirrorQueue(b.exchange))
	inner := reader.stop
	reader.stop = func(ctx context.Context) error {
		err := inner(ctx)
		if e := runSetup(b.setupArgs("teardown", layout)); err == nil {
			err = e
		}
		if e := b.api.deleteVhost(context.Background(), b.mirrorVhost()); err == nil {
			err = e
		}
		return err
	}
	return reader, nil
}
