package tap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// checkRun fails unless msgs are the bodies want, in order, at consecutive
// offsets starting at first, each once.
func checkRun(t *testing.T, msgs []tap.Message, want []string, first int64) {
	t.Helper()
	if len(msgs) != len(want) {
		t.Fatalf("%d messages, want %d", len(msgs), len(want))
	}
	for i, m := range msgs {
		if string(m.Body) != want[i] || !m.HasOffset || m.Offset != first+int64(i) {
			t.Fatalf("message %d: %s at offset %d (has %v), want %q at %d", i, taptest.Describe(m), m.Offset, m.HasOffset, want[i], first+int64(i))
		}
	}
}

// History, then live, through one consumer: in order, each message once,
// and the status says where live begins.
func TestStreamHistoryThenLive(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, nil)
	history := taptest.Bodies("old", 0, 300)
	taptest.PublishConfirmed(t, ep, "", stream, history)

	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-stream"})
	got := collect(t, s, len(history), 20*time.Second)
	checkRun(t, got, history, 0)
	waitLastNoted(t, s, 299)
	for _, m := range got {
		if _, ok := m.Headers["x-stream-offset"]; ok {
			t.Fatalf("the broker's offset header was left in the message: %v", m.Headers)
		}
		if m.Source != "stream "+stream || m.RoutingKey != stream {
			t.Fatalf("source %q, routing key %q", m.Source, m.RoutingKey)
		}
	}
	st := s.Status()
	if st.Stream.Name != stream || st.Stream.LiveKnown || st.Stream.Last != 299 {
		t.Errorf("stream status before any live message: %+v", st.Stream)
	}
	// Nothing was created on the broker for this tap.
	if left := taptest.Leftovers(t, ep, s.Names().Base); len(left) > 0 {
		t.Errorf("a stream tap created %v", left)
	}

	live := taptest.Bodies("new", 0, 200)
	taptest.PublishConfirmed(t, ep, "", stream, live)
	checkRun(t, collect(t, s, len(live), 20*time.Second), live, 300)
	waitLastNoted(t, s, 499)
	taptest.Eventually(t, 5*time.Second, "live to be known", func() bool { return s.Status().Stream.LiveKnown })
	st = s.Status()
	if st.Stream.LiveFrom != 300 || st.Stream.Last != 499 || st.Dropped != 0 || st.DroppedUnknown {
		t.Errorf("stream status after live messages: %+v, dropped %d (unknown %v)", st.Stream, st.Dropped, st.DroppedUnknown)
	}
	if more := drain(s, 500*time.Millisecond); countMessages(more) != 0 {
		t.Errorf("%d messages more than published", countMessages(more))
	}
}

// waitLastNoted waits for the status to name off as the last offset handed
// over: the pump notes it just after the reader took the batch, so the
// status may trail the messages by a moment.
func waitLastNoted(t *testing.T, s *tap.Session, off int64) {
	t.Helper()
	taptest.Eventually(t, 5*time.Second, fmt.Sprintf("the last offset handed over to be %d", off), func() bool { return s.Status().Stream.Last == off })
}

func countMessages(bs []tap.Batch) int {
	n := 0
	for _, b := range bs {
		n += len(b.Messages)
	}
	return n
}

// --from a time starts at the first chunk written at or after it.
func TestStreamFromTime(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, nil)
	taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("before", 0, 100))
	// Chunk timestamps have whole seconds: leave clear seconds on both
	// sides of the start.
	time.Sleep(2200 * time.Millisecond)
	from, err := tap.ParseFrom("-1s", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	after := taptest.Bodies("after", 0, 100)
	taptest.PublishConfirmed(t, ep, "", stream, after)

	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: from, Host: "it-stream-time"})
	checkRun(t, collect(t, s, len(after), 20*time.Second), after, 100)
	if more := drain(s, 500*time.Millisecond); countMessages(more) != 0 {
		t.Errorf("%d messages more than published after the start", countMessages(more))
	}
	if !strings.HasPrefix(s.Status().Sources[0], "stream "+stream+", from -1s (since ") {
		t.Errorf("sources %q", s.Status().Sources)
	}
}

