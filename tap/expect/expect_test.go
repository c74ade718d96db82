package expect

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

func rk(key string) func(tap.Message) bool {
	return func(m tap.Message) bool { return m.RoutingKey == key }
}

func msg(seq uint64, key string) tap.Message {
	return tap.Message{Seq: seq, Time: time.Unix(0, 0), Exchange: "orders", RoutingKey: key, Body: []byte(`{"id":1}`), Properties: tap.Properties{ContentType: "application/json"}}
}

func TestCountsMetEndEarly(t *testing.T) {
	c := New([]Rule{{Query: "rk:order.paid", Count: 2, Match: rk("order.paid")}}, time.Now())
	if c.Add(msg(1, "order.paid")) {
		t.Fatal("decided after 1 of 2")
	}
	if c.Add(msg(2, "order.created")) {
		t.Fatal("decided on a message that does not match")
	}
	if !c.Add(msg(3, "order.paid")) {
		t.Fatal("not decided after 2 of 2")
	}
	v := c.Finish(time.Now())
	if !v.Pass || v.Outcome != Met || v.Rules[0].Seen != 2 || v.Seen != 3 {
		t.Fatalf("%+v", v)
	}
}

func TestForbidNeedsWholeWindowAndFailsAtFirstMatch(t *testing.T) {
	rules := []Rule{
		{Query: "rk:order.paid", Count: 1, Match: rk("order.paid")},
		{Query: "rk:order.failed", Forbid: true, Match: rk("order.failed")},
	}
	c := New(rules, time.Now())
	if !c.NeedsWholeWindow() {
		t.Fatal("a forbid rule must need the whole window")
	}
	if c.Add(msg(1, "order.paid")) {
		t.Fatal("decided a pass before the window ended, with a forbid rule")
	}
	if !c.Add(msg(2, "order.failed")) {
		t.Fatal("a forbidden message did not decide")
	}
	v := c.Finish(time.Now())
	if v.Pass || v.Outcome != Forbidden || v.Rules[1].Holds || len(v.Rules[1].Examples) != 1 || v.Rules[1].Examples[0].Seq != 2 {
		t.Fatalf("%+v", v)
	}
	f := strings.Join(v.Failures(), "\n")
	if !strings.Contains(f, `--forbid "rk:order.failed" matched:`) || !strings.Contains(f, "#2 ") || !strings.Contains(f, "orders/order.failed") {
		t.Fatalf("failures:\n%s", f)
	}
	if !strings.Contains(v.Summary(), "FAIL (forbidden)") {
		t.Fatal(v.Summary())
	}
}

func TestWindowEnds(t *testing.T) {
	t.Run("pass with forbid absent", func(t *testing.T) {
		c := New([]Rule{{Query: "x", Forbid: true, Match: rk("x")}}, time.Now())
		c.Add(msg(1, "y"))
		if v := c.Finish(time.Now()); !v.Pass || v.Outcome != Met || !v.Rules[0].Holds {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("count short", func(t *testing.T) {
		c := New([]Rule{{Query: "rk:a", Count: 3, Match: rk("a")}}, time.Now())
		for i := uint64(1); i <= 8; i++ {
			key := "b"
			if i == 2 {
				key = "a"
			}
			c.Add(msg(i, key))
		}
		v := c.Finish(time.Now())
		if v.Pass || v.Outcome != TimedOut || v.Rules[0].Seen != 1 {
			t.Fatalf("%+v", v)
		}
		// The last MaxExamples messages, oldest first.
		if len(v.Recent) != MaxExamples || v.Recent[0].Seq != 4 || v.Recent[MaxExamples-1].Seq != 8 {
			t.Fatalf("recent %+v", v.Recent)
		}
		if f := strings.Join(v.Failures(), "\n"); !strings.Contains(f, `--match "rk:a": 1 of at least 3`) || !strings.Contains(f, "last messages seen:") {
			t.Fatalf("failures:\n%s", f)
		}
	})
}

func TestNilMatchAndDefaultCount(t *testing.T) {
	c := New([]Rule{{Query: ""}}, time.Now())
	if !c.Add(msg(1, "anything")) {
		t.Fatal("an empty query with the default count 1 should be met by any message")
	}
}

func TestExamplesAreBoundedAndPrintable(t *testing.T) {
	c := New([]Rule{{Query: "x", Count: 1000}}, time.Now())
	for i := uint64(1); i <= 50; i++ {
		m := msg(i, "k\x1b[31m\u202e")
		c.Add(m)
	}
	v := c.Finish(time.Now())
	if len(v.Rules[0].Examples) != MaxExamples {
		t.Fatalf("%d examples", len(v.Rules[0].Examples))
	}
	// Routing keys are printed as received; Format and Summary are made
	// printable (they come from the body).
	bad := tap.Message{Seq: 1, Body: []byte("evil \x1b]0;title\x07 \u202e text"), Properties: tap.Properties{ContentType: "text/plain"}}
	if e := example(bad); strings.ContainsAny(e.Summary, "\x1b\x07\u202e") {
		t.Fatalf("summary %q", e.Summary)
	}
}

func TestWatch(t *testing.T) {
	ctx := context.Background()
	t.Run("decided by messages", func(t *testing.T) {
		in := make(chan tap.Batch, 2)
		in <- tap.Batch{Messages: []tap.Message{msg(1, "a"), msg(2, "a")}}
		c := New([]Rule{{Query: "rk:a", Count: 2, Match: rk("a")}}, time.Now())
		v, err := Watch(ctx, in, c, time.Minute)
		if err != nil || !v.Pass {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("window", func(t *testing.T) {
		in := make(chan tap.Batch)
		c := New([]Rule{{Query: "rk:a", Match: rk("a")}}, time.Now())
		start := time.Now()
		v, err := Watch(ctx, in, c, 100*time.Millisecond)
		if err != nil || v.Pass || v.Outcome != TimedOut || time.Since(start) < 100*time.Millisecond {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("deliveries are not messages", func(t *testing.T) {
		in := make(chan tap.Batch, 1)
		d := msg(1, "a")
		d.Delivery = &tap.Delivery{}
		in <- tap.Batch{Messages: []tap.Message{d}}
		c := New([]Rule{{Query: "rk:a", Match: rk("a")}}, time.Now())
		if v, _ := Watch(ctx, in, c, 50*time.Millisecond); v.Pass {
			t.Fatal("a delivery report counted as a message")
		}
	})
	t.Run("tap failed", func(t *testing.T) {
		in := make(chan tap.Batch, 1)
		in <- tap.Batch{Status: tap.Status{State: tap.StateFailed, Detail: "connection lost"}}
		c := New([]Rule{{Query: "rk:a", Match: rk("a")}}, time.Now())
		if _, err := Watch(ctx, in, c, time.Minute); err == nil || err.Error() != "connection lost" {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("stream closed", func(t *testing.T) {
		in := make(chan tap.Batch)
		close(in)
		c := New([]Rule{{Query: "rk:a", Match: rk("a")}}, time.Now())
		if _, err := Watch(ctx, in, c, time.Minute); err == nil {
			t.Fatal("no error for a closed stream")
		}
	})
}
