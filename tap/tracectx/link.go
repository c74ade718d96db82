package tracectx

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Placeholders of a link template (an environment's trace-url).
const (
	TraceIDPlaceholder = "{trace_id}"
	SpanIDPlaceholder  = "{span_id}"
)

// CheckTemplate finds what would make a trace-url template useless: it
// must be an http(s) URL with {trace_id} in it.
func CheckTemplate(tmpl string) error {
	if !strings.Contains(tmpl, TraceIDPlaceholder) {
		return fmt.Errorf("trace-url %q has no %s: write where the trace ID goes, e.g. https://grafana.example/explore?traceId={trace_id}", tmpl, TraceIDPlaceholder)
	}
	u, err := url.Parse(strings.NewReplacer(TraceIDPlaceholder, "0", SpanIDPlaceholder, "0").Replace(tmpl))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("trace-url " + fmt.Sprintf("%q", tmpl) + ": want an http:// or https:// address, e.g. https://grafana.example/explore?traceId={trace_id}")
	}
	return nil
}

// Link fills tmpl with c's IDs; "" when c is not valid or tmpl is empty.
// The IDs are hex digits, so nothing in them needs escaping.
func (c Context) Link(tmpl string) string {
	if tmpl == "" || !c.Valid() {
		return ""
	}
	return strings.NewReplacer(TraceIDPlaceholder, c.TraceID, SpanIDPlaceholder, c.SpanID).Replace(tmpl)
}
