package picker

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/ui/uitest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/tap"
)

// TestMain pins the time zone, as the ui goldens do.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

// fixture is a vhost as Admin.Resources lists it: the user's exchanges,
// the amq.* ones, then queues, one with a hostile name.
func fixture() []broker.Resource {
	rs := []broker.Resource{
		{Kind: broker.KindExchange, Name: "billing", Type: "direct", Bindings: 3, Rate: 2.5},
		{Kind: broker.KindExchange, Name: "celery", Type: "direct", Bindings: 1, Rate: 41.3},
		{Kind: broker.KindExchange, Name: "celeryev", Type: "topic", Bindings: 2, Rate: 12},
		{Kind: broker.KindExchange, Name: "events", Type: "fanout", Bindings: 4, Rate: 1234.4},
		{Kind: broker.KindExchange, Name: "nova", Type: "topic", Bindings: 12, Rate: 0.4},
		{Kind: broker.KindExchange, Name: "openstack.notifications.very-long-exchange-name-for-layout", Type: "topic", Bindings: 1},
		{Kind: broker.KindExchange, Name: "orders", Type: "topic", Bindings: 5, Rate: 17},
		{Kind: broker.KindExchange, Name: "amq.direct", Type: "direct"},
		{Kind: broker.KindExchange, Name: "amq.fanout", Type: "fanout"},
		{Kind: broker.KindExchange, Name: "amq.headers", Type: "headers"},
		{Kind: broker.KindExchange, Name: "amq.topic", Type: "topic", Bindings: 1},
		{Kind: broker.KindQueue, Name: "billing.charge", Type: "classic", Bindings: 2, Rate: 2.5, Messages: 12, Consumers: 2},
		{Kind: broker.KindQueue, Name: "celery", Type: "quorum", Bindings: 1, Rate: 41.3, Messages: 1_234_567, Consumers: 8},
		{Kind: broker.KindQueue, Name: "celeryev.3f2a", Type: "classic", Bindings: 2, Rate: 12, Consumers: 1},
		{Kind: broker.KindQueue, Name: "evil\x1b[2J\u202equeue", Type: "classic", Bindings: 1, Messages: 3},
		{Kind: broker.KindQueue, Name: "orders.paid", Type: "classic", Bindings: 1, Rate: 4, Messages: 150_000, Consumers: 3},
		{Kind: broker.KindQueue, Name: "orders.shipped", Type: "stream", Bindings: 1, Rate: 3, Messages: 98765},
	}
	for i := range 12 {
		rs = append(rs, broker.Resource{Kind: broker.KindQueue, Name: fmt.Sprintf("worker.%02d", i), Type: "classic", Bindings: 1, Consumers: 1})
	}
	return rs
}

var testOptions = Options{Broker: "localhost:5672", Vhost: "/"}

// never is a Load that does not return before the test ends, so that the
// goldens decide when the list arrives.
func never(t *testing.T) func() ([]broker.Resource, error) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func() ([]broker.Resource, error) { <-done; return nil, errors.New("test over") }
}

func keyMsg(s string) tea.KeyPressMsg {
	named := map[string]rune{
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "enter": tea.KeyEnter, "esc": tea.KeyEscape,
		"backspace": tea.KeyBackspace,
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

func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

var goldenScreens = []struct {
	name     string
	selected []tap.Source
	steps    func(tm *teatest.TestModel)
}{
	{"loading", nil, func(tm *teatest.TestModel) {}},
	{"list", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "down", "down")
	}},
	{"filtered", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "/")
		tm.Type("celery")
		sendKeys(tm, "enter", "down")
	}},
	{"filter-typing", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "/")
		tm.Type("order")
	}},
	{"no-match", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "/")
		tm.Type("nothing-like-it")
		sendKeys(tm, "enter")
	}},
	{"selection", []tap.Source{{Exchange: "orders", Key: "order.#"}}, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "end")
		sendKeys(tm, "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "space", "up", "up", "space")
	}},
	{"problem", []tap.Source{{Queue: "celery"}}, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
	}},
	{"help", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{resources: fixture()})
		sendKeys(tm, "?")
	}},
	{"error", nil, func(tm *teatest.TestModel) {
		tm.Send(loadedMsg{err: errors.New(`listing the exchanges of vhost "/": the management API refused user "ops": it needs the "management" tag (rabbitmqctl set_user_tags ops management policymaker); a tap with --no-shovel needs no tag`)})
	}},
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, sc := range goldenScreens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				opts := testOptions
				opts.Load = never(t)
				opts.Selected = sc.selected
				if sc.name == "problem" {
					opts.Problem = `nothing to tap: queue "celery" has no bindings but the default exchange's: what is published straight to it (Celery's default) is invisible to a tap made of bindings; use --firehose to see it`
				}
				tm := teatest.NewTestModel(t, New(opts),
					teatest.WithInitialTermSize(size[0], size[1]),
					teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
				sc.steps(tm)
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				checkScreen(t, final)
				golden.RequireEqual(t, plainScreen(t, final))
			})
		}
	}
}