// --from offset:N and last.
func TestStreamFromOffsetAndLast(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, nil)
	all := taptest.Bodies("m", 0, 50)
	taptest.PublishConfirmed(t, ep, "", stream, all)

	s := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromOffset, Offset: 42, Text: "offset:42"}, Host: "it-stream-offset"})
	checkRun(t, collect(t, s, 8, 10*time.Second), all[42:], 42)

	last := openTap(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromLast, Text: "last"}, Host: "it-stream-last"})
	got := collect(t, last, 1, 10*time.Second)
	got = append(got, messagesOf(drain(last, 500*time.Millisecond))...)
	// The last chunk: some of the newest messages, ending with the last.
	if n := len(got); n == 0 || string(got[n-1].Body) != "m/49" || got[n-1].Offset != 49 {
		t.Fatalf("--from last read %d messages ending %v", len(got), got[len(got)-1])
	}
}

func messagesOf(bs []tap.Batch) []tap.Message {
	var out []tap.Message
	for _, b := range bs {
		out = append(out, b.Messages...)
	}
	return out
}

// The connection drops in the middle of the history: reading resumes just
// after the last message handed over, so nothing comes twice or goes
// missing.
func TestStreamResumesAfterTheConnectionDrops(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, nil)
	all := taptest.Bodies("m", 0, 3000)
	taptest.PublishConfirmed(t, ep, "", stream, all)
	proxy, via := taptest.ProxyTo(t, ep)
	s := openTap(t, tap.Config{Endpoint: via, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Reconnect: true, Prefetch: 50, Host: "it-stream-drop", NoDiscovery: true})
	got := collect(t, s, 500, 10*time.Second)
	proxy.Cut()
	got = append(got, collect(t, s, len(all)-len(got), 30*time.Second)...)
	checkRun(t, got, all, 0)
	st := s.Status()
	if st.Reconnects == 0 {
		t.Error("the tap did not reconnect")
	}
	if st.Dropped != 0 {
		t.Errorf("dropped %d", st.Dropped)
	}
	// Live messages after the reconnect are live.
	live := taptest.Bodies("live", 0, 10)
	taptest.PublishConfirmed(t, ep, "", stream, live)
	checkRun(t, collect(t, s, len(live), 10*time.Second), live, 3000)
	taptest.Eventually(t, 5*time.Second, "live to be known", func() bool { return s.Status().Stream.LiveKnown })
	if lf := s.Status().Stream.LiveFrom; lf != 3000 {
		t.Errorf("live from %d, want 3000", lf)
	}
}

// While the tap is away the stream's retention removes what it had not
// read yet: on its return it says so and counts them, and carries on
// from what is left, in order.
func TestStreamCountsWhatRetentionRemovedWhileAway(t *testing.T) {
	testtier.Slow(t, "stream retention")
	ep := taptest.Endpoint(t)
	// Retention is evaluated as segments roll: small ones, so that old
	// messages go quickly.
	stream := taptest.Stream(t, ep, amqp.Table{"x-max-length-bytes": int64(300_000), "x-stream-max-segment-size-bytes": int64(100_000)})
	taptest.PublishConfirmed(t, ep, "", stream, taptest.Bodies("a", 0, 20))
	proxy, via := taptest.ProxyTo(t, ep)
	s := openTap(t, tap.Config{Endpoint: via, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Reconnect: true, Host: "it-stream-retention", NoDiscovery: true})
	checkRun(t, collect(t, s, 20, 10*time.Second), taptest.Bodies("a", 0, 20), 0)

	proxy.Hold()
	proxy.Cut()
	pad := strings.Repeat("x", 1000)
	var more []string
	for _, b := range taptest.Bodies("b", 0, 2000) {
		more = append(more, b+" "+pad)
	}
	taptest.PublishConfirmed(t, ep, "", stream, more)
	// Retention removes segments as they roll, a moment after the
	// publish: wait until the stream's start has moved past what the tap
	// read and stays put, so that the tap returns to a stream retention
	// is done with. (A 3.10 reader positioned in a segment that retention
	// deletes under it can stall: seen about once in 25 runs when the tap
	// came back while retention was still at work.)
	var left []taptest.StreamEntry
	for deadline := time.Now().Add(15 * time.Second); ; {
		left = taptest.ReadStream(t, ep, stream, "first", time.Second)
		time.Sleep(500 * time.Millisecond)
		again := taptest.ReadStream(t, ep, stream, "first", time.Second)
		if len(left) > 0 && left[0].Offset > 20 && len(again) > 0 && again[0].Offset == left[0].Offset {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retention kept everything: the test needs the oldest gone")
		}
		if len(again) > 0 && again[0].Offset <= 20 {
			// Retention runs when a segment rolls: write some more.
			taptest.PublishConfirmed(t, ep, "", stream, more[:200])
		}
	}
	proxy.Release()
	got := collect(t, s, len(left), 30*time.Second)
	for i, m := range got {
		if string(m.Body) != left[i].Body || m.Offset != left[i].Offset {
			t.Fatalf("message %d after the return: %s at %d, want %.10q at %d", i, m.Body[:10], m.Offset, left[i].Body, left[i].Offset)
		}
	}
	st := s.Status()
	// Offsets 20 up to the first left were removed (a few of them the
	// stream's own bookkeeping, which a reader cannot tell apart).
	if removed := uint64(left[0].Offset - 20); st.Dropped != removed {
		t.Errorf("dropped %d, want about %d (offsets 20–%d removed by retention)", st.Dropped, removed, left[0].Offset-1)
	}
	if !strings.Contains(st.Detail, "resuming after offset 19") || !strings.Contains(st.Detail, "retention removed offsets 20–") {
		t.Errorf("detail %q", st.Detail)
	}
	if more := drain(s, 500*time.Millisecond); countMessages(more) != 0 {
		t.Errorf("%d messages more than the stream holds", countMessages(more))
	}
}

