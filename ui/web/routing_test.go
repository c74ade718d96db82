package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/routing/routingtest"
	"github.com/shoveltap/shoveltap/ui/web/webtest"
)

const (
	traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanID   = "00f067aa0ba902b7"
	traceURL = "https://grafana.example/explore?traceId={trace_id}"
)

// routedBatch is three messages read and routed as the pipeline's read
// stage does: routed and traced, unroutable, routed.
func routedBatch() []tap.Message {
	live := routingtest.Live()
	msgs := testMessages(1, 3)
	msgs[0].RoutingKey = "order.paid"
	msgs[0].Headers = map[string]any{"traceparent": "00-" + traceID + "-" + spanID + "-01"}
	msgs[1].RoutingKey = "order.lost"
	msgs[2].RoutingKey = "order.eu.shipped"
	for i := range msgs {
		r := msgs[i].Read()
		r.SetRoute(live.Route(msgs[i].Exchange, msgs[i].RoutingKey, msgs[i].Headers))
		msgs[i].Reading = r
	}
	return msgs
}

// TestDetailSaysWhereItWent: /api/message has the routed-to, dead-letter
// and trace sections, with the environment's link; a row says unroutable.
func TestDetailSaysWhereItWent(t *testing.T) {
	s := startTestServer(t, Config{Retain: 50, TraceURL: traceURL})
	s.Publish(tap.Batch{Messages: routedBatch(), Status: running(3)})
	waitPublished(t, s, 3)
	get := func(id string) detailJSON {
		rec := request(t, s, http.MethodGet, "/api/message?id="+id, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("message %s: %d %s", id, rec.Code, rec.Body)
		}
		var d detailJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := get("1")
	if len(d.Sections) != 2 || d.Sections[0].Title != "routed to · 1 queue(s)" || d.Sections[1].Title != "trace" {
		t.Fatalf("sections %+v", d.Sections)
	}
	if f := d.Sections[0].Fields; len(f) < 2 || f[0].Name != "queue paid" || !strings.Contains(f[1].Value, `"dlx"`) {
		t.Errorf("routed to %+v", f)
	}
	if l := d.Sections[1].Link; l != "https://grafana.example/explore?traceId="+traceID {
		t.Errorf("trace link %q", l)
	}
	if lost := get("2"); len(lost.Sections) != 1 || lost.Sections[0].Mark != "bad" || !strings.Contains(lost.Sections[0].Title, "UNROUTABLE") {
		t.Errorf("unroutable sections %+v", lost.Sections)
	}
}

// TestBrowserMarksUnroutableRows: the page marks the unroutable row, and
// the detail shows where a message went and links its trace.
func TestBrowserMarksUnroutableRows(t *testing.T) {
	s := startTestServer(t, Config{Retain: 50, TraceURL: traceURL})
	s.Publish(tap.Batch{Messages: routedBatch(), Status: running(3)})
	ctx := openPage(t, s, 1280, 800)
	waitRows(t, ctx, 3)
	ids := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll('#rows tr.unroutable')].map(r => r.dataset.id)`)
	if len(ids) != 1 || ids[0] != "2" {
		t.Fatalf("unroutable rows %v, want [2]", ids)
	}
	if mark := webtest.Eval[string](t, ctx, `document.querySelector('#rows tr.unroutable .unroutable-mark').textContent`); mark != "!" {
		t.Errorf("mark %q", mark)
	}
	webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="1"] .c-sum`)))
	webtest.WaitFor(t, ctx, 5*time.Second, "the detail", `document.querySelector('#d-body a.trace-link') !== null`)
	text := webtest.Eval[string](t, ctx, `document.getElementById('d-body').innerText`)
	for _, want := range []string{"ROUTED TO · 1 QUEUE(S)", "queue paid", "TRACE", traceID} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	if href := webtest.Eval[string](t, ctx, `document.querySelector('#d-body a.trace-link').href`); href != "https://grafana.example/explore?traceId="+traceID {
		t.Errorf("link %q", href)
	}
}
