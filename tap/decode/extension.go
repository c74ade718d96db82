package decode

import "strings"

// Extension decodes messages by something the user supplies: a schema
// (Protobuf, Avro) or a program (a decoder hook). Extensions are tried
// before every built-in recogniser, in the order given, on the body after
// base64 and compression are undone.
type Extension interface {
	// Decode claims the message and returns its result, or returns false
	// to let the next extension or recogniser try; the Notes of a result
	// returned with false are added to the final result (why a hook's
	// answer is missing). It must be safe for concurrent use and must not
	// keep in or body.
	Decode(in Input, body []byte) (Result, bool)
}

// Program marks an extension that runs a program of the user's (a decoder
// hook): each answer costs a round trip, up to the hook's time limit. It
// is asked once per message in the decoding stage, and again only for a
// detail view (Decode); see WithoutPrograms.
type Program interface {
	Extension
	RunsProgram()
}

// Decoder is Decode and Summarize with extensions. The zero Decoder and a
// nil *Decoder decode with the built-in recognisers only.
type Decoder struct {
	exts       []Extension
	noPrograms *Decoder // the same without Program extensions; itself when it has none
}

// NewDecoder returns a Decoder that tries exts first, in order.
func NewDecoder(exts ...Extension) *Decoder {
	d := &Decoder{exts: exts}
	d.noPrograms = d
	var others []Extension
	for _, x := range exts {
		if _, ok := x.(Program); !ok {
			others = append(others, x)
		}
	}
	if len(others) < len(exts) {
		d.noPrograms = &Decoder{exts: others}
		d.noPrograms.noPrograms = d.noPrograms
	}
	return d
}

// WithoutPrograms is d without its Program extensions: what the reading
// summarises again when a free-text filter first asks for a body's text.
// A program's answer had its text already (kept: Input.Brief), and a
// message no program claimed the first time is summarised by the others
// alike, without a second round trip to a program that declined it,
// failed or timed out (a hanging hook would cost its time limit again
// for every message the first free-text query tests).
func (d *Decoder) WithoutPrograms() *Decoder {
	if d == nil || d.noPrograms == nil {
		return d
	}
	return d.noPrograms
}

// Decode is the package's Decode with the extensions tried first.
func (d *Decoder) Decode(in Input) Result {
	if d == nil {
		return Decode(in)
	}
	return decodeWith(in, d.exts)
}

// Summarizing reports whether the input is being summarized for a reading
// (SummarizeFacts in the decoding stage, Summarize when the free-text
// filter first asks for the body's text) rather than decoded for a detail
// view (Decode). An extension may then spare the work only a detail view
// uses: the result's Body.Text is not shown, only searched by the
// free-text filter, so it may be a cheaper text than the rendered body
// (Protobuf gives its fields' values, not its protojson), with Kind
// BodyText.
func (in Input) Summarizing() bool { return in.noHexDump }

// Brief reports whether the result's Body.Text is not wanted at all
// (SummarizeFacts): an extension may leave it out, with Kind still set.
// One that gives it all the same (a hook's answer) has it kept and
// searched, rather than asked again when a free-text filter searches.
func (in Input) Brief() bool { return in.noBodyText }

// Summarize is the package's Summarize with the extensions tried first;
// an extension may leave out what only a detail view shows (see
// Input.Summarizing).
func (d *Decoder) Summarize(in Input) Result {
	in.noHexDump = true
	return d.Decode(in)
}

// SummarizeFacts is Summarize without the body's text (Body.Kind says
// what the body is; Summarize gives its text when a free-text filter asks)
// and, when wantFacts says its result may tell about a lifecycle, Facts of
// the same message, which then reads the body Summarize prepared and
// parsed instead of doing both again (the read stage's one reading per
// message, tap/reading). A result an extension claimed keeps the text the
// extension gave (see Input.Brief).
func (d *Decoder) SummarizeFacts(in Input, wantFacts func(Result) bool) (Result, []Fact) {
	return d.summarizeFacts(in, wantFacts, false)
}

