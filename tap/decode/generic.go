package decode

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeGeneric renders a body that no recogniser claimed: JSON, text or
// binary.
func decodeGeneric(in Input, body []byte) Result {
	return renderGeneric(in, body, false)
}

// renderGeneric is decodeGeneric for a body already known to be valid
// JSON when validJSON is set.
func renderGeneric(in Input, body []byte, validJSON bool) Result {
	var r Result
	if len(body) == 0 {
		r.Format = "empty"
		r.Summary = "(empty)"
		r.Body = Body{Kind: BodyEmpty}
		return r
	}
	if len(body) <= maxParse && (validJSON || looksJSON(body) && json.Valid(body)) {
		r.Format = "json"
		r.Summary = compactJSON(summaryOrder(body), maxSummary, false)
		r.Body = in.jsonBody(body, false)
		return r
	}
	if isJSONType(in.ContentType) {
		if len(body) > maxParse {
			r.addNote("body larger than " + sizeString(maxParse) + ": not parsed as JSON")
		} else {
			r.addNote("content type says JSON but the body is not valid JSON")
		}
	}
	if text, ok := textPrefix(body); ok {
		omitted := len(body) - len(text)
		// JSON cut short or too large to parse still shows as text:
		// redact the "key": value pairs it holds.
		text, _ = redactReprText(text)
		r.Format = "text"
		r.Summary = firstLine(text)
		r.Body = Body{Kind: BodyText, Text: text, Omitted: omitted}
		return r
	}
	r.Format = "binary"
	r.Summary = sizeString(len(body)) + ": " + hexPreview(body, 16)
	r.Body = hexBody(in, body)
	return r
}

// hexBody renders at most maxRender bytes as a hex dump, or, for
// Summarize, only says that the body is binary.
func hexBody(in Input, body []byte) Body {
	if in.noHexDump {
		return Body{Kind: BodyHex, Omitted: len(body)}
	}
	n := min(len(body), maxRender)
	return Body{Kind: BodyHex, Text: hexDump(body[:n]), Omitted: len(body) - n}
}

// looksJSON is a cheap pre-check before json.Valid: JSON bodies start with
// an object, array or string, possibly after whitespace. Bare numbers and
// literals are left to the text renderer.
func looksJSON(b []byte) bool {
	i := skipSpace(b, 0)
	if len(b) > 2 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return false // a BOM makes it invalid JSON anyway
	}
	return i < len(b) && (b[i] == '{' || b[i] == '[' || b[i] == '"')
}

// textPrefix returns the first maxRender bytes of b as text if they are
// valid UTF-8 and mostly printable.
func textPrefix(b []byte) (string, bool) {
	n := min(len(b), maxRender)
	if n < len(b) {
		// Do not judge a rune cut in half by the limit.
		for k := 0; k < utf8.UTFMax && n > 0 && !utf8.RuneStart(b[n]); k++ {
			n--
		}
	}
	p := b[:n]
	total, bad := 0, 0
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			i++
			total++
			switch {
			case c == 0:
				return "", false
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b:
				bad++
			case c == 0x7f:
				bad++
			}
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			return "", false
		}
		if r >= 0x80 && r < 0xa0 {
			bad++
		}
		i += size
		total++
	}
	if bad*20 > total {
		return "", false
	}
	return string(p), true
}

// firstLine returns the first non-blank line of s as a summary.
func firstLine(s string) string {
	start := 0
	for start < len(s) {
		end := start
		for end < len(s) && s[end] != '\n' && s[end] != '\r' {
			end++
		}
		if line := oneLine(s[start:min(end, start+4*maxSummary)], maxSummary); line != "" {
			if end-start > 4*maxSummary && len(line) < maxSummary {
				line += ellipsis
			}
			return line
		}
		start = end + 1
	}
	return ""
}

func isJSONType(ct string) bool {
	return isJSONMedia(mediaType(ct))
}

// isJSONMedia is isJSONType of a media type already read (mediaType).
func isJSONMedia(media string) bool {
	return media == "application/json" || media == "text/json" || hasSuffixFold(media, "+json")
}

// sizeString formats a byte count for people.
func sizeString(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	case n == 1:
		return "1 byte"
	}
	return strconv.Itoa(n) + " bytes"
}
