package ui

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// searchBody is how much of a body the free-text filter looks at.
const searchBody = 16 << 10

// entry is one retained message with everything the UI derived from it at
// ingest: the decoder's result and the table cells, all sanitised, and the
// filter's view of it. Only the raw body is left unsanitised, for the hex view
// and for decoding again.
type entry struct {
	msg tap.Message
	// res is the decoder's result, sanitised, without the rendered body:
	// the detail pane renders it again when it opens (it shows one message
	// at a time), so retained messages do not each hold a rendering several
	// times their size (a hex dump is about 4 bytes a byte).
	res decode.Result

	cells   cells
	props   []field      // set properties, sanitised
	headers []headerLine // flattened, sorted, sanitised
	subject filter.Subject

	// deliveries are the deliveries of this published message seen so far
	// (--deliveries); ofSummary is, for a delivery, the summary of the
	// message it delivers when that was retained.
	deliveries []deliveryNote
	ofSummary  string

	// row caches the rendered table row for one set of columns; it is
	// filled when the row is first drawn and rebuilt when the width changes.
	row     string // styled, for ordinary rows
	rowSel  string // plain, for the selected row
	rowCols int    // columns key the row was built for; 0 means none
	evicted bool   // pushed out of the ring
}

// cells are the table's texts for a message, before fitting to widths.
type cells struct {
	time, source, exchange, routingKey, size, contentType, format, summary string
}

type field struct{ name, value string }

// headerLine is one line of the headers section: a key at a depth with an
// inline value, or a key that opens a nested map or list (value == "").
type headerLine struct {
	depth      int
	key, value string
}

// newEntries makes the entries of a batch. It touches no model state, so
// it runs in the command that received the batch, off the UI goroutine.
// With redact, secrets are taken out of each message first (--redact), so
// that nothing on screen, saved or copied holds them.
func newEntries(msgs []tap.Message, redact bool) []*entry {
	out := make([]*entry, len(msgs))
	for i, m := range msgs {
		if redact {
			m = jsonl.Redact(m)
		}
		out[i] = newEntry(m)
	}
	return out
}

func newEntry(m tap.Message) *entry {
	res := m.Result()
	if res.Body.Kind != decode.BodyJSON && res.Body.Kind != decode.BodyText {
		// Only JSON and text bodies are searched as rendered (see
		// haystack), and entries keep no rendering: a hex dump, four
		// times the body, is not worth sanitising here.
		res.Body.Text = ""
	}
	e := &entry{msg: m}
	e.msg.Decoded = nil // the entry keeps its own sanitised result, without the rendered body
	e.res = sanitizeResult(res)
	e.cells = cells{
		time:        formatTime(m.Time),
		source:      sanitize.Line(m.Source),
		exchange:    sanitize.Line(m.Exchange),
		routingKey:  sanitize.Line(m.RoutingKey),
		size:        humanSize(m.Size()),
		contentType: sanitize.Line(m.Properties.ContentType),
		format:      e.res.Format,
		summary:     e.res.Summary,
	}
	if e.cells.exchange == "" {
		e.cells.exchange = "(default)"
	}
	if m.Delivery != nil {
		deliveryCells(e)
	}
	e.props = properties(m.Properties)
	e.headers = flattenHeaders(m.Headers)
	e.subject = filter.Subject{
		Text:        haystack(e),
		RoutingKey:  e.cells.routingKey,
		Exchange:    m.Exchange,
		ContentType: e.cells.contentType,
		Format:      e.cells.format, // a delivery's is "delivery"
		Terms:       e.res.Terms,
	}
	e.res.Body.Text = "" // the haystack has what the filter needs
	return e
}

// body returns the rendered body for the detail pane, decoding the message
// again: entries keep no rendering.
func (e *entry) body() decode.Body {
	return sanitizeResult(decode.Decode(e.msg.DecodeInput())).Body
}

// sanitizeResult returns res with every string that reaches the screen made
// safe. Terms are left as they are: they are only compared, never shown.
func sanitizeResult(res decode.Result) decode.Result {
	res.Format = sanitize.Line(res.Format)
	res.Summary = sanitize.Line(res.Summary)
	if len(res.Fields) > 0 {
		fields := make([]decode.Field, len(res.Fields))
		for i, f := range res.Fields {
			fields[i] = decode.Field{Name: sanitize.Line(f.Name), Value: sanitize.Line(f.Value)}
		}
		res.Fields = fields
	}
	if len(res.Notes) > 0 {
		notes := make([]string, len(res.Notes))
		for i, n := range res.Notes {
			notes[i] = sanitize.Line(n)
		}
		res.Notes = notes
	}
	res.Body.Text = sanitize.Block(res.Body.Text)
	return res
}

