package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// statusJSON is the status line of the page.
type statusJSON struct {
	State          string   `json:"state"`
	Level          string   `json:"level"` // ok, warn or bad: the state's colour
	Detail         string   `json:"detail,omitempty"`
	Broker         string   `json:"broker"`
	Vhost          string   `json:"vhost"`
	Sources        []string `json:"sources"`
	Notes          []string `json:"notes,omitempty"`
	Seen           uint64   `json:"seen"`
	Rate           float64  `json:"rate"`
	Dropped        uint64   `json:"dropped"`
	DroppedUnknown bool     `json:"dropped_unknown,omitempty"`
	Reconnects     int      `json:"reconnects,omitempty"`
	Retained       int      `json:"retained"`
	Evicted        uint64   `json:"evicted"`
	Lost           uint64   `json:"lost,omitempty"`    // the monitor fell behind the tap
	Skipped        uint64   `json:"skipped,omitempty"` // this page fell behind
	Viewers        int      `json:"viewers"`
}

func statusOf(sn snapshot) statusJSON {
	st := sn.status
	out := statusJSON{
		State:          st.State.String(),
		Level:          level(st.State),
		Detail:         sanitize.Line(st.Detail),
		Broker:         sanitize.Line(st.Broker),
		Vhost:          sanitize.Line(st.Vhost),
		Sources:        lines(st.Sources),
		Notes:          lines(st.Notes),
		Seen:           st.Seen,
		Rate:           float64(int64(st.Rate*10)) / 10,
		Dropped:        st.Dropped,
		DroppedUnknown: st.DroppedUnknown,
		Reconnects:     st.Reconnects,
		Retained:       sn.retained,
		Evicted:        sn.evicted,
		Lost:           sn.lost,
		Viewers:        int(sn.viewers),
	}
	if out.Sources == nil {
		out.Sources = []string{}
	}
	return out
}

func level(s tap.State) string {
	switch s {
	case tap.StateRunning:
		return "ok"
	case tap.StateFailed:
		return "bad"
	}
	return "warn"
}

func lines(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = sanitize.Line(s)
	}
	return out
}

// serveStatus answers the tap's status: the page asks it to tell a lost
// token from a lost connection.
func (s *Server) serveStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusOf(s.hub.snapshot()))
}

// detailJSON is the detail view of one message.
type detailJSON struct {
	ID          uint64               `json:"id"`
	Seq         uint64               `json:"seq"`
	TimeMS      int64                `json:"t"`
	Exchange    string               `json:"exchange"`
	RoutingKey  string               `json:"routing_key"`
	Source      string               `json:"source,omitempty"`
	Size        int                  `json:"size"`
	Redelivered bool                 `json:"redelivered,omitempty"`
	Format      string               `json:"format"`
	Summary     string               `json:"summary"`
	Fields      []reading.Field      `json:"fields"`
	Notes       []string             `json:"notes"`
	Properties  []reading.Field      `json:"properties"`
	Headers     []reading.HeaderLine `json:"headers"`
	Body        bodyJSON             `json:"body"`
	// Sections are where it went, its dead-lettering, its trace.
	Sections []sectionJSON `json:"sections"`
}

type bodyJSON struct {
	Kind    string `json:"kind"` // empty, json, text or hex
	Text    string `json:"text"`
	Omitted int    `json:"omitted,omitempty"` // bytes not rendered
}

var bodyKinds = map[decode.BodyKind]string{
	decode.BodyEmpty: "empty", decode.BodyJSON: "json", decode.BodyText: "text", decode.BodyHex: "hex",
}

// serveMessage answers one retained message in full, decoded again as the
// terminal UI's detail pane decodes it.
func (s *Server) serveMessage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want ?id=N, the id of a row"})
		return
	}
	m, ok := s.hub.message(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "this message is no longer retained: newer messages pushed it out (shoveltap --retain keeps more)"})
		return
	}
	rd := m.Reading // set by the hub; its body is decoded once and kept
	body := rd.Body()
	decoded := rd.Fields()
	fields := make([]reading.Field, len(decoded))
	for i, f := range decoded {
		fields[i] = reading.Field{Name: f.Name, Value: f.Value}
	}
	writeJSON(w, http.StatusOK, detailJSON{
		ID: id, Seq: m.Seq, TimeMS: m.Time.UnixMilli(),
		Exchange: rd.Cells.Exchange, RoutingKey: rd.Cells.RoutingKey, Source: rd.Cells.Source,
		Size: m.Size(), Redelivered: m.Redelivered,
		Format: rd.Cells.Format, Summary: rd.Cells.Summary,
		Fields: fields, Notes: nonNil(rd.Shown.Notes),
		Properties: nonNil(rd.Properties), Headers: nonNil(rd.Headers()),
		Body:     bodyJSON{Kind: bodyKinds[body.Kind], Text: body.Text, Omitted: body.Omitted},
		Sections: extraSections(rd, s.traceURL),
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
