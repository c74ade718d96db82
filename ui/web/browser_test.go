package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/web/webtest"
)

// These tests open the page in Debian's headless Chromium and feed the
// monitor synthetic batches: the page itself needs no broker. The
// end-to-end test with the real binary and broker is in tap/e2e.

const (
	rowCount  = `document.querySelectorAll('#rows tr[data-id]').length`
	lastKey   = `(document.querySelector('#rows tr[data-id]:last-child .c-rk') || {}).textContent`
	connState = `document.getElementById('conn').textContent`
)

// openPage opens the monitor's page in a browser of the given size and
// waits for its stream.
func openPage(t *testing.T, s *Server, width, height int) context.Context {
	t.Helper()
	return openPageAt(t, s.URL(), width, height)
}

func openPageAt(t *testing.T, url string, width, height int) context.Context {
	t.Helper()
	ctx := webtest.Browser(t, width, height)
	webtest.Run(t, ctx, 20*time.Second, chromedp.Navigate(url))
	webtest.WaitFor(t, ctx, 10*time.Second, "the stream to open", connState+` === 'live'`)
	return ctx
}

func waitRows(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	webtest.WaitFor(t, ctx, 10*time.Second, fmt.Sprintf("%d rows", n), fmt.Sprintf("%s === %d", rowCount, n))
}

func TestBrowserShowsTheHistoryThenRowsLive(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: testMessages(1, 20), Status: running(20)})
	waitPublished(t, s, 20)

	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 20) // a page opened later gets what is retained
	for i := range 5 {
		s.Publish(tap.Batch{Messages: testMessages(21+i*4, 4), Status: running(24 + i*4)})
		waitRows(t, ctx, 24+i*4)
	}
	webtest.WaitFor(t, ctx, 5*time.Second, "the status", `document.getElementById('seen').textContent === '40'`)
	if got := webtest.Eval[string](t, ctx, `document.getElementById('state').textContent + ' ' + document.getElementById('where').textContent`); got != "running localhost:5672 · vhost / · orders (#)" {
		t.Errorf("status line %q", got)
	}
	// It follows the newest row until the user scrolls.
	webtest.WaitFor(t, ctx, 5*time.Second, "the newest row in view",
		`(() => { const s = document.getElementById('scroller'); return s.scrollHeight <= s.clientHeight || s.scrollTop + s.clientHeight >= s.scrollHeight - 8; })()`)
	if got := webtest.Eval[string](t, ctx, `document.querySelector('#rows tr[data-id]:last-child').dataset.id`); got != "40" {
		t.Errorf("last row id %s, want 40", got)
	}
}

func TestBrowserStopsFollowingWhenTheUserScrolls(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: testMessages(1, 200), Status: running(200)})
	ctx := openPage(t, s, 1280, 600)
	waitRows(t, ctx, 200)
	webtest.Run(t, ctx, 5*time.Second, chromedp.Func(evalJS(`document.getElementById('scroller').scrollTop = 0`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the newest button", `!document.getElementById('follow').hidden`)
	s.Publish(tap.Batch{Messages: testMessages(201, 20), Status: running(220)})
	waitRows(t, ctx, 220)
	if top := webtest.Eval[float64](t, ctx, `document.getElementById('scroller').scrollTop`); top != 0 {
		t.Errorf("the page scrolled to %v while the user looked at the top", top)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#follow`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "following again",
		`(() => { const s = document.getElementById('scroller'); return s.scrollTop + s.clientHeight >= s.scrollHeight - 8; })()`)
}

func TestBrowserFilterNarrowsTheRows(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: testMessages(1, 30), Status: running(30)})
	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 30)

	webtest.Run(t, ctx, 5*time.Second, chromedp.SendKeys(chromedp.CSS(`#filter`), "rk:order.paid"))
	waitRows(t, ctx, 10)
	keys := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll('#rows .c-rk')].map(e => e.textContent)`)
	for _, k := range keys {
		if k != "order.paid" {
			t.Fatalf("filtered rows hold %q: %v", k, keys)
		}
	}
	// New messages are filtered too: 2 of these 6 are order.paid.
	s.Publish(tap.Batch{Messages: testMessages(31, 6), Status: running(36)})
	waitRows(t, ctx, 12)
	if h := webtest.Eval[string](t, ctx, `location.hash`); h != "#q=rk%3Aorder.paid" {
		t.Errorf("the filter is not in the address: hash %q", h)
	}
	// A page opened with that address starts filtered.
	other := openPageAt(t, s.URL()+"#q=format%3Atext", 800, 600)
	waitRows(t, other, 12)
	if v := webtest.Eval[string](t, other, `document.getElementById('filter').value`); v != "format:text" {
		t.Errorf("filter box %q after opening with #q=format:text", v)
	}

	// Clearing the box shows everything again.
	webtest.Run(t, ctx, 5*time.Second, chromedp.Func(evalJS(
		`const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'))`)))
	waitRows(t, ctx, 36)
}

