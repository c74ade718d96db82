package ui

import (
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

// At 80 columns the summary of a JSON body that starts with a timestamp
// (json.Marshal of a map: sorted keys) shows what tells the messages
// apart, not the same `{"at":"2026-…` on every row.
func TestNarrowSummaryTellsMessagesApart(t *testing.T) {
	var msgs []tap.Message
	for i, ev := range []string{"created", "paid", "shipped"} {
		m := message(uint64(i + 1))
		m.Exchange, m.RoutingKey = "orders", "order."+ev
		m.Properties = tap.Properties{ContentType: "application/json"}
		m.Headers = nil
		m.Body = []byte(`{"at":"2026-03-14T09:26:53.123Z","customer":"acme","event":"` + ev + `","order_id":104` + string(rune('0'+i)) + `,"total":9.99}`)
		msgs = append(msgs, m)
	}
	m := newModel(t, 80, 24, testOptions)
	m = update(t, m, batch(msgs, running(3)))
	s := screen(m)
	for _, ev := range []string{"created", "paid", "shipped"} {
		if !strings.Contains(s, `{"event":"`+ev) {
			t.Errorf("no row's summary starts with the event %s:\n%s", ev, s)
		}
	}
	if strings.Contains(s, `{"at":"2026`) {
		t.Errorf("a summary still starts with the timestamp:\n%s", s)
	}
}
