package captureview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
)

// TestMain pins the time zone: the table shows local times.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// traffic is a fixed mix: JSON events, text, binary, an empty body.
func traffic(n int) []tap.Message {
	out := make([]tap.Message, 0, n)
	for i := 1; i <= n; i++ {
		m := tap.Message{
			Seq: uint64(i), Time: t0.Add(time.Duration(i) * 137 * time.Millisecond), Source: "orders (#)",
			Exchange: "orders", RoutingKey: fmt.Sprintf("order.eu.%d", i),
			Properties: tap.Properties{ContentType: "application/json", DeliveryMode: 2, MessageID: fmt.Sprint("msg-", i)},
			Headers:    map[string]any{"x-retry": int64(i % 3), "x-blob": []byte{0xff, byte(i)}},
		}
		switch i % 4 {
		case 0:
			m.Body = []byte(fmt.Sprintf(`{"order_id":%d,"total":%d.5}`, i, i*10))
		case 1:
			m.Properties.ContentType = "text/plain"
			m.Body = []byte(fmt.Sprintf("worker %d started", i))
		case 2:
			m.Properties.ContentType = "application/octet-stream"
			m.Body = []byte{0x00, 0xff, byte(i), 0x10}
		case 3:
			m.Exchange = ""
			m.RoutingKey = "celery"
		}
		out = append(out, m)
	}
	return out
}

func newTestModel(t *testing.T, m tea.Model) *teatest.TestModel {
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
}

func finalScreen(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(ui.Model)
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.NoTTY}
	if _, err := io.WriteString(w, m.View().Content); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestOpenRendersTheRecordedRows records traffic, opens the capture and
// checks that the table shows the rows a live tap showed for it.
func TestOpenRendersTheRecordedRows(t *testing.T) {
	msgs := traffic(30)
	path := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := capture.WriteFile(path, msgs); err != nil {
		t.Fatal(err)
	}

	live := make(chan tap.Batch, 1)
	live <- tap.Batch{Messages: msgs, Status: tap.Status{State: tap.StateRunning, Seen: 30}}
	tmLive := newTestModel(t, ui.New(ui.Options{Broker: "localhost:5672"}, live))
	waitFor(t, tmLive, "order.eu.30")
	liveScreen := finalScreen(t, tmLive)

	rd, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tm := newTestModel(t, openModel(t, ctx, rd, ui.Options{}))
	waitFor(t, tm, "▣ capture")
	openScreen := finalScreen(t, tm)

	liveRows, openRows := tableRows(liveScreen), tableRows(openScreen)
	if liveRows != openRows {
		t.Errorf("open shows other rows than the tap did\n--- tap\n%s\n--- open\n%s", liveRows, openRows)
	}
	golden.RequireEqual(t, []byte(openScreen))
}

// TestOpenNamesSkippedLines: a corrupt line is named in the status line and
// the other messages are all there.
func TestOpenNamesSkippedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.jsonl")
	if err := capture.WriteFile(path, traffic(5)); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"seq":6,"time":"2025-03-14T09:2`) // cut off mid-line
	f.Close()
	rd, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	tm := newTestModel(t, openModel(t, context.Background(), rd, ui.Options{}))
	waitFor(t, tm, "skipped line 6")
	screen := finalScreen(t, tm)
	if !strings.Contains(screen, "retained 5") {
		t.Errorf("want 5 messages retained:\n%s", screen)
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte(s)) },
		teatest.WithDuration(5*time.Second))
}

// tableRows is the screen above the status line (which starts with the
// state's badge): the table.
func tableRows(screen string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		for _, badge := range []string{"▣ ", "● ", "◌ "} {
			if strings.HasPrefix(l, badge) {
				return strings.Join(lines[:i], "\n")
			}
		}
	}
	return "no status line in:\n" + screen
}

// TestOpenWithStartingFilter: the filter applies from the first
// batch of the file, and Capture stays set.
func TestOpenWithStartingFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := capture.WriteFile(path, traffic(12)); err != nil {
		t.Fatal(err)
	}
	rd, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	tm := newTestModel(t, openModel(t, context.Background(), rd, ui.Options{Filter: "rk:order.eu.1"}))
	waitFor(t, tm, "▣ capture")
	screen := finalScreen(t, tm)
	// order.eu.1, .10, .11, .12 match; order.eu.2 does not.
	if !strings.Contains(screen, "/ rk:order.eu.1") || !strings.Contains(screen, "order.eu.12") || strings.Contains(screen, "order.eu.2 ") {
		t.Errorf("screen:\n%s", screen)
	}
}

// TestOpenStreamCapture: a capture of a stream tap opens like any other,
// and the detail pane shows each message's stream offset.
func TestOpenStreamCapture(t *testing.T) {
	msgs := traffic(12)
	for i := range msgs {
		msgs[i].Offset, msgs[i].HasOffset = int64(5000+i), true
		msgs[i].Source = "stream orders-history"
	}
	path := filepath.Join(t.TempDir(), "stream.jsonl")
	if err := capture.WriteFile(path, msgs); err != nil {
		t.Fatal(err)
	}
	rd, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	tm := newTestModel(t, openModel(t, context.Background(), rd, ui.Options{}))
	waitFor(t, tm, "order.eu.12")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "stream offset")
	screen := finalScreen(t, tm)
	if !strings.Contains(screen, "stream offset  5011") || !strings.Contains(screen, "retained 12") {
		t.Errorf("the last message's offset is not shown:\n%s", screen)
	}
}

// openModel is what shoveltap open shows: the capture through the
// pipeline, in the UI.
func openModel(t *testing.T, ctx context.Context, rd *capture.Reader, opts ui.Options) ui.Model {
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	_, batches := pipeline.Start(ctx, rd.Batches(ctx), pipeline.Config{})
	return Model(batches, opts)
}
