package reading

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
)

func TestFlattenHeaders(t *testing.T) {
	h := map[string]any{
		"x-retry": int64(3),
		"x-death": []any{map[string]any{
			"count": int64(1), "reason": "rejected", "routing-keys": []any{"a.b", "c"},
			"time": time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC),
		}},
		"b-flag":   true,
		"a-float":  1.5,
		"nil":      nil,
		"empty":    "",
		"bin":      []byte{0xff, 0x00},
		"text":     []byte("hello"),
		"nested":   map[string]any{},
		"bad\x1bk": "v\x1b[31m",
	}
	var got []string
	for _, l := range flattenHeaders(h) {
		got = append(got, strings.Repeat("  ", l.Depth)+l.Key+"="+l.Value)
	}
	want := []string{
		"a-float=1.5",
		"b-flag=true",
		`bad\x1bk=v\x1b[31m`,
		"bin=0xff00 (2 bytes)",
		`empty=""`,
		"nested={}",
		"nil=null",
		"text=hello",
		"x-death=",
		"  [0]=",
		"    count=1",
		"    reason=rejected",
		"    routing-keys=[a.b, c]",
		"    time=2025-03-14 09:00:00 UTC",
		"x-retry=3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("flattenHeaders\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProperties(t *testing.T) {
	p := Properties{ContentType: "application/json", DeliveryMode: 1, Priority: 5, ReplyTo: "amq.rabbitmq.reply-to"}
	var got []string
	for _, f := range properties(p) {
		got = append(got, f.Name+"="+f.Value)
	}
	want := "content_type=application/json delivery_mode=1 (transient) priority=5 reply_to=amq.rabbitmq.reply-to"
	if strings.Join(got, " ") != want {
		t.Errorf("properties = %v", got)
	}
	if len(properties(Properties{})) != 0 {
		t.Error("unset properties are listed")
	}
}

// A binary body is searched by the text inside it, one run at a time.
func TestTextRunsOfABinaryBody(t *testing.T) {
	body := append([]byte{0x00, 0x01, 0xff}, []byte("Order-42 héllo")...)
	body = append(body, 0x00, 0x00, 0x9c)
	body = append(body, []byte("tail")...)
	if got, want := string(appendTextRuns(nil, body, 1<<10)), "\norder-42 héllo\ntail"; got != want {
		t.Errorf("appendTextRuns = %q, want %q", got, want)
	}
	if got := string(appendTextRuns([]byte("x"), body, 5)); got != "x\nor" {
		t.Errorf("cut at 5 bytes: %q", got)
	}
}

// appendTextRuns is the lower-cased text runs in one pass: the same as
// finding the runs first and lower-casing them with strings.ToLower.
func FuzzAppendTextRuns(f *testing.F) {
	for _, s := range []string{"", "ABC", "\x00\x01Héllo\xffWORLD\x9c", "ΣΑΣ\tİstanbul", "\xc3", "日本語\x00TEXT"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var runs []byte
		gap := false
		for rest := b; len(rest) > 0; {
			r, size := utf8.DecodeRune(rest)
			if (r != utf8.RuneError || size > 1) && unicode.IsPrint(r) {
				runs = append(runs, rest[:size]...)
				gap = false
			} else if !gap {
				runs = append(runs, '\n')
				gap = true
			}
			rest = rest[size:]
		}
		if got, want := string(appendTextRuns(nil, b, len(b))), strings.ToLower(string(runs)); got != want {
			t.Errorf("appendTextRuns(%q) = %q, want %q", b, got, want)
		}
	})
}

