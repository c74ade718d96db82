// Package reading is what every view shows of a message: the table's
// cells, the decoded summary and fields, the AMQP properties, the flattened
// headers and the filter's subject, all sanitised. A Reading is built once
// per message, in the decoding stage (tap/pipeline), carried with the
// message (tap.Message.Reading), and read by the terminal UI, the web
// monitor, JSON lines (--filter) and `shoveltap open` alike, so that they
// show the same and a query selects the same messages in each.
//
// It imports neither tap (tap imports it, for the field) nor any UI.
package reading

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/routing"
	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/tap/tracectx"
)

// searchBody is how much of a body the free-text filter looks at.
const searchBody = 16 << 10

// Input is what a Reading is made from: a message as plain values (see
// tap.Message.ReadingInput).
type Input struct {
	Message    decode.Input // what the decoders read; its Body and Headers are shared, not copied
	Time       time.Time    // when shoveltap received it
	Source     string
	Properties Properties
	Delivery   *Delivery // set for the firehose's report of a delivery (--deliveries)
}

// Properties are the AMQP basic properties of a message, as tap.Properties.
type Properties struct {
	ContentType, ContentEncoding string
	DeliveryMode, Priority       uint8
	CorrelationID, ReplyTo       string
	Expiration, MessageID        string
	Timestamp                    time.Time
	Type, UserID, AppID          string
}

// Delivery is what a reading shows of a delivery to a consumer.
type Delivery struct {
	Connection  string
	Channel     int
	User        string
	Redelivered bool
}

// Reading is one message as every view shows it. Every string in it is
// sanitised (tap/sanitize) except Decoded's, which are as the decoder
// found them, for JSON lines. It is immutable once built, and safe to
// share between goroutines: the parts only a detail view or a free-text
// term reads (Body, Fields, Headers, SearchText) are made on first use,
// once, whichever goroutine asks first.
type Reading struct {
	Cells Cells
	// Decoded is the decoder's result (decode.Summarize) as found, without
	// a rendered body, and without the fields when the read stage left
	// them out (FieldsLeftOut): Result has them, for JSON lines.
	Decoded decode.Result
	// Shown is Decoded sanitised for a screen: Format, Summary, Fields and
	// Notes. Its Body keeps only Kind; Body renders the body, and Fields
	// gives the fields the read stage left out.
	Shown      decode.Result
	Properties []Field // the AMQP properties that are set, in spec order
	// Subject is what a filter.Matcher tests. Its free-text haystack is
	// the reading's SearchText, made when a free-text term first asks.
	Subject filter.Subject
	// Route is where the broker sent the message (tap/routing), nil when
	// no routing model was at hand (no management API, not loaded yet, a
	// capture file, a delivery). Set by the read stage (SetRoute).
	Route *routing.Where
	// DeadLetter is the decoded x-death headers, nil for a message that
	// was never dead-lettered.
	DeadLetter *decode.DeadLetter
	// Facts is what the message tells about task lifecycles
	// (decode.Facts, for tap/lifecycle), read here, off the UI goroutine,
	// for Celery and oslo.messaging messages only; nil for the rest.
	Facts []decode.Fact

	in  decode.Input
	dec *decode.Decoder // the decoder Body and SearchText use again; nil: the built-in ones

	delivery string // a delivery's consumer and user, for the haystack
	// given is the body's text an extension gave although not asked for
	// it (a hook's answer: decode.Input.Brief), searched as it is rather
	// than asked for again.
	given string

	// later holds the parts made when a view first asks (lazy).
	later atomic.Pointer[later]
}

// later is what a reading makes only when a view first asks for it (Body,
// Headers, Fields, SearchText), once, whichever goroutine asks first. It
// is apart from the reading, made with the first of them: most readings
// never have one made, and it would be a sixth of each.
type later struct {
	// The headers as a detail view lists them (Headers).
	headersOnce sync.Once
	headers     []HeaderLine

	bodyOnce sync.Once
	body     decode.Body

	// The fields the read stage left out (decode.Result.FieldsLeftOut):
	// as found and sanitised.
	fieldsOnce  sync.Once
	foundFields []decode.Field
	shownFields []decode.Field

	textOnce sync.Once
	text     atomic.Pointer[string] // set once made
}

