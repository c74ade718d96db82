package web

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/web/webtest"
)

// TestScreenshots writes the README's pictures of the page, at a phone's
// and a laptop's width, into the directory SHOVELTAP_WEB_SCREENSHOTS names
// (docs/ for the README). It is not run otherwise.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SHOVELTAP_WEB_SCREENSHOTS")
	if dir == "" {
		t.Skip("SHOVELTAP_WEB_SCREENSHOTS=DIR writes the README's screenshots")
	}
	s := startTestServer(t, Config{})
	msgs := demoMessages(120)
	st := tap.Status{State: tap.StateRunning, Broker: "mq-prod-1:5672", Vhost: "/", Sources: []string{"orders (#)"},
		Seen: uint64(len(msgs)), Rate: 41.7, Dropped: 0}
	s.Publish(tap.Batch{Messages: msgs, Status: st})
	waitPublished(t, s, uint64(len(msgs)))

	shots := []struct {
		name          string
		width, height int
		detail        bool
	}{
		{"web-laptop.png", 1440, 900, true},
		{"web-phone.png", 390, 844, false},
	}
	for _, shot := range shots {
		ctx := openPageAt(t, s.URL(), shot.width, shot.height)
		waitRows(t, ctx, len(msgs))
		webtest.WaitFor(t, ctx, 5*time.Second, "the status", `document.getElementById('seen').textContent === '120'`)
		if shot.detail {
			webtest.Run(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#rows tr[data-id="113"] .c-sum`)))
			webtest.WaitFor(t, ctx, 5*time.Second, "the detail", `document.querySelector('#d-body pre') !== null`)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// demoMessages is traffic like the demo generator's (bench/demogen):
// orders as JSON, Celery tasks, audit text and binary metrics.
func demoMessages(n int) []tap.Message {
	customers := []string{"ada", "grace", "linus", "ken", "barbara", "edsger"}
	start := time.Date(2025, 3, 14, 9, 26, 53, 0, time.Local)
	out := make([]tap.Message, 0, n)
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * 24 * time.Millisecond)
		m := tap.Message{Seq: uint64(i), Time: at, Source: "orders (#)", Exchange: "orders"}
		switch i % 10 {
		case 3:
			id := fmt.Sprintf("%08x-4b1d-4c4e-9f00-%012x", 0x5eed0000+i*7919, i)
			body, _ := json.Marshal([]any{[]any{i, 1000 + i*37%4000}, map[string]any{"currency": "EUR"},
				map[string]any{"callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil}})
			m.RoutingKey = "order.task.charge"
			m.Properties = tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id, Timestamp: at}
			m.Headers = map[string]any{"lang": "py", "task": "billing.charge_card", "id": id, "root_id": id, "parent_id": nil,
				"group": nil, "retries": int64(0), "eta": nil, "expires": nil, "origin": "gen@demo",
				"argsrepr": fmt.Sprintf("(%d, %d)", i, 1000+i*37%4000), "kwargsrepr": "{'currency': 'EUR'}"}
			m.Body = body
		case 6:
			m.RoutingKey = "audit.text"
			m.Properties = tap.Properties{ContentType: "text/plain", Timestamp: at}
			m.Body = []byte(fmt.Sprintf("%s user %s signed in from 10.0.%d.%d", at.UTC().Format(time.RFC3339), customers[i%len(customers)], i%256, i*7%256))
		case 9:
			m.RoutingKey = "metrics.raw"
			m.Properties = tap.Properties{ContentType: "application/octet-stream", Timestamp: at}
			b := make([]byte, 48)
			for k := range b {
				b[k] = byte(i*31 + k*17)
			}
			m.Body = b
		default:
			ev := []string{"created", "paid", "shipped"}[i%3]
			body, _ := json.Marshal(map[string]any{
				"order_id": 1000 + i, "customer": customers[i%len(customers)], "event": ev,
				"items": []map[string]any{{"sku": fmt.Sprintf("SKU-%03d", i%97), "qty": 1 + i%3}},
				"total": float64(i%500) + 0.99,
			})
			m.RoutingKey = "order." + ev
			m.Properties = tap.Properties{ContentType: "application/json", DeliveryMode: 2, Timestamp: at, MessageID: fmt.Sprintf("msg-%d", i), AppID: "shop"}
			m.Headers = map[string]any{"tenant": "eu-1"}
			m.Body = body
		}
		out = append(out, m)
	}
	return out
}
