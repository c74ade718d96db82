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
	recogniseSpring,
	recogniseNServiceBus,
	recogniseMassTransit,
	recogniseCeleryEvent,
	recogniseCeleryResult,
	recogniseCeleryV1,
	recogniseOslo,
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
func Decode(in Input) (res Result) {
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
		}
	}()
	m := newMsg(in)
	res, ok := Result{}, false
	for _, rec := range recognisers {
		if res, ok = rec(m); ok {
			break
		}
	}
	if !ok {
		res = renderGeneric(in, m.body, m.validJSON())
		if m.redacted {
			// The body's bytes hold the secrets the decoded value lost.
			res.Body = valueBody(m.value)
			res.addNote("body decoded from " + m.serial + " and shown as JSON, secret values redacted")
		}
	}
	m.finish(&res)
	addTrace(&res, in)
	return res
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
