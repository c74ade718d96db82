// Package webtest drives Debian's headless Chromium from Go tests (with
// chromedp), for the web monitor's browser tests. Without Chromium a test
// is skipped on a developer machine and fails in CI, where
// scripts/ensure-chromium.sh installs it (see taptest.NeedBroker).
package webtest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// chromiumNames are where Debian and other systems put Chromium.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Chromium returns the path of a Chromium binary, or skips the test (fails
// in CI) when there is none. Browser tests are skipped under -short.
func Chromium(t testing.TB) string {
	t.Helper()
	taptest.SkipShort(t)
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	taptest.NeedBroker(t, "Chromium for the browser tests (scripts/ensure-chromium.sh installs Debian's chromium)",
		errors.New("none of "+strings.Join(chromiumNames, ", ")+" is on PATH"))
	return ""
}

// Browser starts a headless Chromium with a fresh profile and a window of
// width×height, and returns the context of its first tab. It is stopped
// when the test ends.
func Browser(t testing.TB, width, height int) context.Context {
	t.Helper()
	path := Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now, so that a broken Chromium fails here. The
	// viewport is set exactly: a window cannot be narrower than about 500
	// pixels, a phone is.
	var vopts []chromedp.EmulateViewportOption
	if width < height {
		vopts = append(vopts, chromedp.EmulatePortrait)
	}
	if width <= 500 {
		vopts = append(vopts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), vopts...)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return ctx
}

// Run runs actions in the tab with a deadline, failing the test on error.
func Run(t testing.TB, ctx context.Context, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and returns its
// value decoded into T.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v", expr, err)
	}
	return out
}

// WaitFor polls a JavaScript expression until it is true, failing the
// test with what after timeout.
func WaitFor(t testing.TB, ctx context.Context, timeout time.Duration, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser: %s: not within %s (%s; last error %v)", what, timeout, expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Describe is a JavaScript expression returning what the page shows, for
// failure messages.
const Describe = `document.body.innerText.slice(0, 2000)`

// Dump returns the page's visible text, for a failure message.
func Dump(ctx context.Context) string {
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Evaluate[string](Describe))
	if err != nil {
		return fmt.Sprintf("(page text unavailable: %v)", err)
	}
	return s
}
