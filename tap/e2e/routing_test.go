package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// amqpCarrier lets OpenTelemetry's propagator write into AMQP headers,
// as tap/tracectx's traced-publisher test does.
type amqpCarrier amqp.Table

func (c amqpCarrier) Get(key string) string { s, _ := c[key].(string); return s }
func (c amqpCarrier) Set(key, value string) { c[key] = value }
func (c amqpCarrier) Keys() []string {
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// TestTapRoutesEveryMessageEndToEnd: shoveltap --json taps a topic
// exchange whose bindings miss some keys, and the dead-letter exchange of
// one of its queues. Each line's routed_to / unroutable says what the
// broker did (checked by the queues' contents); a message rejected from
// its queue comes back through the dead-letter exchange with its x-death
// decoded (dead_letter); and an OpenTelemetry-traced publish carries the
// SDK's trace and span IDs (trace_id, span_id). Nothing is left after.
func TestTapRoutesEveryMessageEndToEnd(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	dlx := taptest.Exchange(t, ep, "fanout")
	paid := taptest.Queue(t, ep, x, "order.paid")
	dead := taptest.Queue(t, ep, dlx, "")
	ch := taptest.Channel(t, ep)
	rejects := taptest.Name("q")
	if _, err := ch.QueueDeclare(rejects, true, false, false, false, amqp.Table{"x-dead-letter-exchange": dlx}); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, rejects) })
	if err := ch.QueueBind(rejects, "order.*.rejected", x, false, nil); err != nil {
		t.Fatal(err)
	}

	jt := startJSONTap(t, ep, "--exchange", x, "--exchange", dlx)
	defer jt.kill()
	lines, fail := jt.lines, jt.fail

	// A traced publisher, as OpenTelemetry's AMQP instrumentations do it.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	_, span := tp.Tracer("shoveltap-test").Start(context.Background(), "publish order.paid", trace.WithSpanKind(trace.SpanKindProducer))
	headers := amqp.Table{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpan(context.Background(), span), amqpCarrier(headers))
	span.End()
	taptest.Publish(t, ch, x, "order.paid", amqp.Publishing{Headers: headers, Body: []byte("paid")})
	taptest.Publish(t, ch, x, "order.paid.late", amqp.Publishing{Body: []byte("missed: * is not #")})
	taptest.Publish(t, ch, x, "order.eu.rejected", amqp.Publishing{Body: []byte("to reject")})

	// Reject the message from its queue: the broker dead-letters it to dlx.
	var got amqp.Delivery
	taptest.Eventually(t, 10*time.Second, "the message to reject", func() bool {
		d, ok, err := ch.Get(rejects, false)
		if err != nil {
			t.Fatal(err)
		}
		got = d
		return ok
	})
	if err := got.Reject(false); err != nil {
		t.Fatal(err)
	}

	byKey := map[string]jsonl.Record{}
	var deadLetter *jsonl.Record
	for len(byKey) < 3 || deadLetter == nil {
		select {
		case r := <-lines:
			if r.Exchange == dlx {
				deadLetter = &r
			} else {
				byKey[r.RoutingKey] = r
			}
		case <-jt.exited:
			fail("shoveltap ended before every line")
		case <-time.After(30 * time.Second):
			fail("not every line came")
		}
	}

	// What the broker did: paid got order.paid, dead got the dead letter,
	// and nothing else is anywhere.
	taptest.Eventually(t, 10*time.Second, "the queues to settle", func() bool {
		return taptest.QueueDepth(t, ch, paid) == 1 && taptest.QueueDepth(t, ch, dead) == 1 && taptest.QueueDepth(t, ch, rejects) == 0
	})

	p := byKey["order.paid"]
	if len(p.RoutedTo) != 1 || p.RoutedTo[0].Queue != paid || p.Unroutable {
		t.Errorf("order.paid: routed_to %+v unroutable %v, want [%s]", p.RoutedTo, p.Unroutable, paid)
	}
	if p.TraceID != span.SpanContext().TraceID().String() || p.SpanID != span.SpanContext().SpanID().String() {
		t.Errorf("order.paid: trace %q span %q, want %s %s", p.TraceID, p.SpanID, span.SpanContext().TraceID(), span.SpanContext().SpanID())
	}
	if late := byKey["order.paid.late"]; !late.Unroutable || len(late.RoutedTo) != 0 || late.TraceID != "" {
		t.Errorf("order.paid.late: routed_to %+v unroutable %v, want unroutable", late.RoutedTo, late.Unroutable)
	}
	r := byKey["order.eu.rejected"]
	if len(r.RoutedTo) != 1 || r.RoutedTo[0].Queue != rejects {
		t.Fatalf("order.eu.rejected: routed_to %+v, want [%s]", r.RoutedTo, rejects)
	}
	if d := r.RoutedTo[0].DeadLetters; d == nil || d.Exchange != dlx || len(d.RoutedTo) != 1 || d.RoutedTo[0] != dead {
		t.Errorf("order.eu.rejected: dead letters %+v, want to %s → %s", d, dlx, dead)
	}
	dl := deadLetter.DeadLetter
	if dl == nil || len(dl.Deaths) != 1 || dl.Deaths[0].Reason != "rejected" || dl.Deaths[0].Queue != rejects ||
		dl.Deaths[0].Exchange != x || dl.Deaths[0].Count != 1 {
		t.Errorf("the dead letter: %+v", dl)
	}
	if len(deadLetter.RoutedTo) != 1 || deadLetter.RoutedTo[0].Queue != dead {
		t.Errorf("the dead letter: routed_to %+v, want [%s]", deadLetter.RoutedTo, dead)
	}

	jt.stop()
}