// haystack is the lower-cased text the free-text filter searches: what the
// table shows plus headers, decoded fields and the start of the body.
// Newlines separate the parts so that a match never spans two of them.
func haystack(e *entry) string {
	b := make([]byte, 0, 256)
	// Each part is lower-cased on its own, so that one non-ASCII part
	// (an ellipsis in a summary) does not send the whole haystack through
	// unicode.ToLower.
	add := func(s string) {
		b = appendLower(b, s)
		b = append(b, '\n')
	}
	add(e.cells.routingKey)
	add(e.cells.exchange)
	add(e.cells.contentType)
	add(e.res.Format)
	add(e.res.Summary)
	for _, f := range e.res.Fields {
		add(f.Value)
	}
	for _, h := range e.headers {
		add(h.key + ": " + h.value)
	}
	for _, p := range e.props {
		add(p.value)
	}
	if d := e.msg.Delivery; d != nil {
		add(consumerLabel(d, false) + " " + sanitize.Line(d.User))
	}
	switch e.res.Body.Kind {
	case decode.BodyJSON, decode.BodyText:
		add(cutString(e.res.Body.Text, searchBody))
	case decode.BodyHex:
		// The hex digits would match almost anything; the text inside a
		// binary body lets it be found.
		b = appendTextRuns(b, e.msg.Body, searchBody)
		b = append(b, '\n')
	}
	return string(b)
}

// appendLower appends strings.ToLower(s) to dst without building it
// first: ASCII byte by byte, anything else rune by rune as strings.ToLower
// does (an invalid byte becomes U+FFFD).
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// appendTextRuns appends the printable text in the first n bytes of a
// binary body, lower-cased, each run of anything else turned into one
// newline, so that a match never spans two runs. The raw bytes would send
// every byte through unicode.ToLower (and double the haystack with
// replacement characters). It is appendLower of that text, in one pass.
func appendTextRuns(dst, b []byte, n int) []byte {
	b = b[:min(len(b), n)]
	gap := false
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c < 0x7f {
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
				gap = false
			} else if !gap {
				dst = append(dst, '\n')
				gap = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r != utf8.RuneError || size > 1) && unicode.IsPrint(r) {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			gap = false
		} else if !gap {
			dst = append(dst, '\n')
			gap = true
		}
		i += size
	}
	return dst
}

func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// properties lists the AMQP properties that are set, in the order of the
// AMQP specification.
func properties(p tap.Properties) []field {
	var out []field
	add := func(name, value string) {
		if value != "" {
			out = append(out, field{name, sanitize.Line(value)})
		}
	}
	add("content_type", p.ContentType)
	add("content_encoding", p.ContentEncoding)
	switch p.DeliveryMode {
	case 0:
	case 1:
		add("delivery_mode", "1 (transient)")
	case 2:
		add("delivery_mode", "2 (persistent)")
	default:
		add("delivery_mode", strconv.Itoa(int(p.DeliveryMode)))
	}
	if p.Priority > 0 {
		add("priority", strconv.Itoa(int(p.Priority)))
	}
	add("correlation_id", p.CorrelationID)
	add("reply_to", p.ReplyTo)
	add("expiration", p.Expiration)
	add("message_id", p.MessageID)
	if !p.Timestamp.IsZero() {
		add("timestamp", formatTimestamp(p.Timestamp))
	}
	add("type", p.Type)
	add("user_id", p.UserID)
	add("app_id", p.AppID)
	return out
}

func formatTimestamp(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// inlineList is the widest a list of scalars may be to stay on one line.
const inlineList = 60

// flattenHeaders turns the header table into lines: keys sorted, nested
// maps and lists indented below their key.
func flattenHeaders(h map[string]any) []headerLine {
	if len(h) == 0 {
		return nil
	}
	var out []headerLine
	for _, k := range sortedKeys(h) {
		out = flattenValue(out, 0, sanitize.Line(k), h[k])
	}
	return out
}

func flattenValue(out []headerLine, depth int, key string, v any) []headerLine {
	switch v := v.(type) {
	case map[string]any:
		out = append(out, headerLine{depth, key, ""})
		if len(v) == 0 {
			out[len(out)-1].value = "{}"
		}
		for _, k := range sortedKeys(v) {
			out = flattenValue(out, depth+1, sanitize.Line(k), v[k])
		}
	case []any:
		if s, ok := inlineScalars(v); ok {
			return append(out, headerLine{depth, key, s})
		}
		out = append(out, headerLine{depth, key, ""})
		for i, item := range v {
			out = flattenValue(out, depth+1, "["+strconv.Itoa(i)+"]", item)
		}
	default:
		out = append(out, headerLine{depth, key, scalar(v)})
	}
	return out
}

// inlineScalars renders a short list of scalars as [a, b, c].
func inlineScalars(items []any) (string, bool) {
	parts := make([]string, 0, len(items))
	n := 0
	for _, it := range items {
		switch it.(type) {
		case map[string]any, []any:
			return "", false
		}
		s := scalar(it)
		n += len(s) + 2
		if n > inlineList {
			return "", false
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, ", ") + "]", true
}

// scalar renders one header value, sanitised.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if v == "" {
			return `""`
		}
		return sanitize.Line(v)
	case []byte:
		if utf8.Valid(v) && len(v) <= 256 {
			return sanitize.Line(string(v))
		}
		const show = 32
		s := "0x" + hex.EncodeToString(v[:min(len(v), show)])
		if len(v) > show {
			s += "…"
		}
		return s + " (" + strconv.Itoa(len(v)) + " bytes)"
	case time.Time:
		return formatTimestamp(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return sanitize.Line(fmt.Sprint(v))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