func TestBrowserOpensTheDetailOfARow(t *testing.T) {
	s := startTestServer(t, Config{Retain: 50})
	msgs := testMessages(1, 3)
	msgs[1].Properties.ContentType = "application/json"
	msgs[1].Headers = map[string]any{"x-retry": int64(2), "trace": map[string]any{"span": "abc-123"}}
	msgs[1].Properties.MessageID = "m-77"
	msgs[1].Body = []byte(`{"order_id": 1842, "items": [{"sku": "SKU-1", "qty": 2}], "paid": true}`)
	s.Publish(tap.Batch{Messages: msgs, Status: running(3)})
	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 3)

	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="2"] .c-sum`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the detail", `document.querySelector('#d-body pre') !== null`)
	title := webtest.Eval[string](t, ctx, `document.getElementById('d-title').textContent`)
	if title != "#2  orders → audit.text" {
		t.Errorf("detail title %q", title)
	}
	text := webtest.Eval[string](t, ctx, `document.getElementById('d-body').innerText`)
	for _, want := range []string{"PROPERTIES", "message_id", "m-77", "HEADERS", "x-retry", "span", "abc-123", "BODY · JSON"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	body := webtest.Eval[string](t, ctx, `document.querySelector('#d-body pre').textContent`)
	if !strings.Contains(body, "{\n  \"order_id\": 1842,\n  \"items\": [") {
		t.Errorf("body not pretty JSON:\n%s", body)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('#d-body pre .j-key').length`); n < 4 {
		t.Errorf("%d JSON keys coloured, want at least 4", n)
	}
	if sel := webtest.Eval[string](t, ctx, `document.querySelector('#rows tr.sel').dataset.id`); sel != "2" {
		t.Errorf("selected row %s", sel)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.KeyEvent("\x1b"))
	webtest.WaitFor(t, ctx, 5*time.Second, "Esc to close the detail", `document.getElementById('detail').hidden`)

	// A message pushed out of the ring (while the page was paused, so that
	// its row is still there) says so.
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#pause`)))
	s.Publish(tap.Batch{Messages: testMessages(4, 100), Status: running(103)})
	waitPublished(t, s, 103)
	webtest.Run(t, ctx, 5*time.Second, chromedp.Func(evalJS(`document.querySelector('#rows tr[data-id]').click()`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the evicted message's note",
		`document.getElementById('d-body').textContent.includes('no longer retained')`)
}

func TestBrowserPauseHoldsTheTable(t *testing.T) {
	s := startTestServer(t, Config{History: 20})
	s.Publish(tap.Batch{Messages: testMessages(1, 5), Status: running(5)})
	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 5)

	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#pause`)))
	s.Publish(tap.Batch{Messages: testMessages(6, 10), Status: running(15)})
	webtest.WaitFor(t, ctx, 10*time.Second, "the paused count", `document.getElementById('shown').textContent.includes('paused, 10 new')`)
	if n := webtest.Eval[int](t, ctx, rowCount); n != 5 {
		t.Fatalf("%d rows while paused, want the 5 from before", n)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.KeyEvent("p")) // the key resumes too
	waitRows(t, ctx, 15)

	// More than the page keeps arrives while paused: a marker says how
	// many were let go, and the table stays bounded.
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#pause`)))
	s.Publish(tap.Batch{Messages: testMessages(16, 50), Status: running(65)})
	webtest.WaitFor(t, ctx, 10*time.Second, "the paused count", `document.getElementById('shown').textContent.includes('paused, 50 new')`)
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#pause`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the marker", `document.querySelector('#rows tr.marker') !== null`)
	marker := webtest.Eval[string](t, ctx, `document.querySelector('#rows tr.marker').textContent`)
	if !strings.Contains(marker, "31 messages skipped") {
		t.Errorf("marker %q, want 31 skipped (the page holds 19 and the marker)", marker)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('#rows tr').length`); n > 20 {
		t.Errorf("%d rows in the DOM, want at most 20", n)
	}
}

func TestBrowserKeepsABoundedNumberOfRows(t *testing.T) {
	s := startTestServer(t, Config{History: 100})
	ctx := openPage(t, s, 1280, 800)
	for i := range 20 {
		s.Publish(tap.Batch{Messages: testMessages(1+i*50, 50), Status: running(50 + i*50)})
	}
	webtest.WaitFor(t, ctx, 10*time.Second, "the last row", `document.querySelector('#rows tr[data-id]:last-child').dataset.id === '1000'`)
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('#rows tr').length`); n != 100 {
		t.Errorf("%d rows in the DOM after 1000 messages, want 100", n)
	}
}

