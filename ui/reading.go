package ui

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// Reading is what the terminal UI makes of one message, as plain values for
// another view of the same stream (the web monitor): the same decoding, the
// same sanitising and the same filter subject, so that a query narrows both
// alike. Every string is sanitised (tap/sanitize); the raw message is not
// kept.
type Reading struct {
	Time        string // the table's time cell (local time of this machine)
	Source      string
	Exchange    string // "(default)" for the default exchange
	RoutingKey  string
	Size        string // the table's size cell, e.g. 1.2K
	ContentType string
	Format      string
	Summary     string
	Fields      []Field // the decoded section
	Notes       []string
	Properties  []Field // the AMQP properties that are set, in spec order
	Headers     []HeaderLine
	// Subject is what a filter.Matcher tests, built as the TUI builds it.
	Subject filter.Subject
}

// Field is one labelled value.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HeaderLine is one line of the headers section: a key at a depth with its
// value, or a key that opens a nested table or list (Value "").
type HeaderLine struct {
	Depth int    `json:"depth"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Read decodes m as the terminal UI does for its table, detail pane and
// filter.
func Read(m tap.Message) Reading {
	e := newEntry(m)
	r := Reading{
		Time:        e.cells.time,
		Source:      e.cells.source,
		Exchange:    e.cells.exchange,
		RoutingKey:  e.cells.routingKey,
		Size:        e.cells.size,
		ContentType: e.cells.contentType,
		Format:      e.cells.format,
		Summary:     e.cells.summary,
		Notes:       e.res.Notes,
		Subject:     e.subject,
	}
	for _, f := range e.res.Fields {
		r.Fields = append(r.Fields, Field{f.Name, f.Value})
	}
	for _, p := range e.props {
		r.Properties = append(r.Properties, Field{p.name, p.value})
	}
	for _, h := range e.headers {
		r.Headers = append(r.Headers, HeaderLine{h.depth, h.key, h.value})
	}
	return r
}

// ReadBody renders m's body as the detail pane does (pretty JSON, text or a
// hex dump, cut at the decoder's limit), sanitised.
func ReadBody(m tap.Message) decode.Body {
	return (&entry{msg: m}).body()
}