// --from on anything but a stream says there is no history and how to
// keep one; a stream cannot share a tap. Nothing is left behind.
func TestFromWithoutAStreamIsRefused(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	classic := taptest.Queue(t, ep, x, "#")
	quorum := taptest.Name("quorum")
	ch := taptest.Channel(t, ep)
	if _, err := ch.QueueDeclare(quorum, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, quorum) })
	stream, stream2 := taptest.Stream(t, ep, nil), taptest.Stream(t, ep, nil)
	from := tap.From{Kind: tap.FromTime, At: time.Now().Add(-10 * time.Minute), Text: "-10m"}
	for _, c := range []struct {
		name    string
		sources []tap.Source
		from    tap.From
		want    []string
	}{
		{"exchange", []tap.Source{{Exchange: x, Key: "#"}}, from, []string{"--from -10m", "exchange \"" + x + "\" keeps no history", "setup apply", "--exchange " + x + " --history 24h", "--queue " + tap.HistoryStream(x)}},
		{"classic", []tap.Source{{Queue: classic}}, from, []string{"queue \"" + classic + "\" is a classic queue, which has no history", "--history"}},
		{"quorum", []tap.Source{{Queue: quorum}}, tap.From{Kind: tap.FromFirst, Text: "first"}, []string{"--from first", "is a quorum queue, which has no history"}},
		{"two streams", []tap.Source{{Queue: stream}, {Queue: stream2}}, tap.From{Kind: tap.FromFirst, Text: "first"}, []string{"only when it is tapped alone", "tapped together with other sources"}},
		{"stream and exchange", []tap.Source{{Queue: stream}, {Exchange: x, Key: "#"}}, tap.From{Kind: tap.FromLast, Text: "last"}, []string{"--from last: stream \"" + stream + "\" is read from its history only when it is tapped alone"}},
		{"stream with the firehose", []tap.Source{{Queue: stream}}, tap.From{Kind: tap.FromFirst, Text: "first"}, []string{"tapped with --firehose"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := tap.Config{Endpoint: ep, Sources: c.sources, From: c.from, Host: "it-nohistory", Firehose: strings.Contains(c.name, "firehose")}
			s, err := tap.Open(context.Background(), cfg)
			if err == nil {
				_ = s.Close(context.Background())
				t.Fatal("opened")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			if left := taptest.Leftovers(t, ep, broker.Prefix+"it-nohistory"); len(left) > 0 {
				t.Errorf("left %v", left)
			}
		})
	}
}

// appConsumer is another application's consumer of a stream: it reads from
// the first message on and records what it got.
type appConsumer struct {
	mu   sync.Mutex
	got  []taptest.StreamEntry
	done chan struct{}
}

func startAppConsumer(t *testing.T, ep broker.Endpoint, stream string) *appConsumer {
	t.Helper()
	ch := taptest.Channel(t, ep)
	if err := ch.Qos(20, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(stream, "billing-app", false, false, false, false, amqp.Table{"x-stream-offset": "first"})
	if err != nil {
		t.Fatal(err)
	}
	a := &appConsumer{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for d := range ds {
			off, _ := d.Headers["x-stream-offset"].(int64)
			a.mu.Lock()
			a.got = append(a.got, taptest.StreamEntry{Offset: off, Body: string(d.Body)})
			a.mu.Unlock()
			_ = d.Ack(false)
		}
	}()
	return a
}

func (a *appConsumer) read() []taptest.StreamEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]taptest.StreamEntry(nil), a.got...)
}