// jsonTap is shoveltap --json running on the test broker.
type jsonTap struct {
	t      *testing.T
	ep     broker.Endpoint
	cmd    *exec.Cmd
	base   string
	lines  chan jsonl.Record
	exited chan struct{}
	mu     sync.Mutex
	said   strings.Builder
}

// startJSONTap runs shoveltap --json with args and waits for its tap.
func startJSONTap(t *testing.T, ep broker.Endpoint, args ...string) *jsonTap {
	t.Helper()
	args = append([]string{"--url", ep.AMQP.String(), "--api", ep.API, "--json", "--duration", "120s"}, args...)
	jt := &jsonTap{t: t, ep: ep, cmd: exec.Command(binary, args...), lines: make(chan jsonl.Record, 16), exited: make(chan struct{})}
	jt.cmd.Env = append(os.Environ(), "SHOVELTAP_ENV_FILE=/nonexistent")
	stderr, err := jt.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := jt.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := jt.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	baseCh := make(chan string, 1)
	baseRe := regexp.MustCompile(`tapping \(tap (\S+)\)`)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			jt.mu.Lock()
			jt.said.WriteString(sc.Text() + "\n")
			jt.mu.Unlock()
			if m := baseRe.FindStringSubmatch(sc.Text()); m != nil {
				baseCh <- m[1]
			}
		}
	}()
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r jsonl.Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Errorf("not a JSON line: %v: %s", err, sc.Text())
				continue
			}
			jt.lines <- r
		}
		_ = jt.cmd.Wait()
		close(jt.exited)
	}()
	select {
	case jt.base = <-baseCh:
	case <-jt.exited:
		jt.fail("shoveltap ended")
	case <-time.After(60 * time.Second):
		jt.kill()
		jt.fail("no tap")
	}
	return jt
}

func (jt *jsonTap) fail(what string) {
	jt.t.Helper()
	jt.mu.Lock()
	defer jt.mu.Unlock()
	jt.t.Fatalf("%s; shoveltap said:\n%s", what, jt.said.String())
}

// kill ends shoveltap at once (a failed test); stop is the clean end.
func (jt *jsonTap) kill() {
	_ = jt.cmd.Process.Kill()
	<-jt.exited
}

