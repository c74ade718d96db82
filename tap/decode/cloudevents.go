package decode

import (
	"encoding/base64"
	"sort"
	"strings"
)

// CloudEvents (https://cloudevents.io) over AMQP. The AMQP protocol binding
// puts the attributes of a binary-mode event in application properties
// named cloudEvents_<attr> (spec 1.0.2; drafts and Azure use
// cloudEvents:<attr>) and the data in the body, described by the content
// type. A structured-mode event is the whole event as JSON in the body,
// with content type application/cloudevents+json.

// ceAttrs are the context attributes shown first, in this order.
var ceAttrs = []struct{ key, label string }{
	{"type", "Event type"}, {"source", "Source"}, {"id", "Event ID"},
	{"subject", "Subject"}, {"time", "Time"}, {"specversion", "Spec version"},
	{"datacontenttype", "Data content type"}, {"dataschema", "Data schema"},
}

// ceTerms are the attributes that become filter terms (ce.type, …).
var ceTerms = []string{"type", "source", "id", "subject", "time"}

// maxCEExtensions bounds the extension attributes listed.
const maxCEExtensions = 24

// ceHeaderAttr returns the attribute a header names, if it is one.
func ceHeaderAttr(key string) (string, bool) {
	if len(key) > len("cloudEvents_") && strings.EqualFold(key[:len("cloudEvents")], "cloudEvents") {
		if c := key[len("cloudEvents")]; c == '_' || c == ':' {
			return strings.ToLower(key[len("cloudEvents_"):]), true
		}
	}
	return "", false
}

// recogniseCloudEventsBinary claims binary-mode events: a
// cloudEvents_specversion (or cloudEvents:specversion) header.
func recogniseCloudEventsBinary(m *msg) (Result, bool) {
	attrs := map[string]string{}
	for k, v := range m.in.Headers {
		if a, ok := ceHeaderAttr(k); ok {
			attrs[a] = scalarString(v)
		}
	}
	if attrs["specversion"] == "" {
		return Result{}, false
	}
	if attrs["datacontenttype"] == "" {
		attrs["datacontenttype"] = m.in.ContentType
	}
	data := decodeGeneric(m.in, m.body)
	r := ceResult(attrs, data, "binary")
	return r, true
}

// recogniseCloudEventsStructured claims structured-mode events: the
// application/cloudevents+json content type, or a JSON object with
// specversion, id, source and type (what the spec requires).
func recogniseCloudEventsStructured(m *msg) (Result, bool) {
	byType := m.media == "application/cloudevents+json"
	o, ok := m.jsonObjectBody(byType)
	if !ok {
		return m.notAnEnvelope(byType, "cloudevents", "content type application/cloudevents+json but the body is not a JSON object")
	}
	if !byType && (o.str("specversion") == "" || o.str("id") == "" || o.str("source") == "" || o.str("type") == "") {
		return Result{}, false
	}
	attrs := map[string]string{}
	for _, mb := range o {
		if mb.Key == "data" || mb.Key == "data_base64" {
			continue
		}
		attrs[strings.ToLower(mb.Key)] = scalarString(mb.Val)
	}
	var data Result
	switch {
	case o.has("data_base64"):
		raw, err := base64.StdEncoding.DecodeString(o.str("data_base64"))
		if err != nil {
			data = Result{Format: "text", Body: Body{Kind: BodyText, Text: truncate(o.str("data_base64"), maxRender)}}
			data.addNote("data_base64 is not base64: shown as is")
			break
		}
		din := m.in
		din.ContentType = attrs["datacontenttype"]
		din.Headers = nil
		data = decodeGeneric(din, raw)
		data.addField("Data", "data_base64, "+sizeString(len(raw)))
	case o.has("data"):
		d, _ := o.get("data")
		data.Summary = string(appendJSON(nil, redactValue(d, 0), 0, maxSummary))
		data.Body = m.in.valueBody(d)
	default:
		data.Body = Body{Kind: BodyEmpty}
		data.Summary = "(no data)"
	}
	return ceResult(attrs, data, "structured"), true
}

// ceResult renders an event from its attributes and its rendered data.
func ceResult(attrs map[string]string, data Result, mode string) Result {
	var r Result
	r.Format = "cloudevents"
	typ := attrs["type"]
	r.Summary = oneLine(strings.TrimSpace(typ+" "+attrs["subject"]+" "+data.Summary), maxSummary)
	for _, a := range ceAttrs {
		r.addField(a.label, attrs[a.key])
	}
	r.addField("Content mode", mode)
	var ext []string
	for k := range attrs {
		known := k == "data"
		for _, a := range ceAttrs {
			known = known || a.key == k
		}
		if !known {
			ext = append(ext, k)
		}
	}
	sort.Strings(ext)
	if len(ext) > maxCEExtensions {
		r.addNote("more extension attributes not listed")
		ext = ext[:maxCEExtensions]
	}
	for _, k := range ext {
		v := attrs[k]
		if IsSecretKey(k) && v != "" {
			v = redacted
		}
		r.addField("Extension "+k, v)
	}
	for _, k := range ceTerms {
		r.setTerm("ce."+k, attrs[k])
	}
	r.setTerm("type", typ)
	r.setTerm("id", attrs["id"])
	r.Fields = append(r.Fields, data.Fields...)
	r.Body = data.Body
	for _, n := range data.Notes {
		r.addNote(n)
	}
	return r
}
