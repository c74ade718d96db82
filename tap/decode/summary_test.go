package decode

import (
	"strings"
	"testing"
)

// A JSON object that starts with a timestamp is summarised with what tells
// messages apart first and the timestamps last; any other keeps its order.
func TestSummaryLeadsWithWhatTellsMessagesApart(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		// json.Marshal of a map: sorted keys, "at" first (bench/demogen).
		{`{"at":"2026-03-14T09:26:53.1Z","customer":"acme","event":"paid","items":[{"qty":1}],"order_id":1042,"total":9.99}`,
			`{"event":"paid","order_id":1042,"customer":"acme","items":[{"qty":1}],"total":9.99,"at":"2026-03-14T09:26:53.1Z"}`},
		{`{"timestamp": 1710408413, "type": "heartbeat", "hostId": "h1"}`,
			`{"type":"heartbeat","hostId":"h1","timestamp":1710408413}`},
		{`{"createdAt":"x","name":"n"}`, `{"name":"n","createdAt":"x"}`},
		{`{"when2":"2026-03-14","id":7}`, `{"id":7,"when2":"2026-03-14"}`}, // an ISO date by value
		// Not led by a timestamp: as published.
		{`{"order_id": 1842, "at": "2026-03-14T09:26:53Z", "event": "paid"}`, `{"order_id":1842,"at":"2026-03-14T09:26:53Z","event":"paid"}`},
		{`[{"at":"2026-03-14"}]`, `[{"at":"2026-03-14"}]`},
		{`{"a\"t":"2026-03-14","event":"x"}`, `{"a\"t":"2026-03-14","event":"x"}`},
	} {
		res := Decode(Input{ContentType: "application/json", Body: []byte(c.body)})
		if res.Format != "json" || res.Summary != c.want {
			t.Errorf("%s\n summary %s\n    want %s", c.body, res.Summary, c.want)
		}
		if !strings.Contains(res.Body.Text, "\n") {
			t.Errorf("the body rendering changed: %q", res.Body.Text)
		}
	}
}

// JSONSummary is the composition it replaces, on JSON that is cut,
// redacted, not one line, or not JSON at all.
func TestJSONSummary(t *testing.T) {
	docs := []string{`{}`, `{"a":1}`, `{"password":"x","b":[1,2,{"token":"y"}]}`, `{"s":"line\nbreak  two"}`,
		`{"long":"` + strings.Repeat("é ", 150) + `"}`, `[` + strings.Repeat(`{"k":"v"},`, 40) + `1]`, `{"x":"` + strings.Repeat("a", 300) + `"}`,
		"{\"a\":\"\u2028\t\"}", `"just a string"`, `{"api\u005fkey":"z"}`, "not json \xff", ""}
	for _, js := range docs {
		for _, prefix := range []string{"Order", "", " lead", "Ünïcode", strings.Repeat("N", 250)} {
			want := SummaryLine(prefix + " " + CompactJSON([]byte(js)))
			if got := JSONSummary(prefix, []byte(js)); got != want {
				t.Errorf("JSONSummary(%q, %q) = %q, want %q", prefix, js, got, want)
			}
		}
	}
}

func FuzzJSONSummary(f *testing.F) {
	f.Add("Order", []byte(`{"a":[1,{"password":"p"}],"b":"x  y"}`))
	f.Fuzz(func(t *testing.T, prefix string, js []byte) {
		want := SummaryLine(prefix + " " + CompactJSON(js))
		if got := JSONSummary(prefix, js); got != want {
			t.Errorf("JSONSummary(%q, %q) = %q, want %q", prefix, js, got, want)
		}
	})
}