// lazy is the reading's later parts, made on the first call.
func (r *Reading) lazy() *later {
	if l := r.later.Load(); l != nil {
		return l
	}
	r.later.CompareAndSwap(nil, &later{})
	return r.later.Load()
}

// Cells are the table's texts for a message, before fitting to widths.
type Cells struct {
	Time, Source, Exchange, RoutingKey, Size, ContentType, Format, Summary string
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

// Build reads a message: it decodes it (decode.SummarizeFactsWithoutFields:
// no hex dump, no body text, no decoded fields), sanitises what shows and
// builds the filter's subject. What only a detail view or a free-text
// term reads (Body, Fields, SearchText) waits until one asks.
func Build(in Input) *Reading {
	return BuildWith(nil, in)
}

// BuildWith is Build with the user's decoders (Protobuf, Avro, hooks;
// tap/decode/formats/load) tried first, here and again in Body. A nil dec
// is Build.
func BuildWith(dec *decode.Decoder, in Input) *Reading {
	// One look at the body for the summary and the lifecycle facts.
	res, facts := dec.SummarizeFactsWithoutFields(in.Message, func(res decode.Result) bool { return wantFacts(in, res) })
	r := fromResult(in, res, facts)
	r.dec = dec
	return r
}

// BuildForLines is BuildWith with the decoded fields made at once: JSON
// lines and a recording write every message's fields, and would otherwise
// ask the decoder a second time for each.
func BuildForLines(dec *decode.Decoder, in Input) *Reading {
	res, facts := dec.SummarizeFacts(in.Message, func(res decode.Result) bool { return wantFacts(in, res) })
	r := fromResult(in, res, facts)
	r.dec = dec
	return r
}

// wantFacts says whether a message may tell about a task's or an RPC
// call's life: only those pay for decode.Facts. A delivery report repeats
// a message already tapped: not a fact of its own.
func wantFacts(in Input, res decode.Result) bool {
	return in.Delivery == nil && LifecycleShaped(res.Format)
}

// fromResult is Build with the decoder's result and the facts already
// read.
func fromResult(in Input, res decode.Result, facts []decode.Fact) *Reading {
	m := in.Message
	r := &Reading{in: m}
	if res.Body.Kind == decode.BodyJSON || res.Body.Kind == decode.BodyText {
		// Only JSON and text bodies are searched as rendered (see
		// haystack). A hex dump is never searched.
		r.given = res.Body.Text
	}
	res.Body.Text = ""
	r.Shown = sanitizeResult(res)
	r.Cells = Cells{
		Time:        FormatTime(in.Time),
		Source:      sanitize.Line(in.Source),
		Exchange:    sanitize.Line(m.Exchange),
		RoutingKey:  sanitize.Line(m.RoutingKey),
		Size:        HumanSize(len(m.Body)),
		ContentType: sanitize.Line(m.ContentType),
		Format:      r.Shown.Format,
		Summary:     r.Shown.Summary,
	}
	if r.Cells.Exchange == "" {
		r.Cells.Exchange = "(default)"
	}
	if d := in.Delivery; d != nil {
		r.Cells.Format = "delivery"
		if d.Redelivered {
			r.Cells.Format = "redelivery"
		}
		to := "to " + ConsumerLabel(d.Connection, d.Channel, true)
		if r.Cells.Summary != "" {
			to += " · " + r.Cells.Summary
		}
		r.Cells.Summary = to
		r.delivery = ConsumerLabel(d.Connection, d.Channel, false) + " " + sanitize.Line(d.User)
	}
	r.Properties = properties(in.Properties)
	if dl, ok := decode.DeadLettered(m.Headers); ok {
		r.DeadLetter = &dl
	}
	r.Subject = filter.Subject{
		TextFrom:    r,
		RoutingKey:  r.Cells.RoutingKey,
		Exchange:    m.Exchange,
		ContentType: r.Cells.ContentType,
		Format:      r.Cells.Format, // a delivery's is "delivery"
		Terms:       r.Shown.Terms,
	}
	r.Decoded = res
	r.Facts = facts
	return r
}

// FactsRead says whether the read stage looked for the message's
// lifecycle facts (Facts may still be empty): a publish the decoder took
// for Celery or oslo.messaging (wantFacts' test, on what the reading
// keeps: a delivery's reading names its consumer).
func (r *Reading) FactsRead() bool { return r.delivery == "" && LifecycleShaped(r.Decoded.Format) }

// Counted is the reading of a message that the views only count
// (tap.Message.CountOnly: a capture's line before the ones `shoveltap
// open` keeps), made of what its line says the tap read of it: its
// lifecycle facts, its dead letter and its trace context. It has nothing
// to show (no cells, no subject), and nothing asks it for more.
func Counted(facts []decode.Fact, dl *decode.DeadLetter, trace *tracectx.Context) *Reading {
	r := &Reading{Facts: facts, DeadLetter: dl}
	r.Decoded.Trace = trace
	return r
}

// SetRoute records where the broker sent the message, and lets the
// filter's route: term see it. Only the read stage calls it, before the
// reading is handed on: a reading is immutable once shared.
func (r *Reading) SetRoute(w *routing.Where) {
	r.Route = w
	if w == nil {
		r.Subject.Route = ""
		return
	}
	r.Subject.Route = w.Result.Verdict + " " + strings.Join(w.Result.QueueNames(), " ")
}

// Unroutable reports whether the routing model says no production queue
// got the message.
func (r *Reading) Unroutable() bool {
	return r.Route != nil && r.Route.Result.Verdict == routing.Unroutable
}

// LifecycleShaped says whether a message the decoder recognised as
// format may tell about a task's or an RPC call's life; only those pay
// for decode.Facts' second look at the body, and only their lines carry
// facts in a capture (tap/jsonl).
func LifecycleShaped(format string) bool {
	return strings.HasPrefix(format, "celery") || strings.HasPrefix(format, "oslo")
}

// Body is the body rendered in full for a detail view (pretty JSON, text
// or a hex dump, cut at the decoder's limit), sanitised. It is decoded
// the first time it is asked for and kept: a detail view decodes its
// message once however often it is shown.
func (r *Reading) Body() decode.Body {
	l := r.lazy()
	l.bodyOnce.Do(func() {
		l.body = r.dec.Decode(r.in).Body
		l.body.Text = sanitize.Block(l.body.Text)
	})
	return l.body
}

// Headers are the message's headers flattened, keys sorted, sanitised;
// listed the first time a view asks (a detail view, a free-text term),
// and kept.
func (r *Reading) Headers() []HeaderLine {
	l := r.lazy()
	l.headersOnce.Do(func() { l.headers = flattenHeaders(r.in.Headers) })
	return l.headers
}

// Fields is the decoded section, sanitised (Shown's). Those the read stage
// left out are made the first time they are asked for (a detail view, a
// free-text term) and kept.
func (r *Reading) Fields() []decode.Field {
	if !r.Decoded.FieldsLeftOut {
		return r.Shown.Fields
	}
	return r.makeFields(nil).shownFields
}

// Result is Decoded with its fields, as the decoder found them: what JSON
// lines and saves write.
func (r *Reading) Result() decode.Result {
	res := r.Decoded
	if res.FieldsLeftOut {
		res.Fields, res.FieldsLeftOut = r.makeFields(nil).foundFields, false
	}
	return res
}

// makeFields makes the fields the read stage left out, once: from sum
// when the caller has Summarize's result at hand (the haystack), else
// from a Summarize of its own. A decoder hook is not asked again
// (decode.WithoutPrograms): a hook's answer keeps its fields, so the
// fields left out are always the built-in decoders'.
func (r *Reading) makeFields(sum *decode.Result) *later {
	l := r.lazy()
	l.fieldsOnce.Do(func() {
		if sum == nil {
			res := r.dec.WithoutPrograms().Summarize(r.in)
			sum = &res
		}
		l.foundFields = sum.Fields
		l.shownFields = sanitizeFields(sum.Fields)
	})
	return l
}

// ConsumerLabel names a delivery's consumer: its connection (only the
// client's end when short) and channel, sanitised.
func ConsumerLabel(conn string, channel int, short bool) string {
	if short {
		conn, _, _ = strings.Cut(conn, " -> ")
	}
	if conn == "" {
		conn = "an unnamed connection"
	}
	return sanitize.Line(conn) + " ch " + strconv.Itoa(channel)
}

// timeLayout is the table's time column: local time with milliseconds.
const timeLayout = "15:04:05.000"

// FormatTime is the table's time cell.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "--:--:--.---"
	}
	return t.Local().Format(timeLayout)
}

