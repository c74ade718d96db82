package hook

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Request is one line sent to a hook: a message as JSON.
type Request struct {
	ID         uint64         `json:"id"`
	Exchange   string         `json:"exchange"`
	RoutingKey string         `json:"routing_key"`
	Properties Properties     `json:"properties"`
	Headers    map[string]any `json:"headers,omitempty"`
	// Body is the body after kombu's base64 and any compression were
	// undone, base64-encoded.
	Body string `json:"body"`
}

// Properties are the AMQP properties a hook may need.
type Properties struct {
	ContentType     string `json:"content_type,omitempty"`
	ContentEncoding string `json:"content_encoding,omitempty"`
	CorrelationID   string `json:"correlation_id,omitempty"`
	ReplyTo         string `json:"reply_to,omitempty"`
	MessageID       string `json:"message_id,omitempty"`
	Type            string `json:"type,omitempty"`
}

// Answer is one line a hook sends back.
type Answer struct {
	ID uint64 `json:"id"`
	// Format labels the table's format column (default: the hook's name).
	Format  string `json:"format"`
	Summary string `json:"summary"`
	Fields  []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	// Body is the pretty body; BodyKind says "json" (indented for you) or
	// "text" (the default).
	Body     string            `json:"body"`
	BodyKind string            `json:"body_kind"`
	Terms    map[string]string `json:"terms"`
	Notes    []string          `json:"notes"`
	// Error says the hook could not decode this message: the built-in
	// decoders show it, with the error. Decline does so silently.
	Error   string `json:"error"`
	Decline bool   `json:"decline"`
}

// newRequest builds the request line for a message, newline included.
func newRequest(id uint64, in decode.Input, body []byte) ([]byte, error) {
	req := Request{
		ID:         id,
		Exchange:   in.Exchange,
		RoutingKey: in.RoutingKey,
		Properties: Properties{
			ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
			CorrelationID: in.CorrelationID, ReplyTo: in.ReplyTo,
			MessageID: in.MessageID, Type: in.Type,
		},
		Body: base64.StdEncoding.EncodeToString(body),
	}
	if len(in.Headers) > 0 {
		req.Headers = make(map[string]any, len(in.Headers))
		for k, v := range in.Headers {
			req.Headers[k] = jsonable(v, 0)
		}
	}
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}

// jsonable turns a header value (as amqp091 gives it) into JSON: byte
// strings as text when they are UTF-8, else {"base64": …}; times in RFC
// 3339; tables and arrays recursively, to a bounded depth.
func jsonable(v any, depth int) any {
	if depth > 32 {
		return nil
	}
	switch x := v.(type) {
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return map[string]string{"base64": base64.StdEncoding.EncodeToString(x)}
	case string:
		if !utf8.ValidString(x) {
			return strings.ToValidUTF8(x, "\uFFFD")
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = jsonable(val, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonable(x[i], depth+1)
		}
		return out
	case nil, bool, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return x
	}
	return fmt.Sprint(v)
}

// maxBodyText bounds a text body from a hook, as the built-in renderers
// bound theirs.
const maxBodyText = 64 << 10

// errGarbage marks an answer that breaks the protocol.
var errGarbage = errors.New("answer breaks the protocol")

// parseAnswer reads an answer line for request id.
func parseAnswer(line []byte, id uint64) (Answer, error) {
	var a Answer
	if err := json.Unmarshal(line, &a); err != nil {
		return Answer{}, fmt.Errorf("%w: not a JSON object (%v): %s", errGarbage, err, strconv.Quote(preview(line)))
	}
	if a.ID != id {
		return Answer{}, fmt.Errorf("%w: answer for message %d while waiting for %d", errGarbage, a.ID, id)
	}
	return a, nil
}

func preview(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// result turns an answer into a decode.Result.
func (a Answer) result(name string) decode.Result {
	var r decode.Result
	r.Format = "hook/" + name
	if a.Format != "" {
		r.Format = decode.SummaryLine(a.Format)
		if len(r.Format) > 40 {
			r.Format = r.Format[:40]
		}
	}
	r.Summary = decode.SummaryLine(a.Summary)
	r.AddField("Decoder", "hook "+name)
	for i, f := range a.Fields {
		if i == 64 {
			r.AddNote("more fields from the hook not shown")
			break
		}
		r.AddField(f.Name, f.Value)
	}
	n := 0
	for k, v := range a.Terms {
		if n == 64 {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" || strings.ContainsAny(k, " \t:\"") {
			continue
		}
		n++
		r.SetTerm("hook."+k, v)
	}
	for _, note := range a.Notes {
		r.AddNote("hook " + name + ": " + note)
	}
	switch {
	case a.Body == "":
		r.Body = decode.Body{Kind: decode.BodyEmpty}
	case a.BodyKind == "json" && json.Valid([]byte(a.Body)):
		r.Body = decode.JSONBody([]byte(a.Body))
	case len(a.Body) > maxBodyText:
		cut := maxBodyText
		for cut > 0 && !utf8.RuneStart(a.Body[cut]) {
			cut--
		}
		r.Body = decode.Body{Kind: decode.BodyText, Text: a.Body[:cut], Omitted: len(a.Body) - cut}
	default:
		r.Body = decode.Body{Kind: decode.BodyText, Text: a.Body}
	}
	if r.Summary == "" {
		r.Summary = decode.SummaryLine(a.Body)
	}
	return r
}
