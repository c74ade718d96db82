package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

// sseEvent is one Server-Sent Event as a browser would dispatch it.
type sseEvent struct {
	name, id, data string
}

// sseClient reads one event stream.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	lastID string
}

func openEvents(t *testing.T, s *Server, query url.Values, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Addr()+"/events?"+query.Encode(), nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("/events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{t: t, resp: resp, events: make(chan sseEvent, 1024)}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go c.read()
	return c
}

func (c *sseClient) read() {
	defer close(c.events)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			// An event with only an id moves the resume point; it is
			// delivered here (unnamed) so that tests can wait for it.
			if ev.data != "" || ev.id != "" {
				c.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			ev.id = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[len("data: "):]
		}
	}
}

// next returns the next event named name, skipping others.
func (c *sseClient) next(name string) sseEvent {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("stream ended waiting for %q", name)
			}
			if ev.id != "" {
				c.lastID = ev.id
			}
			if ev.name == name {
				return ev
			}
		case <-timeout:
			c.t.Fatalf("no %q event within 10s", name)
		}
	}
}

type rowOrMarker struct {
	ID      uint64 `json:"id"`
	Seq     uint64 `json:"seq"`
	Key     string `json:"rk"`
	Sum     string `json:"sum"`
	Format  string `json:"fmt"`
	Skipped uint64 `json:"skipped"`
	Reason  string `json:"reason"`
}

// rows collects rows events until n rows and markers arrived.
func (c *sseClient) rows(n int) []rowOrMarker {
	c.t.Helper()
	var out []rowOrMarker
	for len(out) < n {
		var batch []rowOrMarker
		ev := c.next("rows")
		if err := json.Unmarshal([]byte(ev.data), &batch); err != nil {
			c.t.Fatalf("rows %q: %v", ev.data, err)
		}
		out = append(out, batch...)
	}
	return out
}

func (c *sseClient) hello() (run string, resumed bool) {
	c.t.Helper()
	var h struct {
		Run     string `json:"run"`
		Resumed bool   `json:"resumed"`
	}
	if err := json.Unmarshal([]byte(c.next("hello").data), &h); err != nil {
		c.t.Fatal(err)
	}
	return h.Run, h.Resumed
}

func startTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestAPageGetsTheHistoryThenNewMessagesLive(t *testing.T) {
	s := startTestServer(t, Config{History: 20})
	s.Publish(tap.Batch{Messages: testMessages(1, 30), Status: running(30)})
	waitPublished(t, s, 30)

	c := openEvents(t, s, nil, "")
	if _, resumed := c.hello(); resumed {
		t.Error("a new page was told it resumed")
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(c.next("status").data), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "running" || st.Seen != 30 || st.Broker != "localhost:5672" || st.Viewers != 1 {
		t.Errorf("status %+v", st)
	}
	hist := c.rows(20)
	if len(hist) != 20 || hist[0].Seq != 11 || hist[19].Seq != 30 {
		t.Fatalf("history: %d rows, %d..%d; want the last 20, 11..30", len(hist), hist[0].Seq, hist[len(hist)-1].Seq)
	}
	s.Publish(tap.Batch{Messages: testMessages(31, 5), Status: running(35)})
	live := c.rows(5)
	if live[0].Seq != 31 || live[4].Seq != 35 || live[0].ID != 31 {
		t.Errorf("live rows %+v", live)
	}
}

func TestTheFilterIsTheTerminalUIsFilter(t *testing.T) {
	s := startTestServer(t, Config{})
	s.Publish(tap.Batch{Messages: testMessages(1, 30), Status: running(30)})
	waitPublished(t, s, 30)
	for q, want := range map[string]int{
		"rk:order.paid":         10,
		"rk:order.*":            20,
		"-rk:order.#":           10,
		"format:text":           10,
		`"signed in"`:           10,
		"order_id rk:*.paid":    10,
		"exchange:orders":       30,
		"task:":                 0,
		"rk:order.created 12":   1, // seq 12 only: free text matches its body
		"-format:json -format:": 0,
	} {
		c := openEvents(t, s, url.Values{"q": {q}}, "")
		run, _ := c.hello()
		if got := c.rowsUntil(run + "-30"); len(got) != want {
			t.Errorf("filter %q: %d rows, want %d", q, len(got), want)
		}
	}
}

// rowsUntil collects rows until the stream has looked at the item id
// names (a rows event or a bare id carrying it).
func (c *sseClient) rowsUntil(id string) []rowOrMarker {
	c.t.Helper()
	var out []rowOrMarker
	for c.lastID != id {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("stream ended before id %s", id)
			}
			if ev.id != "" {
				c.lastID = ev.id
			}
			if ev.name == "rows" {
				out = append(out, c.rowsFrom(ev)...)
			}
		case <-time.After(10 * time.Second):
			c.t.Fatalf("no id %s within 10s (last %s)", id, c.lastID)
		}
	}
	return out
}

