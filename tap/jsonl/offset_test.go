package jsonl

import (
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// A message read from a stream carries its offset through a line and back;
// every other message writes no offset at all, so older readers and
// records are unaffected.
func TestOffsetRoundTrip(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	for _, c := range []struct {
		m    tap.Message
		want string
	}{
		{tap.Message{Seq: 1, Time: at, Exchange: "", RoutingKey: "events", Body: []byte("x"), Offset: 0, HasOffset: true}, `"offset":0,`},
		{tap.Message{Seq: 2, Time: at, Exchange: "", RoutingKey: "events", Body: []byte("y"), Offset: 1 << 40, HasOffset: true}, `"offset":1099511627776,`},
		{tap.Message{Seq: 3, Time: at, Exchange: "orders", RoutingKey: "k", Body: []byte("z")}, ""},
	} {
		line := writeLine(t, c.m)
		if c.want != "" && !strings.Contains(line, c.want) {
			t.Errorf("line lacks %s:\n%s", c.want, line)
		}
		if c.want == "" && strings.Contains(line, `"offset"`) {
			t.Errorf("a message without an offset writes one:\n%s", line)
		}
		back, err := Parse([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if back.HasOffset != c.m.HasOffset || back.Offset != c.m.Offset {
			t.Errorf("offset read back as %d (has %v), want %d (has %v)", back.Offset, back.HasOffset, c.m.Offset, c.m.HasOffset)
		}
	}
}