func TestAppendLowerIsToLower(t *testing.T) {
	for _, s := range []string{"", "ABC def", "Ünïcödé ÀÉ", "100 B: 00 ff …", "a\xffB\xc3", "ΣΑΣ İstanbul", "mixed ASCII and 日本語 TEXT"} {
		if got, want := string(appendLower([]byte("x"), s)), "x"+strings.ToLower(s); got != want {
			t.Errorf("appendLower(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	tests := map[int]string{
		0: "0B", 512: "512B", 1023: "1023B", 1024: "1.0K", 1229: "1.2K", 10188: "9.9K",
		10189: "10K", 34 << 10: "34K", 1023 << 10: "1.0M", 5_872_025: "5.6M",
		1 << 30: "1.0G", 3 << 40: "3.0T",
	}
	for n, want := range tests {
		got := HumanSize(n)
		if got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
		if len(got) > 5 {
			t.Errorf("HumanSize(%d) = %q is wider than the size column", n, got)
		}
	}
}

// Shown is Decoded sanitised: a hostile field or note is escaped for the
// screen and kept as found for JSON lines; clean ones are not copied.
func TestShownIsDecodedSanitised(t *testing.T) {
	res := decode.Result{
		Format: "json", Summary: "s\x1b[2J",
		Fields: []decode.Field{{Name: "a", Value: "clean"}, {Name: "b", Value: "evil\x1b]0;title\x07"}},
		Notes:  []string{"fine"},
	}
	r := fromResult(Input{Message: decode.Input{Body: []byte("x")}}, res, nil)
	if r.Decoded.Fields[1].Value != "evil\x1b]0;title\x07" || r.Decoded.Summary != "s\x1b[2J" {
		t.Errorf("Decoded changed: %+v", r.Decoded)
	}
	if strings.ContainsAny(r.Shown.Fields[1].Value+r.Shown.Summary+r.Cells.Summary, "\x1b\x07") {
		t.Errorf("Shown holds control characters: %+v", r.Shown)
	}
	if r.Shown.Fields[0] != r.Decoded.Fields[0] || &r.Shown.Notes[0] != &r.Decoded.Notes[0] {
		t.Error("clean fields or notes differ")
	}
	if &r.Shown.Fields[0] == &r.Decoded.Fields[0] {
		t.Error("a sanitised field was written into Decoded's slice")
	}
}

// The haystack holds every part in order, each lower-cased on its own line
// (header key and value together), sized up front without changing it.
func TestHaystackParts(t *testing.T) {
	r := Build(Input{Source: "orders", Properties: Properties{ContentType: "application/json", MessageID: "M-1"},
		Message: decode.Input{Exchange: "Shop", RoutingKey: "Order.Created", ContentType: "application/json",
			Headers: map[string]any{"X-Tenant": "ACME", "n": int64(2)}, Body: []byte(`{"Item":"Café"}`)}})
	lines := strings.Split(r.SearchText(), "\n")
	for _, want := range []string{"order.created", "shop", "application/json", "x-tenant: acme", "n: 2", "m-1"} {
		if !slices.Contains(lines, want) {
			t.Errorf("haystack lacks the line %q:\n%s", want, r.SearchText())
		}
	}
	if !strings.Contains(r.SearchText(), `"item": "café"`) || !strings.HasSuffix(r.SearchText(), "\n") {
		t.Errorf("haystack lacks the body or its last newline:\n%s", r.SearchText())
	}
}

// The haystack is made only when asked for, and is then what it would
// have been if made with the reading: the same text as from Summarize's
// rendered body, for every kind of body.
func TestSearchTextIsMadeOnDemandAsBefore(t *testing.T) {
	ins := onDemandInputs()
	for i, in := range ins {
		r := Build(in)
		if r.later.Load() != nil {
			t.Errorf("%d: the haystack was made before anything asked", i)
		}
		sum := decode.Summarize(in.Message)
		eager := fromResult(in, sum, nil) // Summarize's rendered body at hand
		if got, want := r.SearchText(), eager.SearchText(); got != want {
			t.Errorf("%d (%s): haystack\n%q\nwant\n%q", i, r.Shown.Format, got, want)
		}
		if r.Shown.Body.Kind != sum.Body.Kind || r.Shown.Body.Text != "" {
			t.Errorf("%d: shown body %+v, want kind %v and no text", i, r.Shown.Body, sum.Body.Kind)
		}
		if !filter.Parse(strings.ToLower(in.Message.RoutingKey)).Match(&r.Subject) {
			t.Errorf("%d: a free-text term does not find the routing key", i)
		}
	}
	// A JSON body's values are found through the rendered body.
	r := Build(ins[0])
	if !filter.Parse("acme gmbh").Match(&r.Subject) || filter.Parse("hunter2").Match(&r.Subject) {
		t.Errorf("free text over the body: %q", r.SearchText())
	}
}

// The read stage leaves the decoded fields out; a detail view (Fields)
// and JSON lines (Result) get what a reading that made them at once
// (BuildForLines) has, sanitised for a screen and as found for lines,
// made once however many goroutines ask.
func TestFieldsAreMadeOnDemandAsBefore(t *testing.T) {
	leftOut := 0
	defer func() {
		if leftOut == 0 {
			t.Error("no message had fields to leave out")
		}
	}()
	for i, in := range onDemandInputs() {
		lean, full := Build(in), BuildForLines(nil, in)
		if lean.Decoded.FieldsLeftOut != (len(full.Decoded.Fields) > 0) || len(lean.Decoded.Fields) > 0 || lean.later.Load() != nil {
			t.Errorf("%d (%s): the read stage made the fields, or says it left out none there are (%d): %+v", i, lean.Shown.Format, len(full.Decoded.Fields), lean.Decoded)
		}
		leftOut += len(full.Decoded.Fields)
		if full.Decoded.FieldsLeftOut {
			t.Errorf("%d: BuildForLines left the fields out", i)
		}
		var wg sync.WaitGroup
		got := make([][]decode.Field, 4)
		for g := range got {
			wg.Add(1)
			go func() { defer wg.Done(); got[g] = lean.Fields() }()
		}
		wg.Wait()
		for _, fs := range got {
			if !reflect.DeepEqual(fs, full.Shown.Fields) {
				t.Errorf("%d (%s): Fields %+v, want %+v", i, lean.Shown.Format, fs, full.Shown.Fields)
			}
		}
		if res := lean.Result(); !reflect.DeepEqual(res, full.Decoded) {
			t.Errorf("%d (%s): Result %+v, want %+v", i, lean.Shown.Format, res, full.Decoded)
		}
		// The headers too are listed when first asked.
		if l := lean.later.Load(); l != nil && l.headers != nil {
			t.Errorf("%d: the headers were listed before anything asked", i)
		}
		if got, want := lean.Headers(), flattenHeaders(in.Message.Headers); !reflect.DeepEqual(got, want) || (len(in.Message.Headers) > 0) != (len(got) > 0) {
			t.Errorf("%d: headers %+v, want %+v", i, got, want)
		}
		if got, want := lean.Properties, properties(in.Properties); !reflect.DeepEqual(got, want) || (in.Properties.MessageID != "") != (len(got) > 0) {
			t.Errorf("%d: properties %+v, want %+v", i, got, want)
		}
	}
}

// onDemandInputs are messages of every kind of body, a Celery task with
// a field a terminal would act on, and a delivery.
func onDemandInputs() []Input {
	return []Input{
		{Message: decode.Input{RoutingKey: "orders", ContentType: "application/json", Body: []byte(`{"Order":42,"Customer":"ACME GmbH","password":"hunter2"}`)}},
		{Message: decode.Input{RoutingKey: "logs", ContentType: "text/plain", Body: []byte("Hello\x1b[2J World\nsecond line")}},
		{Message: decode.Input{RoutingKey: "bin", Body: []byte("\x00\x01Invoice INV-7\xff\xfe\x00Total")}},
		{Message: decode.Input{RoutingKey: "celery", ContentType: "application/json",
			Headers: map[string]any{"task": "billing.charge", "id": "t-1", "argsrepr": "(1,)", "kwargsrepr": "{}"},
			Body:    []byte(`[[1], {"Card": "4111"}, {"callbacks": null}]`)}},
		{Message: decode.Input{RoutingKey: "empty"}, Properties: Properties{MessageID: "M-\x1b[2J7"}},
		{Message: decode.Input{RoutingKey: "q", Body: []byte(`{"a":1}`)}, Delivery: &Delivery{Connection: "10.0.0.1:5 -> 10.0.0.2:5672", Channel: 3, User: "Ops"}},
		{Message: decode.Input{Exchange: "celeryev", RoutingKey: "task.failed", ContentType: "application/json",
			Body: []byte(`{"type":"task-failed","uuid":"t-2","hostname":"celery@w1","timestamp":1700000000.5,"exception":"ValueError('\u001b[2Jbad')","traceback":"Traceback\nValueError","clock":7}`)}},
		{Message: decode.Input{Exchange: "nova", RoutingKey: "compute", ContentType: "application/json",
			Body: []byte(`{"oslo.version":"2.0","oslo.message":"{\"method\":\"resize\",\"args\":{\"flavor\":2},\"_msg_id\":\"m1\",\"_reply_q\":\"reply_1\",\"_context_user\":\"u\"}"}`)}},
	}
}

// countingExt declines every message and counts how often it was asked;
// countingProgram is one that runs a program, as a decoder hook that
// fails or declines would.
type countingExt struct{ asked *atomic.Int32 }

func (c countingExt) Decode(decode.Input, []byte) (decode.Result, bool) {
	c.asked.Add(1)
	return decode.Result{}, false
}

type countingProgram struct{ countingExt }

func (countingProgram) RunsProgram() {}

// The first free-text query summarises a message again for its body's
// text, with every extension but a program's: a hook that declined or
// timed out is not asked a second time (a hanging one would cost its time
// limit again for every message tested), while a schema decoder is.
func TestSearchTextAsksNoProgramAgain(t *testing.T) {
	in := Input{Message: decode.Input{RoutingKey: "orders", ContentType: "application/json", Body: []byte(`{"order":42}`)}}
	var hook, schema atomic.Int32
	dec := decode.NewDecoder(countingProgram{countingExt{asked: &hook}}, countingExt{asked: &schema})
	r := BuildWith(dec, in)
	if hook.Load() != 1 || schema.Load() != 1 {
		t.Fatalf("the build asked the hook %d and the schema decoder %d times, want 1 and 1", hook.Load(), schema.Load())
	}
	if text := r.SearchText(); !strings.Contains(text, `"order": 42`) {
		t.Errorf("the rendered body is not searched: %q", text)
	}
	if hook.Load() != 1 || schema.Load() != 2 {
		t.Errorf("the haystack asked the hook %d and the schema decoder %d times in all, want 1 and 2", hook.Load(), schema.Load())
	}
	_ = r.Body() // a detail view asks everyone
	if hook.Load() != 2 {
		t.Errorf("a detail view asked the hook %d times in all, want 2", hook.Load())
	}
}
