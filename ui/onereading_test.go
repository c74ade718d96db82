package ui

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/ui/web"
)

// TestOneReadingPerMessage: with the terminal UI, the web monitor with
// three pages open and --json --filter all fed by one pipeline, each
// message is read once: the pipeline's counter says one reading per
// message, the monitor read none itself, and the UI's entries and the
// JSON writer use the pipeline's readings (the same pointers).
func TestOneReadingPerMessage(t *testing.T) {
	const n = 300
	msgs := messages(1, n)
	srv, err := web.Start(web.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pages := make([]chan bool, 3)
	for i := range pages {
		pages[i] = openPage(t, ctx, "http://"+srv.Addr()+"/events", `"seq":300,`)
	}
	for srv.Stats().Viewers < len(pages) {
		time.Sleep(5 * time.Millisecond)
	}

	in := make(chan tap.Batch)
	pipe, out := pipeline.Start(ctx, in, pipeline.Config{Monitor: srv, Workers: 2})
	go func() {
		defer close(in)
		for i := 0; i < n; i += 50 {
			in <- tap.Batch{Messages: msgs[i : i+50], Status: running(uint64(i + 50))}
		}
	}()
	toJSON := make(chan tap.Batch, n)
	var jsonOut bytes.Buffer
	jsonDone := make(chan error, 1)
	query := "rk:order.#"
	go func() {
		jsonDone <- jsonl.Printer{Filter: filter.Parse(query)}.Print(ctx, toJSON, &jsonOut)
	}()
	read := map[uint64]*reading.Reading{}
	m := newModel(t, 120, 40, testOptions)
	for b := range out {
		for _, msg := range b.Messages {
			if msg.Reading == nil {
				t.Fatalf("message %d left the pipeline unread", msg.Seq)
			}
			read[msg.Seq] = msg.Reading
		}
		// What the UI's waitBatch does with a batch, then its Update.
		m = update(t, m, batchMsg{Messages: b.Messages, Status: b.Status, entries: newEntries(b.Messages)})
		toJSON <- b
	}
	close(toJSON)
	if err := <-jsonDone; err != nil {
		t.Fatal(err)
	}
	for i, page := range pages {
		select {
		case <-page:
		case <-ctx.Done():
			t.Fatalf("page %d did not get every row", i)
		}
	}
	m = press(t, m, "enter") // the detail pane decodes its one body
	_ = m.View()

	if got := pipe.Readings(); got != n {
		t.Errorf("the pipeline built %d readings for %d messages", got, n)
	}
	if got := srv.Stats().ReadHere; got != 0 {
		t.Errorf("the web monitor read %d messages itself", got)
	}
	for i := range m.retained.ring.len() {
		e := m.retained.ring.at(i)
		if e.r != read[e.msg.Seq] {
			t.Fatalf("the UI's entry %d has another reading than the pipeline's", e.msg.Seq)
		}
	}
	want := 0
	mt := filter.Parse(query)
	for _, r := range read {
		if mt.Match(&r.Subject) {
			want++
		}
	}
	if got := strings.Count(jsonOut.String(), "\n"); got != want || want == 0 || want == n {
		t.Errorf("--json --filter %s wrote %d lines, want %d of %d", query, got, want, n)
	}
}

// openPage opens the page's event stream and closes the channel it
// returns once the stream held want.
func openPage(t *testing.T, ctx context.Context, url, want string) chan bool {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	done := make(chan bool)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				close(done)
				return
			}
		}
	}()
	return done
}
