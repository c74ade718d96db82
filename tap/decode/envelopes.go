package decode

import (
	"slices"
	"strings"
)

// Recognisers for the envelopes of Python, PHP and .NET frameworks, each by
// what the framework documents about its messages.

// recogniseDramatiq claims Dramatiq messages: a JSON object with
// queue_name, actor_name, args, kwargs, options, message_id and
// message_timestamp (dramatiq.Message, encoded by dramatiq.JSONEncoder).
func recogniseDramatiq(m *msg) (Result, bool) {
	if !m.mayHaveShape() {
		return Result{}, false
	}
	o, v, _, ok := m.decodedObject()
	if !ok {
		return Result{}, false
	}
	actor := o.str("actor_name")
	args, argsOK := mustGet(o, "args").([]any)
	if actor == "" || o.str("message_id") == "" || !argsOK || !o.has("queue_name") {
		return Result{}, false
	}
	kwargs, _ := mustGet(o, "kwargs").(object)
	var r Result
	r.Format = "dramatiq"
	r.Summary = oneLine(actor+"("+callArgs(args, kwargs, 120)+")", maxSummary)
	r.setTerm("task", actor)
	r.setTerm("id", o.str("message_id"))
	r.addField("Actor", actor)
	r.addField("Queue", o.str("queue_name"))
	r.addField("Message ID", o.str("message_id"))
	r.addField("Args", pyTuple(args))
	r.addField("Kwargs", pyRepr(kwargs, maxField))
	r.addField("Timestamp", o.str("message_timestamp"))
	if opts, ok := mustGet(o, "options").(object); ok && len(opts) > 0 {
		r.addField("Options", redactedRepr(opts))
	}
	r.Body = m.in.valueBody(v)
	return r, true
}

// recogniseSymfony claims Symfony Messenger messages sent by its AMQP
// transport: the serializer names the message class (a PHP class name,
// with backslashes) in the `type` header, and stamps travel in
// X-Message-Stamp-<class> headers.
func recogniseSymfony(m *msg) (Result, bool) {
	h := m.in.Headers
	typ, _ := headerString(h, "type")
	var stamps []string
	for k := range h {
		if s, ok := strings.CutPrefix(k, "X-Message-Stamp-"); ok {
			stamps = append(stamps, s)
		}
	}
	if typ == "" || (!strings.Contains(typ, `\`) && len(stamps) == 0) {
		return Result{}, false
	}
	r := typedGeneric(m, "symfony", typ)
	if len(stamps) > 0 {
		slices.Sort(stamps)
		if len(stamps) > 8 {
			stamps = append(stamps[:8], "…")
		}
		r.addField("Stamps", strings.Join(stamps, ", "))
	}
	return r, true
}

// recogniseEasyNetQ claims EasyNetQ messages: its type name serializer
// puts the .NET type in the AMQP `type` property as "Namespace.Type,
// Assembly" (older versions: "Namespace_Type:Assembly").
func recogniseEasyNetQ(m *msg) (Result, bool) {
	typ := strings.TrimSpace(m.in.Type)
	name, asm, ok := cutTopLevel(typ, ", ")
	if !ok {
		name, asm, ok = strings.Cut(typ, ":")
	}
	asm, _, _ = strings.Cut(asm, ", ") // then Version=…, Culture=…
	// .NET names are PascalCase: "order_created:v1" is somebody else's.
	if !ok || name == "" || name[0] < 'A' || name[0] > 'Z' || !strings.ContainsAny(name, "._") || !dotNetName(name) || !dotNetName(asm) {
		return Result{}, false
	}
	r := typedGeneric(m, "easynetq", name)
	r.addField("Assembly", asm)
	return r, true
}

// cutTopLevel is strings.Cut outside square brackets, which hold the
// assembly-qualified arguments of a generic type.
func cutTopLevel(s, sep string) (before, after string, found bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		default:
			if depth == 0 && strings.HasPrefix(s[i:], sep) {
				return s[:i], s[i+len(sep):], true
			}
		}
	}
	return s, "", false
}

// dotNetName reports whether s looks like a .NET type or assembly name:
// identifier characters, dots, plus signs (nested types), backticks and
// brackets (generics), no spaces.
func dotNetName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	depth := 0
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == ' ' && depth > 0:
		case strings.ContainsRune("._+`,=", c):
		default:
			return false
		}
	}
	return true
}

// jsonObjectBody returns the body as a JSON object, if it is one: the
// opening of the recognisers of envelopes with a media type of their own.
// A body whose content type names the envelope (byType) is decoded even
// when it lacks the shape of one.
func (m *msg) jsonObjectBody(byType bool) (object, bool) {
	if !byType && !m.mayHaveShape() {
		return nil, false
	}
	v, serial, err := m.decoded()
	o, ok := v.(object)
	return o, err == nil && ok && serial == serJSON
}

// notAnEnvelope answers for a body that is no JSON object: when its
// content type names the envelope (byType) it is the envelope's all the
// same, rendered generically under format with note; otherwise it is not.
func (m *msg) notAnEnvelope(byType bool, format, note string) (Result, bool) {
	if !byType {
		return Result{}, false
	}
	r := decodeGeneric(m.in, m.body)
	r.Format = format
	r.addNote(note)
	return r, true
}
