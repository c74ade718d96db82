package pipeline

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
)

// Redact returns m with secrets taken out of its headers
// (decode.RedactHeaders) and its JSON body (decode.RedactBody, which also
// unwraps and rewraps kombu's compressions and base64). Bodies it cannot
// parse are kept as received: YAML, pickle, text, binary, bzip2. A reading
// made before is dropped: it described the message as received. m itself
// is not modified. A message only counted with the reading its capture
// line gave (tap.Message.CountOnly) has nothing to redact and keeps it:
// `open --redact` reads those lines in full instead
// (capture.Reader.KeepLast), so that they are redacted here.
func Redact(m tap.Message) tap.Message {
	if m.CountOnly && m.Reading != nil {
		return m
	}
	if body, changed := decode.RedactBody(m.DecodeInput()); changed {
		m.Body = body
	}
	m.Reading = nil
	m.Headers = decode.RedactHeaders(m.Headers)
	return m
}

// redactBatch redacts the messages of b, into a new slice: the batch's
// messages may be shared with whoever sent it.
func redactBatch(b *tap.Batch) {
	if len(b.Messages) == 0 {
		return
	}
	msgs := make([]tap.Message, len(b.Messages))
	for i, m := range b.Messages {
		msgs[i] = Redact(m)
	}
	b.Messages = msgs
}