// SummarizeFactsWithoutFields is SummarizeFacts without the built-in
// decoders' fields either (Result.FieldsLeftOut): the decoding stage's
// reading when nothing writes every message's fields (JSON lines, a
// recording), which asks Summarize for them when a detail view or the
// free-text filter wants them. An extension's fields are kept, as its
// text is.
func (d *Decoder) SummarizeFactsWithoutFields(in Input, wantFacts func(Result) bool) (Result, []Fact) {
	return d.summarizeFacts(in, wantFacts, true)
}

func (d *Decoder) summarizeFacts(in Input, wantFacts func(Result) bool, noFields bool) (Result, []Fact) {
	var exts []Extension
	if d != nil {
		exts = d.exts
	}
	sin := in
	sin.noHexDump, sin.noBodyText, sin.noFields = true, true, noFields
	res, m := decodeMsg(sin, exts)
	if !wantFacts(res) {
		return res, nil
	}
	return res, factsOf(in, m)
}

// Helpers for extensions in other packages; they apply the same bounds as
// the built-in decoders.

// AddField appends a field with its value cut to one bounded line; empty
// values are skipped.
func (r *Result) AddField(name, value string) { r.addField(name, value) }

// AddNote appends a note, cut to a bounded length, unless the list is full.
func (r *Result) AddNote(n string) { r.addNote(truncate(n, maxField)) }

// SetTerm records a filter term, cut to a bounded length, when value is set.
func (r *Result) SetTerm(key, value string) { r.setTerm(key, value) }

// SummaryLine cuts s to one line of summary length.
func SummaryLine(s string) string { return oneLine(s, maxSummary) }

// JSONBody renders JSON text for the detail pane, indented and with the
// values of secret-looking keys redacted, as the built-in decoders do.
func JSONBody(js []byte) Body { return prettyJSON(js, true) }

// CompactJSON is a one-line rendering of JSON text cut to summary length,
// secrets redacted.
func CompactJSON(js []byte) string { return compactJSON(js, maxSummary, true) }

// JSONSummary is SummaryLine(prefix + " " + CompactJSON(js)), the usual
// summary of a decoded message (its type's name, then its fields), made
// with one allocation instead of five.
func JSONSummary(prefix string, js []byte) string {
	return jsonSummary(prefix, js, maxSummary, true)
}

// Generic renders a body as the fallback does: JSON, text, hex or empty.
func Generic(in Input, body []byte) Result { return decodeGeneric(in, body) }

// HeaderString returns a header as text, treating unset values as absent.
func HeaderString(h map[string]any, key string) (string, bool) { return headerString(h, key) }

// MaxParse is the largest body any decoder parses into a structure.
const MaxParse = maxParse

// maxFieldTerms bounds the terms one message gets from its decoded fields.
const maxFieldTerms = 64

// SetTermsFromJSON adds a filter term for every scalar leaf of a JSON
// object, named prefix + "." + the dotted path of keys (proto.order_id,
// proto.customer.name), up to a few levels deep and a bounded count. Array
// elements are not terms. Secret-looking keys are skipped.
func (r *Result) SetTermsFromJSON(prefix string, js []byte) {
	if len(js) > maxParse {
		return
	}
	v, err := parseOrderedJSON(js)
	if err != nil {
		return
	}
	n := 0
	r.termsFrom(prefix, v, 0, &n)
}

func (r *Result) termsFrom(path string, v any, depth int, n *int) {
	if *n >= maxFieldTerms {
		return
	}
	switch x := v.(type) {
	case object:
		if depth >= 4 {
			return
		}
		for _, mb := range x {
			if IsSecretKey(mb.Key) || strings.ContainsAny(mb.Key, " \t:\"") {
				continue
			}
			r.termsFrom(path+"."+strings.ToLower(mb.Key), mb.Val, depth+1, n)
		}
	case []any, nil:
	default:
		if depth == 0 {
			return
		}
		*n++
		r.setTerm(path, scalarString(x))
	}
}

// IsTermName reports whether name is a filter term the decoders of this
// package may set beyond the fixed ones: a prefix a decoder owns ("ce.",
// "proto.", "avro.", "hook.") and a field path.
func IsTermName(name string) bool {
	for _, p := range []string{"ce.", "proto.", "avro.", "hook."} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" {
			return true
		}
	}
	return false
}
