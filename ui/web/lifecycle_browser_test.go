package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/web/webtest"
)

// TestBrowserLifecycleSection opens the lifecycles section (its button,
// then L) and reads the per-name and per-worker tables the page drew
// from /api/lifecycle; hostile text stays text.
func TestBrowserLifecycleSection(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: celeryMessages(t), Status: running(9)})
	waitPublished(t, s, 9)

	ctx := openPage(t, s, 1280, 800)
	webtest.Run(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`#lifecycle-toggle`)))
	webtest.WaitFor(t, ctx, 10*time.Second, "the per-name table",
		`document.querySelectorAll('#lc-names tbody tr').length === 1 && document.querySelectorAll('#lc-workers tbody tr').length === 2`)
	if got := webtest.Eval[bool](t, ctx, `document.getElementById('main').hidden && !document.getElementById('lifecycle').hidden`); !got {
		t.Error("the section does not replace the message table")
	}
	row := webtest.Eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#lc-names tbody tr td')).map((td) => td.textContent)`)
	if len(row) != 11 || row[0] != "billing.charge" || row[1] != "2" || row[4] != "1" || row[5] != "1" ||
		row[10] != "ValueError('<b>declined</b>') on celery@w1" {
		t.Errorf("name row %q", row)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('#lifecycle b').length`); n != 0 {
		t.Error("an exception's markup became HTML")
	}
	w2 := webtest.Eval[string](t, ctx, `document.querySelectorAll('#lc-workers tbody tr')[1].textContent`)
	if w2 == "" || !strings.Contains(w2, "celery@w2") || !strings.Contains(w2, "runs without -E") {
		t.Errorf("worker row %q", w2)
	}
	// L closes it again.
	webtest.Run(t, ctx, 5*time.Second, chromedp.KeyEvent("L"))
	webtest.WaitFor(t, ctx, 5*time.Second, "the table back", `!document.getElementById('main').hidden && document.getElementById('lifecycle').hidden`)
}