// A stream that another application publishes to and consumes from is
// left exactly as found by a tap that reads it from the start: the same
// definition, every message still in it, the application's consumer still
// attached and given every message once, in order, before, during and
// after the tap; and the tap's own consumers gone.
func TestStreamLeftAsFound(t *testing.T) {
	ep := taptest.Endpoint(t)
	stream := taptest.Stream(t, ep, amqp.Table{"x-max-age": "7D"})
	a, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	definition := func() string {
		q, err := a.Queue(context.Background(), ep.Vhost, stream)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("type %s durable %v arguments %v", q.Type, q.Durable, q.Arguments)
	}
	before := definition()
	app := startAppConsumer(t, ep, stream)
	published := taptest.Bodies("app", 0, 200)
	taptest.PublishConfirmed(t, ep, "", stream, published)
	taptest.Eventually(t, 10*time.Second, "the application to read the first messages", func() bool { return len(app.read()) == 200 })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Host: "it-stream-found"})
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, collect(t, s, 200, 20*time.Second), published, 0)
	during := taptest.Bodies("app", 200, 300) // the application keeps publishing
	taptest.PublishConfirmed(t, ep, "", stream, during)
	checkRun(t, collect(t, s, 100, 20*time.Second), during, 200)
	statsOn := !taptest.StatsOff(t, ep)
	if statsOn { // the check below can see the tap's consumers
		taptest.Eventually(t, 15*time.Second, "the tap's consumer listed on the stream", func() bool {
			tags, err := streamConsumers(ep, stream)
			return err == nil && slices.Contains(tags, s.Names().Base)
		})
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := taptest.Bodies("app", 300, 310)
	taptest.PublishConfirmed(t, ep, "", stream, after)
	published = append(append(published, during...), after...)

	taptest.Eventually(t, 10*time.Second, "the application to read every message", func() bool { return len(app.read()) >= len(published) })
	time.Sleep(300 * time.Millisecond) // nothing more may come
	got := app.read()
	if len(got) != len(published) {
		t.Fatalf("the application read %d messages, %d were published", len(got), len(published))
	}
	for i, e := range got {
		if e.Body != published[i] || e.Offset != int64(i) {
			t.Fatalf("the application's message %d is %q at %d, want %q at %d", i, e.Body, e.Offset, published[i], i)
		}
	}
	if after := definition(); after != before {
		t.Errorf("the stream's definition changed:\nbefore %s\nafter  %s", before, after)
	}
	held := taptest.ReadStream(t, ep, stream, "first", time.Second)
	if len(held) != len(published) {
		t.Errorf("the stream holds %d messages, %d were published", len(held), len(published))
	}
	// With statistics, the broker lists the stream's consumers: only the
	// application's is left.
	if statsOn {
		taptest.Eventually(t, 15*time.Second, "only the application's consumer on the stream", func() bool {
			tags, err := streamConsumers(ep, stream)
			return err == nil && strings.Join(tags, ",") == "billing-app"
		})
	}
}

// streamConsumers lists the tags of the consumers the management API
// shows on a queue (statistics are sampled: poll). RabbitMQ 3.10 keeps
// listing a closed stream consumer for a while, without its channel, and
// its consumer count of a stream wanders: only consumers on a channel
// count. rabbit-hole cannot read a stream consumer's details, hence the
// plain request.
func streamConsumers(ep broker.Endpoint, queue string) ([]string, error) {
	u := ep.API + "/api/queues/" + url.PathEscape(ep.Vhost) + "/" + url.PathEscape(queue) + "?columns=consumer_details"
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(ep.User, ep.Password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var q struct {
		Consumers []struct {
			Tag     string          `json:"consumer_tag"`
			Channel json.RawMessage `json:"channel_details"`
		} `json:"consumer_details"`
	}
	if err := json.NewDecoder(res.Body).Decode(&q); err != nil {
		return nil, err
	}
	var tags []string
	for _, c := range q.Consumers {
		if strings.HasPrefix(strings.TrimSpace(string(c.Channel)), "{") {
			tags = append(tags, c.Tag)
		}
	}
	sort.Strings(tags)
	return tags, nil
}
