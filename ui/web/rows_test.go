package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// row is one table row as the page receives it, but for the hub's id (what
// the detail view asks for), which withID puts in front. appendRow writes
// the same bytes by hand.
type row struct {
	Seq    uint64 `json:"seq"`
	TimeMS int64  `json:"t"` // when shoveltap received it, Unix milliseconds
	Source string `json:"src,omitempty"`
	Exch   string `json:"x"`
	Key    string `json:"rk"`
	Size   string `json:"size"`
	Bytes  int    `json:"bytes"`
	Format string `json:"fmt"`
	Sum    string `json:"sum"`
	// Unroutable: the routing model says no production queue got it.
	Unroutable bool `json:"unroutable,omitempty"`
}

// rowJSONMarshal is a row through encoding/json: what the page has always
// been sent, without the id.
func rowJSONMarshal(m tap.Message, r *reading.Reading) []byte {
	b, _ := json.Marshal(row{
		Seq:    m.Seq,
		TimeMS: m.Time.UnixMilli(),
		Source: r.Cells.Source,
		Exch:   r.Cells.Exchange,
		Key:    r.Cells.RoutingKey,
		Size:   r.Cells.Size,
		Bytes:  m.Size(),
		Format: r.Cells.Format,
		Sum:    cut(r.Cells.Summary, maxSummary),

		Unroutable: r.Unroutable(),
	})
	return b
}

func TestAppendRowIsWhatJSONMarshalGives(t *testing.T) {
	msgs := demoMessages(40)
	odd := []string{"", "plain", `q"uote`, `back\\slash`, "<b>&amp;</b>", "tab\tnl\n", "\x00\x1f\x7f", "é ü 日本", "\u2028\u2029",
		"bad \xff utf8", strings.Repeat("x", 400), strings.Repeat("é", 200)}
	for i, s := range odd {
		m := tap.Message{Seq: uint64(1000 + i), Time: time.UnixMilli(1700000000123), Exchange: s, RoutingKey: s, Body: []byte(s)}
		if i%2 == 0 {
			m.Source = s
		}
		msgs = append(msgs, m)
	}
	for _, m := range msgs {
		r := m.Read()
		for _, cells := range []reading.Cells{r.Cells, {Source: "s", Exchange: "x", Summary: strings.Join(odd, "|")}} {
			r.Cells = cells
			got, want := appendRow([]byte("prefix "), m.Seq*7, m, r), withID([]byte("prefix "), m.Seq*7, rowJSONMarshal(m, r))
			if string(got) != string(want) {
				t.Errorf("message %d:\n got %s\nwant %s", m.Seq, got, want)
			}
		}
	}
}
