package tracectx_test

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/tap/taptest"
	"github.com/shoveltap/shoveltap/tap/tracectx"
)

// tableCarrier lets OpenTelemetry's propagator write into AMQP headers,
// as the OpenTelemetry AMQP instrumentations do.
type tableCarrier amqp.Table

func (c tableCarrier) Get(key string) string { s, _ := c[key].(string); return s }
func (c tableCarrier) Set(key, value string) { c[key] = value }
func (c tableCarrier) Keys() []string {
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// TestOpenTelemetryPublisherThroughTheTap: a publisher instrumented with
// the OpenTelemetry Go SDK and its W3C propagator sends messages of two
// traces (one of them over two spans) and one without; what the tap
// receives, once decoded, carries the very IDs the SDK made (and the
// trace filter term), and groups by trace.
func TestOpenTelemetryPublisherThroughTheTap(t *testing.T) {
	ep := taptest.Endpoint(t)
	x := taptest.Exchange(t, ep, "topic")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	s, err := tap.Open(ctx, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-tracectx"})
	if err != nil {
		t.Fatal(err)
	}
	base := s.Names().Base
	defer func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
		taptest.WaitClean(t, ep, base, 10*time.Second)
	}()

	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := tp.Tracer("shoveltap-test")
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	ch := taptest.Channel(t, ep)
	publish := func(ctx context.Context, key string) trace.SpanContext {
		ctx, span := tracer.Start(ctx, "publish "+key, trace.WithSpanKind(trace.SpanKindProducer))
		defer span.End()
		headers := amqp.Table{}
		prop.Inject(ctx, tableCarrier(headers))
		taptest.Publish(t, ch, x, key, amqp.Publishing{Headers: headers, ContentType: "application/json", Body: []byte(`{"k":"` + key + `"}`)})
		return span.SpanContext()
	}
	// Trace A: a request span, then two producer spans under it.
	reqCtx, req := tracer.Start(context.Background(), "POST /orders")
	a1 := publish(reqCtx, "order.created")
	a2 := publish(reqCtx, "order.paid")
	req.End()
	b := publish(context.Background(), "stock.reserved")
	taptest.Publish(t, ch, x, "untraced", amqp.Publishing{Body: []byte("plain")})

	var got []tap.Message
	_, batches := pipeline.Start(ctx, s.Batches(), pipeline.Config{Workers: 1})
	for len(got) < 4 {
		select {
		case bt, ok := <-batches:
			if !ok {
				t.Fatal("the tap ended")
			}
			got = append(got, bt.Messages...)
		case <-ctx.Done():
			t.Fatalf("received %d of 4 messages", len(got))
		}
	}

	byKey := map[string]tap.Message{}
	for _, m := range got {
		byKey[m.RoutingKey] = m
	}
	for key, want := range map[string]trace.SpanContext{"order.created": a1, "order.paid": a2, "stock.reserved": b} {
		res := byKey[key].Result()
		c := res.Trace
		if c == nil {
			t.Fatalf("%s: no trace context in %v", key, byKey[key].Headers)
		}
		if res.Terms["trace"] != want.TraceID().String() {
			t.Errorf("%s: the trace filter term is %q", key, res.Terms["trace"])
		}
		if c.TraceID != want.TraceID().String() || c.SpanID != want.SpanID().String() || !c.Sampled || c.Where != tracectx.InHeaders {
			t.Errorf("%s: %+v, want trace %s span %s", key, c, want.TraceID(), want.SpanID())
		}
	}
	if byKey["untraced"].Result().Trace != nil {
		t.Error("found a trace context in the untraced message")
	}
	if a1.TraceID() != a2.TraceID() || a1.TraceID() == b.TraceID() {
		t.Fatal("the SDK did not make the traces the test means")
	}
	groups := tracectx.GroupByTrace(got, func(m tap.Message) *tracectx.Context { return m.Result().Trace })
	if len(groups) != 2 || groups[0].TraceID != a1.TraceID().String() || len(groups[0].Items) != 2 || len(groups[0].Spans) != 2 ||
		groups[1].TraceID != b.TraceID().String() || len(groups[1].Items) != 1 {
		t.Fatalf("groups %+v", groups)
	}
	c := byKey["order.paid"].Result().Trace
	if link := c.Link("https://grafana.example/explore?traceId={trace_id}"); link != "https://grafana.example/explore?traceId="+a1.TraceID().String() {
		t.Errorf("link %s", link)
	}
	if !c.MatchID(a1.TraceID().String()[:8]) || c.MatchID(b.TraceID().String()) {
		t.Error("trace:ID matching")
	}
}