// plainScreen is the view through the no-colour profile, padded to the
// terminal's height so that the golden shows it.
func plainScreen(t *testing.T, m Model) []byte {
	return uitest.PlainScreen(t, m.View().Content, m.com.Height)
}

// checkScreen fails when the view does not fit the terminal or lets a raw
// hostile name through.
func checkScreen(t testing.TB, m Model) {
	t.Helper()
	for i, l := range uitest.CheckFits(t, m.View().Content, m.com.Width, m.com.Height) {
		if strings.ContainsRune(ansi.Strip(l), '\u202e') || strings.Contains(l, "\x1b[2J") {
			t.Errorf("line %d lets a hostile name through: %q", i+1, l)
		}
	}
}

// sized returns a picker of 80×24 that has loaded rs.
func sized(t *testing.T, opts Options, rs []broker.Resource) Model {
	t.Helper()
	m := New(opts)
	return update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, loadedMsg{resources: rs})
}

func update(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// press sends keys; typed text is sent one key per rune. It returns the
// model and the command of the last key.
func press(t *testing.T, m Model, keys ...string) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var next tea.Model
		next, cmd = m.Update(keyMsg(k))
		m = next.(Model)
	}
	return m, cmd
}

func typeText(t *testing.T, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m, _ = press(t, m, string(r))
	}
	return m
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestChoosingAQueueByItsNameTapsIt(t *testing.T) {
	m := sized(t, testOptions, fixture())
	m, _ = press(t, m, "/")
	m = typeText(t, m, "orders.pa")
	m, cmd := press(t, m, "enter")
	if isQuit(cmd) {
		t.Fatal("enter in the filter bar keeps the filter; it must not tap yet")
	}
	m, cmd = press(t, m, "enter")
	if !isQuit(cmd) {
		t.Fatal("enter on a row does not end the picker")
	}
	if got, want := m.Chosen(), []tap.Source{{Queue: "orders.paid"}}; !slices.Equal(got, want) {
		t.Errorf("Chosen() = %v, want %v", got, want)
	}
}

func TestEnterTapsTheSelectionInListOrder(t *testing.T) {
	m := sized(t, testOptions, fixture())
	// events (exchange, row 4), then celery (the queue), selected in the
	// other order.
	m, _ = press(t, m, "/")
	m = typeText(t, m, "celery")
	m, _ = press(t, m, "enter", "down", "down", "space", "esc")
	m, _ = press(t, m, "home", "down", "down", "down", "space")
	m, cmd := press(t, m, "enter")
	if !isQuit(cmd) {
		t.Fatal("enter with a selection does not end the picker")
	}
	want := []tap.Source{{Exchange: "events", Key: tap.AllKeys}, {Queue: "celery"}}
	if got := m.Chosen(); !slices.Equal(got, want) {
		t.Errorf("Chosen() = %v, want %v", got, want)
	}
}