func TestBrowserShowsHostileMessagesAsInertText(t *testing.T) {
	s := startTestServer(t, Config{})
	m := testMessages(1, 1)[0]
	m.Exchange = `<iframe src="javascript:window.__pwned=6"></iframe>`
	m.RoutingKey = `<img src=x onerror="window.__pwned=3">`
	m.Properties.ContentType = "text/html"
	m.Properties.AppID = `<svg onload="window.__pwned=7">`
	m.Headers = map[string]any{
		"link":                 "javascript:window.__pwned=4",
		"<b>bold</b>":          `<svg onload="window.__pwned=5"></svg>`,
		"x-escape":             "\x1b[2J\x1b]0;owned\x07",
		"x-bidi":               "abc\u202edef",
		`"><script>x</script>`: "1",
	}
	m.Body = []byte(`<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><a href="javascript:window.__pwned=8">click</a>` + "\x1b[31mred")
	j := testMessages(2, 1)[0]
	j.Body = []byte(`{"html": "<script>window.__pwned=9</script>", "<img src=x onerror=window.__pwned=10>": 1}`)
	s.Publish(tap.Batch{Messages: []tap.Message{m, j}, Status: running(2)})

	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 2)
	for _, id := range []string{"1", "2"} {
		webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="`+id+`"] .c-sum`)))
		webtest.WaitFor(t, ctx, 5*time.Second, "the detail of "+id, `document.querySelector('#d-body pre') !== null && document.getElementById('d-title').textContent.startsWith('#`+id+`')`)
		time.Sleep(300 * time.Millisecond) // time for an onerror or onload to run, if any could
		if p := webtest.Eval[any](t, ctx, `window.__pwned === undefined ? null : window.__pwned`); p != nil {
			t.Fatalf("message %s ran script: window.__pwned = %v", id, p)
		}
		if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('main img, main script, main svg, main iframe, main a, main b').length`); n != 0 {
			t.Errorf("message %s made %d elements out of its text", id, n)
		}
	}
	rk := webtest.Eval[string](t, ctx, `document.querySelector('#rows tr[data-id="1"] .c-rk').textContent`)
	if rk != `<img src=x onerror="window.__pwned=3">` {
		t.Errorf("routing key shown as %q", rk)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="1"] .c-sum`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the detail", `document.getElementById('d-title').textContent.startsWith('#1')`)
	text := webtest.Eval[string](t, ctx, `document.getElementById('d-body').textContent`)
	for _, want := range []string{
		`<script>window.__pwned=1</script>`, `javascript:window.__pwned=4`, `<b>bold</b>`,
		`\x1b[2J\x1b]0;owned\x07`, `\u202e`, `\x1b[31mred`, `<svg onload="window.__pwned=7">`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("detail does not show %q as text:\n%s", want, text)
		}
	}
	if strings.ContainsAny(text, "\x1b\x07\u202e") {
		t.Errorf("control characters reached the page: %q", text)
	}
}

func TestBrowserReconnectsAfterARestart(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Publish(tap.Batch{Messages: testMessages(1, 5), Status: running(5)})
	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 5)

	// A network blip: the stream drops and the browser resumes it, with
	// nothing lost and nothing twice.
	closeStreams(t, s)
	s.Publish(tap.Batch{Messages: testMessages(6, 3), Status: running(8)})
	waitRows(t, ctx, 8)

	// shoveltap restarts on the same address: the page comes back to it
	// by itself, and starts afresh (the new run numbers from 1 again).
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	webtest.WaitFor(t, ctx, 10*time.Second, "the page to notice", connState+` !== 'live'`)
	var again *Server
	deadline := time.Now().Add(10 * time.Second)
	for again == nil {
		if again, err = Start(Config{Addr: addr}); err != nil {
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	defer again.Close(context.Background())
	restarted := testMessages(1, 3)
	for i := range restarted {
		restarted[i].RoutingKey = "after.restart"
	}
	again.Publish(tap.Batch{Messages: restarted, Status: running(3)})
	webtest.WaitFor(t, ctx, 20*time.Second, "the page to reconnect", connState+` === 'live'`)
	waitRows(t, ctx, 3)
	if k := webtest.Eval[string](t, ctx, lastKey); k != "after.restart" {
		t.Errorf("after the restart the last row is %q", k)
	}
}

// closeStreams drops every open event stream, as a network blip would.
func closeStreams(t *testing.T, s *Server) {
	t.Helper()
	s.endPages(false)
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Viewers == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBrowserWithATokenOpensFromThePrintedAddressOnly(t *testing.T) {
	s := startTestServer(t, Config{Token: "0123456789abcdef-token"})
	s.Publish(tap.Batch{Messages: testMessages(1, 4), Status: running(4)})
	ctx := webtest.Browser(t, 1024, 700)
	base := "http://" + s.Addr() + "/"
	webtest.Run(t, ctx, 10*time.Second, chromedp.Navigate(base))
	if text := webtest.Dump(ctx); !strings.Contains(text, "needs its token") {
		t.Errorf("without the token the page shows %q", text)
	}
	webtest.Run(t, ctx, 10*time.Second, chromedp.Navigate(s.URL()))
	waitRows(t, ctx, 4)
	if u := webtest.Eval[string](t, ctx, `location.href`); u != base {
		t.Errorf("address after opening %q, want %q (no token in sight)", u, base)
	}
}

// evalJS runs a script for its effect.
func evalJS(expr string) func(context.Context, *chromedp.Target) error {
	return func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void](expr)(ctx, t)
		return err
	}
}

// TestBrowserKeepsTheSelectedRowInView: a clicked row stays selected and
// in view while new rows arrive, as the terminal UI keeps its selection,
// until End follows the newest again; the detail's received time names
// its zone.
func TestBrowserKeepsTheSelectedRowInView(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: testMessages(1, 60), Status: running(60)})
	ctx := openPage(t, s, 1280, 600)
	waitRows(t, ctx, 60)
	webtest.WaitFor(t, ctx, 5*time.Second, "following the newest",
		`(() => { const s = document.getElementById('scroller'); return s.scrollTop + s.clientHeight >= s.scrollHeight - 8; })()`)
	// The newest row but two, in view at the bottom.
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="58"] .c-sum`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the detail", `document.querySelector('#d-body pre') !== null`)
	const inView = `(() => {
		const r = document.querySelector('#rows tr[data-id="58"]'), s = document.getElementById('scroller');
		if (!r || !r.classList.contains('sel')) return false;
		const a = r.getBoundingClientRect(), b = s.getBoundingClientRect();
		return a.top >= b.top && a.bottom <= b.bottom;
	})()`
	webtest.WaitFor(t, ctx, 5*time.Second, "the selected row in view", inView)
	for i := range 6 {
		s.Publish(tap.Batch{Messages: testMessages(61+i*20, 20), Status: running(80 + i*20)})
		waitRows(t, ctx, 80+i*20)
		if !webtest.Eval[bool](t, ctx, inView) {
			t.Fatalf("after %d new rows the selected row is out of view or unselected", 20+i*20)
		}
	}
	received := webtest.Eval[string](t, ctx, `[...document.querySelectorAll('#d-body dt')].find(e => e.textContent === 'received').nextElementSibling.textContent`)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+$`).MatchString(received) {
		t.Errorf("received %q, want a date, a time and its zone", received)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.KeyEvent(kb.End))
	s.Publish(tap.Batch{Messages: testMessages(181, 5), Status: running(185)})
	waitRows(t, ctx, 185)
	webtest.WaitFor(t, ctx, 5*time.Second, "following again after End",
		`(() => { const s = document.getElementById('scroller'); return s.scrollTop + s.clientHeight >= s.scrollHeight - 8; })()`)
}