// stop ends shoveltap with SIGINT and checks that it left nothing.
func (jt *jsonTap) stop() {
	jt.t.Helper()
	_ = jt.cmd.Process.Signal(os.Interrupt)
	select {
	case <-jt.exited:
	case <-time.After(30 * time.Second):
		jt.t.Fatal("shoveltap did not stop on SIGINT")
	}
	taptest.WaitClean(jt.t, jt.ep, jt.base, 10*time.Second)
}

// next is the next line, or the test fails after timeout.
func (jt *jsonTap) next(timeout time.Duration) jsonl.Record {
	jt.t.Helper()
	select {
	case r := <-jt.lines:
		return r
	case <-jt.exited:
		jt.fail("shoveltap ended before every line")
	case <-time.After(timeout):
		jt.fail("no line came")
	}
	return jsonl.Record{}
}

// TestTapOfADeadLetterQueue: shoveltap --queue on a dead-letter queue:
// the tap's model starts from the exchanges bound to the queue (and the
// default exchange, which reaches every dead-letter exchange), so the
// first messages are already routed, and a dead letter's x-death says why
// and from where it died.
func TestTapOfADeadLetterQueue(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	dlx := taptest.Exchange(t, ep, "fanout")
	dead := taptest.Queue(t, ep, dlx, "")
	ch := taptest.Channel(t, ep)
	expires := taptest.Name("q")
	if _, err := ch.QueueDeclare(expires, true, false, false, false, amqp.Table{"x-dead-letter-exchange": dlx, "x-message-ttl": int32(50)}); err != nil {
		t.Fatal(err)
	}
	rh := taptest.Admin(t, ep)
	t.Cleanup(func() { _, _ = rh.DeleteQueue(ep.Vhost, expires) })
	if err := ch.QueueBind(expires, "order.#", x, false, nil); err != nil {
		t.Fatal(err)
	}

	// dead is also fed by a plain exchange that no dead-lettering reaches.
	events := taptest.Exchange(t, ep, "direct")
	if err := ch.QueueBind(dead, "ev", events, false, nil); err != nil {
		t.Fatal(err)
	}

	jt := startJSONTap(t, ep, "--queue", dead)
	defer jt.kill()
	taptest.Publish(t, ch, events, "ev", amqp.Publishing{Body: []byte("straight in")})
	if r := jt.next(30 * time.Second); r.Exchange != events || len(r.RoutedTo) != 1 || r.RoutedTo[0].Queue != dead || len(r.RoutingUnknown) > 0 {
		t.Errorf("the message from %s: routed_to %+v unknown %v, want [%s]", r.Exchange, r.RoutedTo, r.RoutingUnknown, dead)
	}
	taptest.Publish(t, ch, x, "order.paid", amqp.Publishing{Body: []byte("expires in 50 ms")})
	r := jt.next(30 * time.Second)
	if r.Exchange != dlx || r.RoutingKey != "order.paid" {
		t.Fatalf("line from %q with key %q, want the dead letter from %s", r.Exchange, r.RoutingKey, dlx)
	}
	dl := r.DeadLetter
	if dl == nil || len(dl.Deaths) != 1 || dl.Deaths[0].Reason != "expired" || dl.Deaths[0].Queue != expires || dl.Deaths[0].Exchange != x {
		t.Errorf("dead_letter %+v, want expired from %s", dl, expires)
	}
	if len(r.RoutedTo) != 1 || r.RoutedTo[0].Queue != dead || r.Unroutable || len(r.RoutingUnknown) > 0 {
		t.Errorf("routed_to %+v unknown %v, want [%s]", r.RoutedTo, r.RoutingUnknown, dead)
	}
	taptest.Eventually(t, 10*time.Second, "both messages in the queue", func() bool { return taptest.QueueDepth(t, ch, dead) == 2 })
	jt.stop()
}