func TestSpaceTogglesAndPreselectionKeepsItsKey(t *testing.T) {
	opts := testOptions
	opts.Selected = []tap.Source{{Exchange: "orders", Key: "order.#"}, {Queue: "gone"}}
	m := sized(t, opts, fixture())
	if !strings.Contains(ansi.Strip(m.View().Content), "1 selected") {
		t.Errorf("the pre-selection is not shown:\n%s", m.View().Content)
	}
	if r, _ := m.cursorResource(); r.Name != "orders" {
		t.Errorf("the cursor starts on %q, want the pre-selected orders", r.Name)
	}
	m, _ = press(t, m, "home", "space", "space", "space") // billing on, off, on
	m, cmd := press(t, m, "enter")
	if !isQuit(cmd) {
		t.Fatal("enter does not end the picker")
	}
	// The queue that no longer exists is not tapped; orders keeps its key.
	want := []tap.Source{{Exchange: "billing", Key: tap.AllKeys}, {Exchange: "orders", Key: "order.#"}}
	if got := m.Chosen(); !slices.Equal(got, want) {
		t.Errorf("Chosen() = %v, want %v", got, want)
	}
}

func TestQuitChoosesNothing(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := sized(t, testOptions, fixture())
		m, _ = press(t, m, "space")
		m, cmd := press(t, m, k)
		if !isQuit(cmd) || len(m.Chosen()) != 0 {
			t.Errorf("%s: quit=%v chosen=%v, want a quit with nothing chosen", k, isQuit(cmd), m.Chosen())
		}
	}
	// In the filter bar q is a letter.
	m := sized(t, testOptions, fixture())
	m, _ = press(t, m, "/")
	m, cmd := press(t, m, "q")
	if isQuit(cmd) || m.filter.Value() != "q" {
		t.Errorf("q in the filter bar: quit=%v query=%q", isQuit(cmd), m.filter.Value())
	}
}

func TestLoadRunsInACommandAndReloadKeepsTheCursor(t *testing.T) {
	calls := 0
	opts := testOptions
	opts.Load = func() ([]broker.Resource, error) { calls++; return fixture(), nil }
	m := New(opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if calls != 0 {
		t.Fatal("Load ran outside a command")
	}
	m = update(t, m, m.Init()())
	if calls != 1 || len(m.shown) != len(fixture()) {
		t.Fatalf("after Init: %d calls, %d rows", calls, len(m.shown))
	}
	m, _ = press(t, m, "down", "down", "down")
	m, cmd := press(t, m, "r")
	if !m.loading || cmd == nil {
		t.Fatal("r does not reload")
	}
	m = update(t, m, cmd())
	if r, _ := m.cursorResource(); r.Name != "events" || calls != 2 {
		t.Errorf("after reload the cursor is on %q (%d calls), want events", r.Name, calls)
	}
}

func TestErrorThenRetry(t *testing.T) {
	fail := true
	opts := testOptions
	opts.Load = func() ([]broker.Resource, error) {
		if fail {
			return nil, errors.New("cannot reach the management API")
		}
		return fixture(), nil
	}
	m := New(opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = update(t, m, m.Init()())
	if !strings.Contains(m.View().Content, "cannot reach the management API") {
		t.Fatalf("the error is not shown:\n%s", m.View().Content)
	}
	if _, cmd := press(t, m, "enter"); isQuit(cmd) {
		t.Error("enter taps something although nothing is listed")
	}
	fail = false
	m, cmd := press(t, m, "r")
	m = update(t, m, cmd())
	if m.err != nil || len(m.shown) == 0 {
		t.Errorf("retry: err=%v rows=%d", m.err, len(m.shown))
	}
}

func TestColumnsFitTheWidth(t *testing.T) {
	for _, w := range []int{60, 80, 99, 100, 120, 200} {
		cols := columns(w)
		total := len(cols)
		for _, c := range cols {
			total += c.Width
		}
		if total != w && cols[2].Width != minNameWidth {
			t.Errorf("width %d: columns take %d", w, total)
		}
	}
}

func TestFormats(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.04: "0.0", 2.5: "2.5", 41.3: "41", 1234.4: "1234", 12345: "12.3k", 456789: "457k"} {
		if got := rate(v); got != want {
			t.Errorf("rate(%v) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 98765: "98765", 150_000: "150k", 1_234_567: "1.2M"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