// HumanSize formats a byte count in at most five cells: 512B, 1.2K, 34K,
// 5.6M, 1.1G.
func HumanSize(n int) string {
	const unit = 1024
	if n < unit {
		return strconv.Itoa(n) + "B"
	}
	v := float64(n)
	for _, suffix := range []string{"K", "M", "G", "T"} {
		v /= unit
		if v < 9.95 {
			return strconv.FormatFloat(v, 'f', 1, 64) + suffix
		}
		if v < 999.5 {
			return strconv.FormatFloat(v, 'f', 0, 64) + suffix
		}
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "P"
}

// sanitizeResult returns res with every string that reaches the screen made
// safe. Terms are left as they are: they are only compared, never shown.
func sanitizeResult(res decode.Result) decode.Result {
	orig := res
	res.Format = sanitize.Line(res.Format)
	res.Summary = sanitize.Line(res.Summary)
	// The slices are copied only when something in them changes: Shown
	// and Decoded share them otherwise (neither is ever modified).
	res.Fields = sanitizeFields(res.Fields)
	for i, n := range res.Notes {
		if line := sanitize.Line(n); line != n {
			if &res.Notes[0] == &orig.Notes[0] {
				res.Notes = slices.Clone(res.Notes)
			}
			res.Notes[i] = line
		}
	}
	return res
}

// sanitizeFields returns fs with every name and value made safe for a
// screen, copied only when something in it changes.
func sanitizeFields(fs []decode.Field) []decode.Field {
	out := fs
	for i, f := range fs {
		name, value := sanitize.Line(f.Name), sanitize.Line(f.Value)
		if name != f.Name || value != f.Value {
			if &out[0] == &fs[0] {
				out = slices.Clone(fs)
			}
			out[i] = decode.Field{Name: name, Value: value}
		}
	}
	return out
}

// SearchText is the free-text filter's haystack (filter.TextSource). It
// is made the first time a free-text term asks and kept: most messages
// of a tap never meet one, and the body's text it holds (a JSON body
// rendered, a Protobuf body's field values) costs as much again as the
// rest of the reading.
func (r *Reading) SearchText() string {
	// Read without sync.Once's closure, which would be allocated on
	// every call: a filter tests each retained message on each keystroke.
	l := r.lazy()
	if t := l.text.Load(); t != nil {
		return *t
	}
	l.textOnce.Do(func() {
		t := r.haystack()
		r.given = "" // in the haystack now
		l.text.Store(&t)
	})
	return *l.text.Load()
}

// bodyText is the body's rendered text that the haystack searches: the
// text Summarize gives (JSON rendered, a Protobuf body's field values),
// sanitised. A decoder hook is not asked again (decode.WithoutPrograms).
// The same Summarize gives the fields the read stage left out.
func (r *Reading) bodyText() string {
	text := r.given
	if text == "" {
		sum := r.dec.WithoutPrograms().Summarize(r.in)
		if r.Decoded.FieldsLeftOut {
			r.makeFields(&sum)
		}
		text = sum.Body.Text
	}
	return sanitize.Block(text)
}

// haystack is the lower-cased text the free-text filter searches: what the
// table shows plus headers, decoded fields and the start of the body.
// Newlines separate the parts so that a match never spans two of them.
func (r *Reading) haystack() string {
	delivery := r.delivery
	var body string
	bodyLen := 0
	switch r.Shown.Body.Kind {
	case decode.BodyJSON, decode.BodyText:
		body = cutString(r.bodyText(), searchBody)
		bodyLen = len(body)
	case decode.BodyHex:
		bodyLen = min(len(r.in.Body), searchBody)
	}
	// Sized once: lower-casing keeps the length of ASCII text, so the
	// haystack is built without growing.
	n := len(r.Cells.RoutingKey) + len(r.Cells.Exchange) + len(r.Cells.ContentType) + len(r.Shown.Format) +
		len(r.Shown.Summary) + len(delivery) + bodyLen + 8
	fields := r.Fields()
	for _, f := range fields {
		n += len(f.Value) + 1
	}
	headers := r.Headers()
	for _, h := range headers {
		n += len(h.Key) + len(h.Value) + 3
	}
	for _, p := range r.Properties {
		n += len(p.Value) + 1
	}
	b := make([]byte, 0, n)
	// Each part is lower-cased on its own, so that one non-ASCII part
	// (an ellipsis in a summary) does not send the whole haystack through
	// unicode.ToLower.
	add := func(s string) {
		b = appendLower(b, s)
		b = append(b, '\n')
	}
	add(r.Cells.RoutingKey)
	add(r.Cells.Exchange)
	add(r.Cells.ContentType)
	add(r.Shown.Format)
	add(r.Shown.Summary)
	for _, f := range fields {
		add(f.Value)
	}
	for _, h := range headers {
		b = appendLower(b, h.Key)
		b = append(b, ": "...)
		add(h.Value)
	}
	for _, p := range r.Properties {
		add(p.Value)
	}
	if delivery != "" {
		add(delivery)
	}
	switch r.Shown.Body.Kind {
	case decode.BodyJSON, decode.BodyText:
		add(body)
	case decode.BodyHex:
		// The hex digits would match almost anything; the text inside a
		// binary body lets it be found.
		b = appendTextRuns(b, r.in.Body, searchBody)
		b = append(b, '\n')
	}
	if cap(b)-len(b) > len(b)/4 {
		// Much shorter than sized (a binary body's text runs): a copy,
		// so that the reading does not keep the room left unused.
		return string(b)
	}
	// b is not written again: the haystack is b itself, not a copy.
	return unsafe.String(unsafe.SliceData(b), len(b))
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
func properties(p Properties) []Field {
	var out []Field
	add := func(name, value string) {
		if value != "" {
			out = append(out, Field{name, sanitize.Line(value)})
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
		add("timestamp", FormatTimestamp(p.Timestamp))
	}
	add("type", p.Type)
	add("user_id", p.UserID)
	add("app_id", p.AppID)
	return out
}

// FormatTimestamp shows a timestamp property or header value.
func FormatTimestamp(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// inlineList is the widest a list of scalars may be to stay on one line.
const inlineList = 60

// flattenHeaders turns the header table into lines: keys sorted, nested
// maps and lists indented below their key.
func flattenHeaders(h map[string]any) []HeaderLine {
	if len(h) == 0 {
		return nil
	}
	// A line a header, most often: sized once rather than grown.
	out := make([]HeaderLine, 0, len(h))
	for _, k := range sortedKeys(h) {
		out = flattenValue(out, 0, sanitize.Line(k), h[k])
	}
	return out
}

func flattenValue(out []HeaderLine, depth int, key string, v any) []HeaderLine {
	switch v := v.(type) {
	case map[string]any:
		out = append(out, HeaderLine{depth, key, ""})
		if len(v) == 0 {
			out[len(out)-1].Value = "{}"
		}
		for _, k := range sortedKeys(v) {
			out = flattenValue(out, depth+1, sanitize.Line(k), v[k])
		}
	case []any:
		if s, ok := inlineScalars(v); ok {
			return append(out, HeaderLine{depth, key, s})
		}
		out = append(out, HeaderLine{depth, key, ""})
		for i, item := range v {
			out = flattenValue(out, depth+1, "["+strconv.Itoa(i)+"]", item)
		}
	default:
		out = append(out, HeaderLine{depth, key, scalar(v)})
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
		return FormatTimestamp(v)
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
