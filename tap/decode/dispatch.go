package decode

import (
	"fmt"
	"strings"
)

// recogniser claims a message it knows and decodes it. It returns false to
// let the next one try; it must not modify m.
type recogniser func(m *msg) (Result, bool)

// recognisers run in order: header checks first (cheap and unambiguous),
// then body shapes from most to least specific. Generic rendering is the
// fallback.
var recognisers = []recogniser{
	recogniseCeleryV2,
	recogniseCloudEventsBinary,
	recogniseSpring,
	recogniseNServiceBus,
	recogniseSymfony,
	recogniseEasyNetQ,
	recogniseMassTransit,
	recogniseCloudEventsStructured,
	recogniseCeleryEvent,
	recogniseCeleryResult,
	recogniseCeleryV1,
	recogniseOslo,
	recogniseDramatiq,
	recogniseSerialised,
	recognisePickle,
}

// recoverPanics is switched off by tests so that fuzzing sees decoder
// bugs instead of their hex-dump fallback.
var recoverPanics = true

// Summarize is Decode without the hex dump of a binary body (Body.Text is
// empty, Body.Omitted the body's size): everything else is the same. The
// decoding stage summarizes every message, and nothing that reads its
// results shows a hex dump (the table, the filter, JSON lines); the detail
// pane and the web page Decode the one message they show. A hex dump is
// four times the body and costs more than the rest of decoding.
func Summarize(in Input) Result {
	in.noHexDump = true
	return Decode(in)
}

// Decode turns a message into a Result. It tries each recogniser in turn
// and falls back to generic JSON, text or binary rendering. It never
// panics: a decoder bug turns into a hex dump with a note. It keeps no
// state between calls and is safe for concurrent use.
func Decode(in Input) Result {
	return decodeWith(in, nil)
}

// decodeWith is Decode with the user's extensions tried first: a schema or
// program the user bound to a message wins over every built-in guess.
func decodeWith(in Input, exts []Extension) Result {
	res, _ := decodeMsg(in, exts)
	return res
}

// decodeMsg is decodeWith that also returns the message as the
// recognisers read it (its body prepared and parsed once), for Facts to
// read again without a second parse; nil when a decoder panicked or an
// extension claimed it (Facts then prepares it again).
func decodeMsg(in Input, exts []Extension) (res Result, m *msg) {
	defer func() {
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			res = Result{
				Format:  "binary",
				Summary: sizeString(len(in.Body)) + ": " + hexPreview(in.Body, 16),
				Body:    hexBody(in, in.Body),
				Notes:   []string{truncate(fmt.Sprintf("decoder failed (%v): showing raw bytes", p), maxField)},
			}
			m = nil
		}
	}()
	// Prepared on the stack: when an extension claims the message (the
	// Protobuf decoder, for most messages of a tap that loads schemas),
	// it is not kept, and the decoding stage allocates less per message.
	prepared := makeMsg(in)
	prepared.prepare()
	res, ok := Result{}, false
	var extNotes []string
	for _, x := range exts {
		if res, ok = x.Decode(prepared.in, prepared.body); ok {
			break
		}
		// An extension that gives up says why (a hook that timed out).
		extNotes = append(extNotes, res.Notes...)
	}
	if ok {
		prepared.finish(&res)
		if in.noBodyText {
			// An extension's text, if it gave one, is kept (Brief);
			// what a detail view says of the rest is not wanted.
			res.Body.Omitted = 0
		}
	} else {
		// The recognisers keep what they parse in the message, for Facts.
		m = new(msg)
		*m = prepared
		for _, rec := range recognisers {
			m.skippedFields = false
			if res, ok = rec(m); ok {
				break
			}
		}
		if !ok {
			res = renderGeneric(in, m.body, m.validJSON())
			if m.redacted {
				// The body's bytes hold the secrets the decoded value lost.
				res.Body = m.in.valueBody(m.value)
				res.addNote("body decoded from " + m.serial + " and shown as JSON, secret values redacted")
			}
		}
		m.finish(&res)
		if in.noFields && (m.skippedFields || len(res.Fields) > 0) {
			// The recognisers that make many fields skip them
			// (msg.wantFields); the rest are dropped here. A result
			// that has none (a plain JSON, text or binary body) says
			// so, and nothing asks for them again.
			res.Fields, res.FieldsLeftOut = nil, true
		}
		if in.noBodyText {
			// Kind only (SummarizeFacts): a text body's or a pickle's
			// text cost little to make, but is not wanted all the same.
			res.Body = Body{Kind: res.Body.Kind}
		}
	}
	for _, n := range extNotes {
		res.addNote(n)
	}
	addTrace(&res, in)
	return res, m
}

// mediaType returns the lower-cased media type without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
