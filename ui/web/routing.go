package web

import (
	"strconv"
	"strings"

	"github.com/shoveltap/shoveltap/tap/reading"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// sectionJSON is one section of the detail view the page draws as it
// comes: where the message went, its dead-lettering, its trace. Every
// string is sanitised here; the page puts them in the DOM as text only,
// and Link only as an http(s) href (tracectx.CheckTemplate).
type sectionJSON struct {
	Title  string          `json:"title"`
	Mark   string          `json:"mark,omitempty"` // "bad": drawn as a warning
	Fields []reading.Field `json:"fields"`
	Notes  []string        `json:"notes,omitempty"`
	Link   string          `json:"link,omitempty"`
}

// extraSections are the detail view's routing, dead-letter and trace
// sections of a reading.
func extraSections(rd *reading.Reading, traceURL string) []sectionJSON {
	out := []sectionJSON{}
	if w := rd.Route; w != nil {
		res := w.Result
		s := sectionJSON{Title: "routed to · " + strconv.Itoa(len(res.Queues)) + " queue(s)"}
		switch res.Verdict {
		case routing.Unroutable:
			s.Title, s.Mark = "routed to · UNROUTABLE", "bad"
			s.Notes = append(s.Notes, "no production queue got this message: the broker dropped it (or returned it to a mandatory publisher)")
		case routing.Unknown:
			s.Title = "routed to · unknown"
		}
		for _, q := range res.Queues {
			var path []string
			for _, st := range q.Path {
				path = append(path, st.String())
			}
			s.Fields = append(s.Fields, reading.Field{Name: "queue " + q.Queue, Value: "via " + strings.Join(path, "; ")})
		}
		if res.UsedAlternate {
			s.Notes = append(s.Notes, "an alternate exchange was used (an exchange on the way matched nothing)")
		}
		for _, u := range res.Unknowns {
			s.Notes = append(s.Notes, "cannot say: "+u)
		}
		s.Notes = append(s.Notes, res.Notes...)
		for _, d := range w.DeadLetters {
			s.Fields = append(s.Fields, reading.Field{Name: "dead letters of " + d.Queue,
				Value: "to exchange " + strconv.Quote(d.DeadLetter.Exchange) + ": " + d.Result.Summary()})
		}
		out = append(out, s)
	}
	if dl := rd.DeadLetter; dl != nil {
		s := sectionJSON{Title: "dead letter · " + dl.Summary(), Notes: dl.Problems}
		for _, d := range dl.Deaths {
			v := d.Reason + " from queue " + d.Queue + " (" + strconv.FormatInt(d.Count, 10) + "×), published to " +
				strconv.Quote(d.Exchange) + " with " + strings.Join(d.Keys, ", ")
			s.Fields = append(s.Fields, reading.Field{Name: "x-death", Value: v})
		}
		if f := dl.First; f != nil {
			s.Fields = append(s.Fields, reading.Field{Name: "first death", Value: f.Reason + " from queue " + f.Queue})
		}
		out = append(out, s)
	}
	if c := rd.Decoded.Trace; c != nil && c.Valid() {
		out = append(out, sectionJSON{Title: "trace", Link: c.Link(traceURL),
			Fields: []reading.Field{{Name: "trace id", Value: c.TraceID}, {Name: "span id", Value: c.SpanID}}})
	}
	for i := range out {
		s := &out[i]
		s.Title = sanitize.Line(s.Title)
		for j := range s.Fields {
			s.Fields[j] = reading.Field{Name: sanitize.Line(s.Fields[j].Name), Value: sanitize.Line(s.Fields[j].Value)}
		}
		for j := range s.Notes {
			s.Notes[j] = sanitize.Line(s.Notes[j])
		}
		if s.Fields == nil {
			s.Fields = []reading.Field{}
		}
	}
	return out
}
