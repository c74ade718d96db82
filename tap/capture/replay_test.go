package capture

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func openTap(t *testing.T, ep broker.Endpoint, exchange string) *tap.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: exchange, Key: "#"}}, Host: "it-capture"})
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	t.Cleanup(func() {
		_ = s.Close(context.Background())
		taptest.WaitClean(t, ep, s.Names().Base, 10*time.Second)
	})
	return s
}

func collect(t *testing.T, s *tap.Session, n int) []tap.Message {
	t.Helper()
	var got []tap.Message
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case b := <-s.Batches():
			got = append(got, b.Messages...)
		case <-deadline:
			t.Fatalf("got %d of %d messages", len(got), n)
		}
	}
	return got
}

// TestRecordReplayTapAgain records a tap, replays the capture into a fresh
// exchange with the replay command and taps that: every body, property and
// header arrives as it was first seen.
func TestRecordReplayTapAgain(t *testing.T) {
	ep := taptest.Endpoint(t)
	x1 := taptest.Exchange(t, ep, "topic")
	s1 := openTap(t, ep, x1)
	ch := taptest.Channel(t, ep)
	ts := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	const n = 6
	for i := range n {
		body := []byte(fmt.Sprintf(`{"n":%d}`, i))
		if i%2 == 1 {
			body = []byte{0xff, 0xfe, byte(i), 0, '\n'} // not UTF-8
		}
		taptest.Publish(t, ch, x1, fmt.Sprintf("order.%d", i), amqp.Publishing{
			ContentType: "application/json", ContentEncoding: "utf-8", DeliveryMode: uint8(1 + i%2), Priority: 3,
			CorrelationId: fmt.Sprint("c", i), ReplyTo: "rq", MessageId: fmt.Sprint("m", i), Timestamp: ts,
			Type: "t", AppId: "app", Expiration: "60000", UserId: ep.User,
			Headers: amqp.Table{
				"i32": int32(i), "i64": int64(1) << 40, "f": 2.5, "whole": 3.0, "b": true, "s": "v", "empty": "",
				"bytes": []byte{0, 1, 2}, "when": ts, "nested": amqp.Table{"a": true, "base64": "looks typed"},
				"one": amqp.Table{"base64": "AAE="}, "list": []any{"x", int64(2), amqp.Table{"k": "v"}},
			},
			Body: body,
		})
	}
	first := collect(t, s1, n)
	if _, ok := first[0].Headers["i32"].(int32); !ok {
		t.Fatalf("the tap turned an int32 header into %T: the replay could not be exact", first[0].Headers["i32"])
	}
	path := filepath.Join(t.TempDir(), "capture.jsonl")
	rec, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteBatch(first); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	x2 := taptest.Exchange(t, ep, "topic")
	s2 := openTap(t, ep, x2)
	res, err := replayFile(t, path, ReplayConfig{Endpoint: ep, Exchange: x2})
	if err != nil {
		t.Fatalf("replay: %v (%s)", err, res)
	}
	if want := fmt.Sprintf("published %d, confirmed %d, nacked 0, returned unroutable 0", n, n); res.String() != want {
		t.Errorf("replay did %q, want %q", res, want)
	}
	second := collect(t, s2, n)
	for i := range n {
		a, b := first[i], second[i]
		if !bytes.Equal(a.Body, b.Body) || a.RoutingKey != b.RoutingKey {
			t.Errorf("message %d: body %q → %q, key %q → %q", i, a.Body, b.Body, a.RoutingKey, b.RoutingKey)
		}
		if !reflect.DeepEqual(a.Properties, b.Properties) {
			t.Errorf("message %d properties:\n first %+v\nreplay %+v", i, a.Properties, b.Properties)
		}
		if !reflect.DeepEqual(a.Headers, b.Headers) {
			t.Errorf("message %d headers:\n first %#v\nreplay %#v", i, a.Headers, b.Headers)
		}
	}
}

// replayFile replays the capture at path with cfg, opening the reader and
// giving the call 30 seconds.
func replayFile(t *testing.T, path string, cfg ReplayConfig) (ReplayResult, error) {
	t.Helper()
	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Reader = rd
	return Replay(ctx, cfg)
}

// TestReplayToMissingExchange fails before publishing, saying what to do,
// without the password.
func TestReplayToMissingExchange(t *testing.T) {
	ep := taptest.Endpoint(t)
	path, _ := writeCapture(t, []tap.Message{sample(1, 1)})
	started := false
	res, err := replayFile(t, path, ReplayConfig{Endpoint: ep, Exchange: taptest.Name("missing"), Started: func() { started = true }})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("replay to a missing exchange: %v", err)
	}
	if started || res.Published != 0 {
		t.Errorf("started %v, published %d: want nothing started", started, res.Published)
	}
	if ep.Password != "" && strings.Contains(err.Error(), ep.Password) {
		t.Error("the error shows the password")
	}
}

// TestReplayUnreachableBrokerHidesThePassword: the connection error names
// the broker and the user, never the password.
func TestReplayUnreachableBrokerHidesThePassword(t *testing.T) {
	ep, err := broker.ResolveEndpoint("amqp://someone:s3cret-pw@127.0.0.1:1/", "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	path, _ := writeCapture(t, []tap.Message{sample(1, 1)})
	_, err = replayFile(t, path, ReplayConfig{Endpoint: ep, Exchange: "x"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("replay to a closed port: %v", err)
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
}
