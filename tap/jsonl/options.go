package jsonl

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
)

// Options change what a Writer writes. The zero value writes every message
// as it was received.
type Options struct {
	// Redact replaces the values of secret-looking keys (decode.IsSecretKey)
	// with "[redacted]" in the headers and in JSON bodies before a message
	// is written; see Redact for what it cannot reach.
	Redact bool
}

// Redact returns m with secrets taken out of its headers
// (decode.RedactHeaders) and its JSON body (decode.RedactBody, which also
// unwraps and rewraps kombu's compressions and base64). Bodies it cannot
// parse are kept as received: YAML, pickle, text, binary, bzip2.
// The decoded section of a record never shows secrets either way. m
// itself is not modified.
func Redact(m tap.Message) tap.Message {
	if body, changed := decode.RedactBody(m.DecodeInput()); changed {
		m.Body = body
	}
	m.Headers = decode.RedactHeaders(m.Headers)
	return m
}
