package e2e

import (
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// tui is shoveltap running in a real 80×24 pseudo-terminal.
type tui struct {
	cmd    *exec.Cmd
	pty    *os.File
	screen *lockedBuffer // everything written to the terminal
}

// startTUI runs shoveltap with args in a pty. The process is killed when
// the test ends, and what it drew is logged if the test failed.
func startTUI(t *testing.T, ep broker.Endpoint, args ...string) *tui {
	t.Helper()
	cmd := exec.Command(binary, append(connArgs(ep), args...)...)
	cmd.Env = append(env(ep), "TERM=xterm-256color")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	u := &tui{cmd: cmd, pty: f, screen: &lockedBuffer{}}
	go func() { _, _ = io.Copy(u.screen, f) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
		if t.Failed() {
			t.Logf("screen output: %q", u.screen.String())
		}
	})
	return u
}

// press types keys.
func (u *tui) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := u.pty.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}

// waitExit waits for shoveltap to exit with status 0.
func (u *tui) waitExit(t *testing.T, after string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- u.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after %s: %v", after, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("shoveltap did not exit after %s", after)
	}
}

// tapBoundTo waits until a tap bound to exchange x exists with all its
// objects, and returns its base name. Other taps may run on this broker:
// ours is the one bound to the test's own exchange.
func tapBoundTo(t *testing.T, ep broker.Endpoint, x string) string {
	t.Helper()
	var base string
	rh := taptest.Admin(t, ep)
	taptest.Eventually(t, 20*time.Second, "a tap bound to "+x, func() bool {
		bs, err := rh.ListExchangeBindingsWithSource(ep.Vhost, x)
		if err != nil {
			return false
		}
		for _, b := range bs {
			if b, ok := tap.BaseOf(b.Destination); ok {
				base = b
			}
		}
		return base != "" && len(taptest.Leftovers(t, ep, base)) == 7
	})
	return base
}
