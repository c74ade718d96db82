package ui

import (
	"fmt"
	"github.com/shoveltap/shoveltap/ui/uitest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
)

// TestMain pins the time zone: the table shows local times.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

// t0 is when the synthetic traffic starts.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

var testOptions = Options{
	Broker:  "localhost:5672",
	Vhost:   "/",
	Sources: []string{"orders (order.#)", "celery (#)"},
}

// message returns the i-th message of a synthetic mix of traffic: JSON
// order events, Celery tasks, text logs, binary telemetry and an empty
// body. Everything about it is fixed, including its time.
func message(seq uint64) tap.Message {
	i := int(seq)
	m := tap.Message{
		Seq:    seq,
		Time:   t0.Add(time.Duration(i) * 137 * time.Millisecond),
		Source: "orders (order.#)",
	}
	switch i % 6 {
	case 0, 3:
		events := []string{"created", "paid", "shipped"}
		m.Exchange = "orders"
		m.RoutingKey = "order.eu." + events[(i/3)%3]
		m.Properties = tap.Properties{
			ContentType:  "application/json",
			DeliveryMode: 2,
			MessageID:    fmt.Sprintf("msg-%04d", i),
			AppID:        "checkout",
			Timestamp:    t0,
		}
		m.Headers = map[string]any{
			"x-trace-id": fmt.Sprintf("4bf92f3577b34da6a3ce929d0e0e%04d", i),
			"x-retry":    int64(i % 3),
			"x-death": []any{map[string]any{
				"count": int64(1), "queue": "orders.retry", "reason": "rejected",
				"routing-keys": []any{"order.eu.created"}, "time": t0,
			}},
		}
		m.Body = []byte(fmt.Sprintf(`{"order_id":%d,"customer":"ACME GmbH","total":%d.5,`+
			`"items":[{"sku":"A-100","qty":2},{"sku":"B-7","qty":1}],"paid":true,"coupon":null}`, 1800+i, 100+i))
	case 1:
		m.Exchange = "celery"
		m.RoutingKey = "celery"
		m.Properties = tap.Properties{
			ContentType:     "application/json",
			ContentEncoding: "utf-8",
			CorrelationID:   fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", i),
		}
		m.Headers = map[string]any{
			"task":    "tasks.add",
			"id":      fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", i),
			"root_id": "a1b2c3d4-0000-4000-8000-000000000001",
			"lang":    "py",
			"retries": int64(0),
		}
		m.Body = []byte(fmt.Sprintf(`[[%d, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`, i))
	case 2:
		m.Exchange = "logs"
		m.RoutingKey = "app.web.info"
		m.Properties = tap.Properties{ContentType: "text/plain"}
		m.Body = []byte(fmt.Sprintf("GET /orders/%d 200 12ms\nuser-agent: curl/8.5\n", 1800+i))
	case 4:
		m.Exchange = "telemetry"
		m.RoutingKey = fmt.Sprintf("sensor.%d.temp", i)
		m.Properties = tap.Properties{ContentType: "application/x-protobuf"}
		m.Body = []byte{0x08, byte(i), 0x12, 0x04, 't', 'e', 'm', 'p', 0x1d, 0x00, 0x00, 0xb4, 0x41, 0xff, 0x00, 0x80, 0x01, 0x02}
	case 5:
		m.Exchange = ""
		m.RoutingKey = "orders.heartbeat"
		m.Redelivered = true
	}
	// Two sources, as testOptions says: celery's queue and the rest.
	m.Source = "orders (order.#)"
	if m.Exchange == "celery" {
		m.Source = "celery (#)"
	}
	return m
}

func messages(from, to uint64) []tap.Message {
	var ms []tap.Message
	for seq := from; seq <= to; seq++ {
		ms = append(ms, message(seq))
	}
	return ms
}

// hostileMessage tries every trick on the terminal: screen clearing,
// window title, hyperlinks, colours, bidi override and invalid UTF-8, in
// the routing key, exchange, a header and the body.
func hostileMessage(seq uint64) tap.Message {
	return tap.Message{
		Seq:        seq,
		Time:       t0.Add(time.Duration(seq) * 137 * time.Millisecond),
		Exchange:   "evil\u202egnp.exe",
		RoutingKey: "order.\x1b[2J\x1b]0;pwned\x07",
		Properties: tap.Properties{ContentType: "text/plain", AppID: "\x1b[5mblink"},
		Headers: map[string]any{
			"x-\x1b[31mred": "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
			"x-bidi":        "abc\u2066\u202edef",
			"x-c1":          "\u009b31m\u0085",
			"x-bytes":       []byte("\xff\xfe\x1b"),
		},
		Body: []byte("\x1b[2J\x1b[H\x1b]0;pwned\x07hello \u202eevil\u202c world\r\n" +
			"\x1b[31mred\x1b[0m\tand a bell\x07 and a DEL\x7f and a C1 CSI \u009b1m\n" +
			"An ordinary line of log text so that the decoder still calls this text.\n" +
			"Another ordinary line, because hostile bodies are mostly text.\n"),
	}
}

func batch(ms []tap.Message, st tap.Status) batchMsg {
	if st.State == tap.StateStarting && st.Seen == 0 {
		st.State = tap.StateRunning
	}
	return batchMsg{Messages: ms, Status: st}
}

// running is a status with counters for n messages seen.
func running(n uint64) tap.Status {
	return tap.Status{State: tap.StateRunning, Seen: n, Rate: 42.5}
}

// keyMsg turns a key name as bubbles/key writes it into a key press.
func keyMsg(s string) tea.KeyPressMsg {
	named := map[string]rune{
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "enter": tea.KeyEnter, "esc": tea.KeyEscape,
		"backspace": tea.KeyBackspace, "tab": tea.KeyTab,
	}
	if c, ok := named[s]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	if s == "space" {
		return tea.KeyPressMsg{Code: ' ', Text: " "}
	}
	if rest, ok := strings.CutPrefix(s, "ctrl+"); ok {
		r, _ := utf8.DecodeRuneInString(rest)
		return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return tea.KeyPressMsg{Code: r, Text: s}
}

// newModel returns a model of the given size without a batch channel:
// tests deliver batches with update.
func newModel(t testing.TB, w, h int, opts Options) Model {
	t.Helper()
	m := New(opts, nil)
	return update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
}

// update runs msgs through Update in order and returns the model.
func update(t testing.TB, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// press runs key presses through Update.
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m = update(t, m, keyMsg(k))
	}
	return m
}

// typeText types s into the model one key at a time.
func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m = update(t, m, keyMsg(string(r)))
	}
	return m
}

// screen is the model's view as plain text.
func screen(m Model) string { return ansi.Strip(m.View().Content) }

// checkScreen fails when the view does not fit the terminal.
func checkScreen(t testing.TB, m Model) {
	t.Helper()
	uitest.CheckFits(t, m.View().Content, m.com.Width, m.com.Height)
}
