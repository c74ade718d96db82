package ui

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
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
		got = append(got, strings.Repeat("  ", l.depth)+l.key+"="+l.value)
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
	p := tap.Properties{ContentType: "application/json", DeliveryMode: 1, Priority: 5, ReplyTo: "amq.rabbitmq.reply-to"}
	var got []string
	for _, f := range properties(p) {
		got = append(got, f.name+"="+f.value)
	}
	want := "content_type=application/json delivery_mode=1 (transient) priority=5 reply_to=amq.rabbitmq.reply-to"
	if strings.Join(got, " ") != want {
		t.Errorf("properties = %v", got)
	}
	if len(properties(tap.Properties{})) != 0 {
		t.Error("unset properties are listed")
	}
}

func TestEntrySanitisesAtIngest(t *testing.T) {
	e := newEntry(hostileMessage(1))
	for _, s := range []string{e.cells.routingKey, e.cells.exchange, e.cells.summary, e.res.Summary, e.res.Body.Text} {
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("unsanitised text kept: %q", s)
		}
	}
	if string(e.msg.Body) != string(hostileMessage(1).Body) {
		t.Error("the raw body must be kept as it was")
	}
}

func TestBodyIsDecodedAgainOnDemand(t *testing.T) {
	m := message(3)
	m.Body = []byte(strings.Repeat("line of text\n", 5000))
	e := newEntry(m)
	if e.res.Body.Text != "" {
		t.Fatal("a rendering was kept with the retained message")
	}
	if b := e.body(); !strings.HasPrefix(b.Text, "line of text") {
		t.Errorf("body decoded again = %.40q", b.Text)
	}
	if !strings.Contains(e.subject.Text, "line of text") {
		t.Error("the filter cannot find text in a large body")
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
