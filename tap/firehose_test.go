package tap_test

import (
	"context"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func tracing(t *testing.T, ep broker.Endpoint) bool {
	t.Helper()
	info, err := taptest.Admin(t, ep).GetVhost(ep.Vhost)
	if err != nil {
		t.Fatal(err)
	}
	return info.Tracing
}

// Celery's default: tasks go through the default exchange straight to the
// queue. Only the firehose sees them; the tap must show exactly those, the
// worker must still get every one, nothing may loop, and tracing must be
// off again afterwards.
func TestFirehoseShowsDefaultExchangeTrafficAndRestoresTracing(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	for _, q := range []string{"celery", "other"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	var warned []string
	s, err := tap.Open(context.Background(), tap.Config{
		Endpoint: ep, Sources: []tap.Source{{Queue: "celery"}}, Firehose: true, Host: "it-firehose",
		Warn: func(w string) { warned = append(warned, w) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !tracing(t, ep) {
		t.Fatalf("warnings %v, tracing %v", warned, tracing(t, ep))
	}
	const n = 5
	for i := range n {
		taptest.Publish(t, ch, "", "celery", amqp.Publishing{
			ContentType: "application/json", CorrelationId: "id-" + string(rune('a'+i)),
			Headers: amqp.Table{"task": "tasks.add", "id": "id-" + string(rune('a'+i))},
			Body:    []byte(`[[2, 3], {}, {"callbacks": null}]`),
		})
		taptest.Publish(t, ch, "", "other", amqp.Publishing{Body: []byte("not for celery")})
	}
	got := collect(t, s, n, 5*time.Second)
	for i, m := range got {
		if m.Exchange != "" || m.RoutingKey != "celery" || m.Headers["task"] != "tasks.add" ||
			m.Properties.ContentType != "application/json" || m.Properties.CorrelationID != "id-"+string(rune('a'+i)) ||
			m.Source != "queue celery (firehose)" {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	// No self-amplification: over a few seconds nothing more arrives, and
	// the tap queue was fed exactly the n traces routed to celery plus the
	// n for "other" (which the tap drops), never its own activity.
	for _, b := range drain(s, 3*time.Second) {
		for _, m := range b.Messages {
			t.Errorf("extra message %s", taptest.Describe(m))
		}
	}
	if st := s.Status(); st.Seen != n {
		t.Errorf("seen %d, want %d", st.Seen, n)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tracing(t, ep) {
		t.Error("tracing is still on after the tap that turned it on closed")
	}
	if depth := taptest.QueueDepth(t, ch, "celery"); depth != n {
		t.Errorf("the worker's queue holds %d, want %d", depth, n)
	}
	taptest.WaitClean(t, ep, s.Names().Base, 5*time.Second)
}

// Tracing turned on by one session stays on while another still uses it,
// and goes off when the last one leaves; tracing that was on before any
// shoveltap stays on.
func TestFirehoseIsTurnedOffByTheLastUser(t *testing.T) {
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	ch := taptest.Channel(t, ep)
	if _, err := ch.QueueDeclare("celery", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	cfg := tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: "celery"}}, Firehose: true, Host: "it-fh-two"}
	a, err := tap.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tap.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !tracing(t, ep) {
		t.Fatal("tracing went off while another tap still uses it")
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tracing(t, ep) {
		t.Fatal("tracing still on after the last tap left")
	}
	taptest.WaitClean(t, ep, "shoveltap-", 5*time.Second)

	// Already on before: left on.
	rh := taptest.Admin(t, ep)
	info, _ := rh.GetVhost(ep.Vhost)
	if _, err := rh.PutVhost(ep.Vhost, rabbitholeSettings(info.Description, true)); err != nil {
		t.Fatal(err)
	}
	c, err := tap.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !tracing(t, ep) {
		t.Error("tracing that was on before shoveltap was turned off")
	}
	if desc, _ := rh.GetVhost(ep.Vhost); desc.Description != "shoveltap test" {
		t.Errorf("the vhost lost its description: %q", desc.Description)
	}
}

func rabbitholeSettings(desc string, tracing bool) rabbithole.VhostSettings {
	return rabbithole.VhostSettings{Description: desc, Tracing: tracing}
}
