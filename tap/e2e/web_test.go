package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
	"github.com/shoveltap/shoveltap/ui/web/webtest"
)

var webLine = regexp.MustCompile(`web monitor \(read-only\) at (http://\S+)`)

// startWebOnly runs shoveltap --web-only and waits until it taps; it
// returns the process and the page's address as printed.
func startWebOnly(t *testing.T, ep broker.Endpoint, args ...string) (*proc, string) {
	t.Helper()
	cmd := exec.Command(binary, append(connArgs(ep), args...)...)
	cmd.Env = env(ep)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdout: bufio.NewReader(out), stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var page string
	taptest.Eventually(t, 20*time.Second, "shoveltap to serve the page and tap", func() bool {
		s := p.stderr.String()
		if m := webLine.FindStringSubmatch(s); m != nil {
			page = m[1]
		}
		if m := tapLine.FindStringSubmatch(s); m != nil {
			p.base = m[1]
		}
		return page != "" && p.base != ""
	})
	return p, page
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWebMonitorShowsTheTapAndComesBackAfterARestart runs the real binary
// against the broker with --web-only, watches it in Chromium, restarts it
// on the same address and sees the page carry on by itself.
func TestWebMonitorShowsTheTapAndComesBackAfterARestart(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	addr := freePort(t)
	const token = "e2e-web-token-0123456789"
	args := []string{"--exchange", x, "--web", addr, "--web-only", "--web-token", token}
	p, page := startWebOnly(t, ep, args...)
	if page != "http://"+addr+"/?token="+token {
		t.Fatalf("printed address %q", page)
	}

	ctx := webtest.Browser(t, 1280, 800)
	webtest.Run(t, ctx, 20*time.Second, chromedp.Navigate(page))
	webtest.WaitFor(t, ctx, 10*time.Second, "the stream", `document.getElementById('conn').textContent === 'live'`)
	webtest.WaitFor(t, ctx, 10*time.Second, "the running tap", `document.getElementById('state').textContent === 'running'`)

	ch := taptest.Channel(t, ep)
	for i := range 5 {
		taptest.Publish(t, ch, x, fmt.Sprintf("order.e2e.%d", i), amqp.Publishing{ContentType: "application/json", Body: []byte(fmt.Sprintf(`{"n": %d}`, i))})
	}
	taptest.Publish(t, ch, x, "hostile", amqp.Publishing{ContentType: "text/html",
		Headers: amqp.Table{"x-link": "javascript:window.__pwned=1"},
		Body:    []byte(`<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">`)})
	webtest.WaitFor(t, ctx, 15*time.Second, "six rows", `document.querySelectorAll('#rows tr[data-id]').length === 6`)
	keys := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll('#rows .c-rk')].map(e => e.textContent)`)
	if strings.Join(keys, " ") != "order.e2e.0 order.e2e.1 order.e2e.2 order.e2e.3 order.e2e.4 hostile" {
		t.Errorf("rows %v", keys)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id]:last-child .c-sum`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the hostile message's detail", `document.getElementById('d-body').textContent.includes('<script>window.__pwned=2</script>')`)
	time.Sleep(300 * time.Millisecond)
	if p := webtest.Eval[bool](t, ctx, `window.__pwned !== undefined`); p {
		t.Fatal("a message ran script in the page")
	}

	// Restart shoveltap on the same address: the page reconnects and starts
	// afresh; the old tap is gone from the broker.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, p.stderr.String())
	}
	taptest.WaitClean(t, ep, p.base, 5*time.Second)
	webtest.WaitFor(t, ctx, 10*time.Second, "the page to notice", `document.getElementById('conn').textContent !== 'live'`)

	again, _ := startWebOnly(t, ep, args...)
	webtest.WaitFor(t, ctx, 20*time.Second, "the page to reconnect", `document.getElementById('conn').textContent === 'live'`)
	taptest.Publish(t, ch, x, "after.restart", amqp.Publishing{Body: []byte("back")})
	webtest.WaitFor(t, ctx, 15*time.Second, "the new run's row",
		`[...document.querySelectorAll('#rows .c-rk')].map(e => e.textContent).join(' ') === 'after.restart'`)

	if err := again.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := again.wait(t); code != 0 {
		t.Errorf("exit %d; stderr: %s", code, again.stderr.String())
	}
	taptest.WaitClean(t, ep, again.base, 5*time.Second)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the page's port is still open after shoveltap exited")
	}
}

// pageRows reads the page's event stream for a while and returns the
// routing keys of the rows it was sent.
func pageRows(t *testing.T, page string, want int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(page, "/")+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var keys []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for len(keys) < want && sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: [")
		if !ok {
			continue
		}
		var rows []struct {
			Key string `json:"rk"`
		}
		if err := json.Unmarshal([]byte("["+line), &rows); err != nil {
			t.Fatalf("rows event %q: %v", line, err)
		}
		for _, r := range rows {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// The page runs beside JSON lines and beside the terminal UI, and both get
// every message.
func TestWebMonitorBesideJSONAndTheTerminalUI(t *testing.T) {
	ep := taptest.Endpoint(t)
	t.Run("json", func(t *testing.T) {
		x := taptest.Exchange(t, ep, "topic")
		p := startJSON(t, ep, "--exchange", x, "--web", "127.0.0.1:0")
		m := webLine.FindStringSubmatch(p.stderr.String())
		if m == nil {
			t.Fatalf("no web address in %s", p.stderr.String())
		}
		ch := taptest.Channel(t, ep)
		for i := range 3 {
			taptest.Publish(t, ch, x, fmt.Sprintf("beside.json.%d", i), amqp.Publishing{Body: []byte("x")})
		}
		for i := range 3 {
			if rec := p.readRecord(t); rec["routing_key"] != fmt.Sprintf("beside.json.%d", i) {
				t.Errorf("JSON record %d: %v", i, rec)
			}
		}
		if keys := pageRows(t, m[1], 3); strings.Join(keys, " ") != "beside.json.0 beside.json.1 beside.json.2" {
			t.Errorf("page rows %v", keys)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t); code != 0 {
			t.Errorf("exit %d", code)
		}
		taptest.WaitClean(t, ep, p.base, 5*time.Second)
	})
	t.Run("tui", func(t *testing.T) {
		x := taptest.Exchange(t, ep, "topic")
		addr := freePort(t)
		u := startTUI(t, ep, "--exchange", x, "--web", addr)
		base := tapBoundTo(t, ep, x)
		// The status line says where the page is, since what was printed
		// before the UI took the screen is hidden.
		taptest.Eventually(t, 10*time.Second, "the web notice on screen", func() bool {
			return strings.Contains(u.screen.String(), "web monitor at http://"+addr)
		})
		ch := taptest.Channel(t, ep)
		for i := range 3 {
			taptest.Publish(t, ch, x, fmt.Sprintf("beside.tui.%d", i), amqp.Publishing{Body: []byte("x")})
		}
		taptest.Eventually(t, 10*time.Second, "the rows in the terminal UI", func() bool {
			return strings.Contains(u.screen.String(), "beside.tui.2")
		})
		if keys := pageRows(t, "http://"+addr+"/", 3); strings.Join(keys, " ") != "beside.tui.0 beside.tui.1 beside.tui.2" {
			t.Errorf("page rows %v", keys)
		}
		u.press(t, "q")
		u.waitExit(t, "q")
		taptest.WaitClean(t, ep, base, 5*time.Second)
		if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			t.Error("the page's port is still open after shoveltap exited")
		}
	})
}