func TestAPageThatReconnectsResumesAndIsToldWhatItMissed(t *testing.T) {
	s := startTestServer(t, Config{Retain: 10})
	s.Publish(tap.Batch{Messages: testMessages(1, 5)})
	waitPublished(t, s, 5)
	c := openEvents(t, s, nil, "")
	run, _ := c.hello()
	c.rows(5)
	last := c.lastID
	if last != run+"-5" {
		t.Fatalf("last event id %q, want %q", last, run+"-5")
	}

	// Within the ring: the stream resumes after the last event.
	s.Publish(tap.Batch{Messages: testMessages(6, 3)})
	waitPublished(t, s, 8)
	r := openEvents(t, s, nil, last)
	if _, resumed := r.hello(); !resumed {
		t.Error("a reconnect with a current id was not resumed")
	}
	if got := r.rows(3); got[0].Seq != 6 || got[2].Seq != 8 {
		t.Errorf("resumed rows %+v, want 6..8", got)
	}

	// Past the ring: a marker says how many were pushed out, counted.
	s.Publish(tap.Batch{Messages: testMessages(9, 30)})
	waitPublished(t, s, 38)
	r = openEvents(t, s, nil, last)
	r.hello()
	got := r.rows(11)
	if got[0].Skipped != 23 || got[0].Reason != reasonPage || got[1].Seq != 29 {
		t.Errorf("after 30 more: first %+v, then %+v; want a marker of 23, then seq 29", got[0], got[1])
	}
	if sk := s.Stats().Skipped; sk != 23 {
		t.Errorf("skipped counted %d, want 23", sk)
	}

	// Another shoveltap (a restart): the page starts afresh.
	r = openEvents(t, s, nil, "0123456789ab-7")
	if _, resumed := r.hello(); resumed {
		t.Error("an id of another run was resumed")
	}
}

func TestMessageDetailIsTheTerminalUIsReading(t *testing.T) {
	s := startTestServer(t, Config{})
	m := testMessages(1, 1)[0]
	m.Headers = map[string]any{"x-retry": int64(2), "trace": map[string]any{"id": "abc"}}
	m.Properties.MessageID = "m-1"
	s.Publish(tap.Batch{Messages: []tap.Message{m}})
	waitPublished(t, s, 1)

	resp, err := http.Get("http://" + s.Addr() + "/api/message?id=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d detailJSON
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Seq != 1 || d.RoutingKey != "order.paid" || d.Format != "json" || d.Body.Kind != "json" {
		t.Errorf("detail %+v", d)
	}
	if !strings.Contains(d.Body.Text, "\n  \"order_id\": 1") {
		t.Errorf("body not pretty JSON: %q", d.Body.Text)
	}
	var props, headers []string
	for _, p := range d.Properties {
		props = append(props, p.Name+"="+p.Value)
	}
	for _, h := range d.Headers {
		headers = append(headers, strings.Repeat(" ", h.Depth)+h.Key+"="+h.Value)
	}
	if strings.Join(props, ",") != "content_type=application/json,message_id=m-1" {
		t.Errorf("properties %v", props)
	}
	if strings.Join(headers, ",") != "trace=, id=abc,x-retry=2" {
		t.Errorf("headers %v", headers)
	}

	for target, want := range map[string]int{"/api/message?id=99": 404, "/api/message?id=x": 400, "/api/message": 400} {
		resp, err := http.Get("http://" + s.Addr() + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", target, resp.StatusCode, want)
		}
	}
}

func TestHostileTextIsSentSanitisedAndEscaped(t *testing.T) {
	s := startTestServer(t, Config{})
	m := testMessages(1, 1)[0]
	m.RoutingKey = "<img src=x onerror=alert(1)>\x1b[2J"
	m.Body = []byte("<script>alert(1)</script>\x1b]0;owned\x07")
	m.Properties.ContentType = "text/plain"
	s.Publish(tap.Batch{Messages: []tap.Message{m}})
	waitPublished(t, s, 1)
	c := openEvents(t, s, nil, "")
	c.hello()
	ev := c.next("rows")
	if strings.ContainsAny(ev.data, "<>\x1b\x07") {
		t.Errorf("rows event carries raw markup or control bytes: %q", ev.data)
	}
	r := c.rowsFrom(ev)
	if r[0].Key != `<img src=x onerror=alert(1)>\x1b[2J` {
		t.Errorf("routing key reached the page as %q", r[0].Key)
	}
}

func (c *sseClient) rowsFrom(ev sseEvent) []rowOrMarker {
	var out []rowOrMarker
	if err := json.Unmarshal([]byte(ev.data), &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

func TestCloseEndsOpenStreams(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c := openEvents(t, s, nil, "")
	c.hello()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close with a page open: %v", err)
	}
	for range c.events {
	}
	if s.Stats().Viewers != 0 {
		t.Errorf("%d viewers after Close", s.Stats().Viewers)
	}
	s.Publish(tap.Batch{Messages: testMessages(1, 1)}) // after Close: ignored, no panic
}

// The pipeline's monitor stage passes every batch on and feeds the
// monitor.
func TestPipelinePassesEveryBatchOnAndFeedsTheMonitor(t *testing.T) {
	s := newTestServer(t, Config{})
	in := make(chan tap.Batch)
	_, out := pipeline.Start(t.Context(), in, pipeline.Config{Monitor: s})
	go func() {
		for i := range 10 {
			in <- tap.Batch{Messages: testMessages(i*3+1, 3), Status: running(i*3 + 3)}
		}
		close(in)
	}()
	next := uint64(1)
	for b := range out {
		for _, m := range b.Messages {
			if m.Seq != next {
				t.Fatalf("got seq %d, want %d", m.Seq, next)
			}
			next++
		}
	}
	if next != 31 {
		t.Fatalf("passed on %d messages, want 30", next-1)
	}
	waitPublished(t, s, 30)
}
