package web

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// maxSummary bounds the summary sent in a row; the page cuts it to the
// column's width anyway, and the detail view has the rest.
const maxSummary = 300

// row is one table row as the page receives it. Every string is already
// sanitised; the page still puts them in the DOM as text only. The hub's id
// (what the detail view asks for) is put in front when the row is sent:
// the hub numbers items after they were encoded, outside its lock.
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

// rowJSON encodes a row without its id.
func rowJSON(m tap.Message, r *reading.Reading) []byte {
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

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// withID returns the JSON object obj (encoded without an id) with "id"
// added as its first member, appended to dst.
func withID(dst []byte, id uint64, obj []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, id, 10)
	if len(obj) > 2 {
		dst = append(dst, ',')
	}
	return append(dst, obj[1:]...)
}
