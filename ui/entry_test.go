package ui

import (
	"strings"
	"testing"
	"unsafe"
)

func TestEntrySanitisesAtIngest(t *testing.T) {
	e := newEntry(hostileMessage(1))
	for _, s := range []string{e.r.Cells.RoutingKey, e.r.Cells.Exchange, e.r.Cells.Summary, e.r.Shown.Summary, e.body().Text} {
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("unsanitised text kept: %q", s)
		}
	}
	if string(e.msg.Body) != string(hostileMessage(1).Body) {
		t.Error("the raw body must be kept as it was")
	}
}

// The body is rendered when the detail pane first shows it, and kept.
func TestBodyIsDecodedOnDemandOnce(t *testing.T) {
	m := message(3)
	m.Body = []byte(strings.Repeat("line of text\n", 5000))
	e := newEntry(m)
	if e.r.Shown.Body.Text != "" || e.r.Decoded.Body.Text != "" {
		t.Fatal("a rendering was kept with the retained message")
	}
	b := e.body()
	if !strings.HasPrefix(b.Text, "line of text") {
		t.Errorf("body decoded = %.40q", b.Text)
	}
	if again := e.body(); unsafe.StringData(again.Text) != unsafe.StringData(b.Text) {
		t.Error("the body was decoded again")
	}
	if !strings.Contains(e.r.SearchText(), "line of text") {
		t.Error("the filter cannot find text in a large body")
	}
}
