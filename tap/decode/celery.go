package decode

import (
	"strconv"
	"strings"
	"time"
)

// celeryTask is a Celery task message of either protocol, normalised.
type celeryTask struct {
	protocol   int
	name       string
	id         string
	root       string
	parent     string
	group      string
	eta        string
	expires    string
	retries    int64
	timelimit  any
	origin     string
	shadow     string
	argsrepr   string
	kwargsrepr string
	lang       string
	groupIndex string
	replaced   int64

	args     []any
	kwargs   object
	haveArgs bool // args and kwargs came from the body

	callbacks any
	errbacks  any
	chain     any
	chord     any
}

// recogniseCeleryV2 claims Celery task protocol 2 messages, which carry
// their metadata in headers, with a `task` header naming the task.
func recogniseCeleryV2(m *msg) (Result, bool) {
	h := m.in.Headers
	name, ok := headerString(h, "task")
	if !ok {
		return Result{}, false
	}
	t := celeryTask{protocol: 2, name: name}
	t.id, _ = headerString(h, "id")
	if t.id == "" && !unsetString(m.in.CorrelationID) {
		t.id = m.in.CorrelationID
	}
	t.root, _ = headerString(h, "root_id")
	t.parent, _ = headerString(h, "parent_id")
	t.group, _ = headerString(h, "group")
	t.eta, _ = headerString(h, "eta")
	t.expires, _ = headerString(h, "expires")
	t.retries, _ = asInt(h["retries"])
	t.timelimit = h["timelimit"]
	t.origin, _ = headerString(h, "origin")
	t.shadow, _ = headerString(h, "shadow")
	t.argsrepr = redactedHeaderText(h, "argsrepr")
	t.kwargsrepr = redactedHeaderText(h, "kwargsrepr")
	t.lang, _ = headerString(h, "lang")
	t.groupIndex, _ = headerString(h, "group_index")
	t.replaced, _ = asInt(h["replaced_task_nesting"])

	var r Result
	v, serial, err := m.decoded()
	if err == nil {
		// The body is [args, kwargs, embed].
		if a, ok := v.([]any); ok && len(a) >= 2 {
			t.args, _ = a[0].([]any)
			t.kwargs, _ = a[1].(object)
			t.haveArgs = true
			if len(a) >= 3 {
				if e, ok := a[2].(object); ok {
					t.callbacks, _ = e.get("callbacks")
					t.errbacks, _ = e.get("errbacks")
					t.chain, _ = e.get("chain")
					t.chord, _ = e.get("chord")
				}
			}
		} else {
			r.addNote("body is not Celery's [args, kwargs, embed]")
		}
	}
	t.render(&r, m, v, serial, err)
	return r, true
}

// recogniseCeleryV1 claims Celery task protocol 1 messages: a body dict
// with task, id, args and kwargs.
func recogniseCeleryV1(m *msg) (Result, bool) {
	o, v, serial, ok := m.decodedObject()
	if !ok {
		return Result{}, false
	}
	name := o.str("task")
	_, isName := mustGet(o, "task").(string)
	if name == "" || !isName || o.str("id") == "" || !(o.has("args") || o.has("kwargs")) {
		return Result{}, false
	}
	t := celeryTask{protocol: 1, name: name, id: o.str("id")}
	t.group = o.str("taskset")
	if t.group == "" {
		t.group = o.str("group")
	}
	t.eta = o.str("eta")
	t.expires = o.str("expires")
	t.retries, _ = asInt(mustGet(o, "retries"))
	t.timelimit = mustGet(o, "timelimit")
	t.args, _ = mustGet(o, "args").([]any)
	t.kwargs, _ = mustGet(o, "kwargs").(object)
	t.haveArgs = true
	t.callbacks = mustGet(o, "callbacks")
	t.errbacks = mustGet(o, "errbacks")
	t.chord = mustGet(o, "chord")
	var r Result
	t.render(&r, m, v, serial, nil)
	return r, true
}

// redactedHeaderText is a header's text with secrets in the repr it
// holds redacted.
func redactedHeaderText(h map[string]any, key string) string {
	s, _ := headerString(h, key)
	s, _ = redactReprText(s)
	return s
}

func mustGet(o object, key string) any {
	v, _ := o.get(key)
	return v
}

// render fills r from the task.
func (t *celeryTask) render(r *Result, m *msg, v any, serial string, err error) {
	r.Format = "celery"
	r.Task = &Task{Kind: "task", Name: t.name, ID: t.id, RootID: t.root, ParentID: t.parent, GroupID: t.group}
	r.setTerm("task", t.name)
	r.setTerm("id", t.id)
	r.setTerm("root", t.root)
	r.setTerm("parent", t.parent)
	r.setTerm("group", t.group)

	var call string
	if t.haveArgs {
		call = callArgs(t.args, t.kwargs, 120)
	} else {
		call = reprCall(t.argsrepr, t.kwargsrepr, 120)
	}
	var s strings.Builder
	s.WriteString(t.name)
	s.WriteByte('(')
	s.WriteString(call)
	s.WriteByte(')')
	if t.retries > 0 {
		s.WriteString(" · retry ")
		s.WriteString(strconv.FormatInt(t.retries, 10))
	}
	if t.eta != "" {
		s.WriteString(" · eta ")
		s.WriteString(clockTime(t.eta))
	}
	r.Summary = oneLine(s.String(), maxSummary)

	if m.wantFields() {
		celeryTaskFields(r, m, t, serial)
	}
	renderCeleryBody(r, m, v, serial, err)
}

// celeryTaskFields adds the decoded section of a Celery task message.
func celeryTaskFields(r *Result, m *msg, t *celeryTask, serial string) {
	args, kwargs := t.argsrepr, t.kwargsrepr
	if t.haveArgs {
		args = pyTuple(t.args)
		kwargs = pyRepr(t.kwargs, maxField)
		if t.kwargs == nil {
			kwargs = "{}"
		}
	}
	r.addField("Name", t.name)
	r.addField("ID", t.id)
	r.addField("Root", t.root)
	r.addField("Parent", t.parent)
	r.addField("Group", t.group)
	r.addField("Group index", t.groupIndex)
	r.addField("Args", args)
	r.addField("Kwargs", kwargs)
	r.addField("ETA", t.eta)
	r.addField("Expires", t.expires)
	if t.retries > 0 {
		r.addField("Retries", strconv.FormatInt(t.retries, 10))
	}
	r.addField("Time limit", timeLimit(t.timelimit))
	r.addField("Origin", t.origin)
	r.addField("Shadow", t.shadow)
	if t.lang != "" && t.lang != "py" {
		r.addField("Lang", t.lang)
	}
	if t.replaced > 0 {
		r.addField("Replaced nesting", strconv.FormatInt(t.replaced, 10))
	}
	r.addField("Callbacks", signatures(t.callbacks, false))
	r.addField("Errbacks", signatures(t.errbacks, false))
	// Celery stores the rest of a chain reversed (it pops from the end);
	// show it in the order the tasks will run.
	r.addField("Chain", signatures(t.chain, true))
	r.addField("Chord", signatures(t.chord, false))
	if t.protocol == 1 {
		r.addField("Protocol", "1")
	}
	r.addField("Serializer", serializerLabel(serial, m.in.ContentType))
}

// renderCeleryBody shows the body: JSON as is, other serializers decoded
// to JSON or as text, pickle as a disassembly that is never executed.
func renderCeleryBody(r *Result, m *msg, v any, serial string, err error) {
	switch {
	case serial == serPickle:
		r.addNote("pickle body not executed: showing argsrepr/kwargsrepr and a disassembly")
		r.Body = pickleBody(m.body)
	case err != nil:
		if err != errTooLarge {
			r.addNote(truncate("could not decode "+serializerLabel(serial, m.in.ContentType)+" body: "+err.Error(), maxField))
		} else {
			r.addNote("body larger than " + sizeString(maxParse) + ": not decoded")
		}
		g := decodeGeneric(m.in, m.body)
		r.Body = g.Body
	case serial == serJSON:
		r.Body = m.in.jsonBody(m.body, false) // redacted by prepare
	case serial == serYAML && m.redacted:
		r.Body = m.in.valueBody(v)
		r.addNote("body decoded from yaml and shown as JSON, secret values redacted")
	case serial == serYAML:
		if text, ok := textPrefix(m.body); ok {
			r.Body = Body{Kind: BodyText, Text: text, Omitted: len(m.body) - len(text)}
		} else {
			r.Body = hexBody(m.in, m.body)
		}
	default:
		r.Body = m.in.valueBody(v)
		r.addNote("body decoded from " + serial + " and shown as JSON")
	}
}

// valueBody renders a decoded value as indented JSON, or gives only the
// kind when the body's text is not wanted (Input.Brief). Omitted then
// counts bytes of that JSON, not of the original body.
func (in Input) valueBody(v any) Body {
	if in.noBodyText {
		return Body{Kind: BodyJSON}
	}
	js := appendJSON(nil, v, 0, maxRender)
	return prettyJSON(js, false)
}

func serializerLabel(serial, contentType string) string {
	if serial != "" {
		return serial
	}
	return mediaType(contentType)
}

// pyTuple renders args the way Celery's argsrepr does: (1,) and (1, 2).
func pyTuple(args []any) string {
	w := reprWriter{max: maxField}
	w.write("(")
	w.items(args, 0)
	if len(args) == 1 {
		w.write(",")
	}
	w.write(")")
	return w.String()
}

// clockTime shortens an ISO 8601 timestamp to its time of day.
func clockTime(s string) string {
	if i := strings.IndexByte(s, 'T'); i >= 0 && len(s) >= i+9 && s[i+3] == ':' && s[i+6] == ':' {
		return s[i+1 : i+9]
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.Format("15:04:05")
	}
	return truncate(s, 32)
}

// timeLimit renders Celery's [hard, soft] time limit pair.
func timeLimit(v any) string {
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return ""
	}
	hard, soft := seconds(a[0]), seconds(a[1])
	if hard == "" && soft == "" {
		return ""
	}
	if soft == "" {
		soft = "none"
	}
	if hard == "" {
		hard = "none"
	}
	return "soft " + soft + ", hard " + hard
}

func seconds(v any) string {
	if f, ok := asFloat(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64) + "s"
	}
	return ""
}

// signatures renders a signature or a list of them on one line as
// name[id], with groups, chains and chords shown by their members.
func signatures(v any, reverse bool) string {
	w := reprWriter{max: maxField}
	switch x := v.(type) {
	case []any:
		sep := ", "
		if reverse {
			sep = " → "
		}
		for i := range x {
			e := x[i]
			if reverse {
				e = x[len(x)-1-i]
			}
			if i > 0 {
				w.write(sep)
			}
			writeSignature(&w, e, 0)
			if w.full() {
				break
			}
		}
	case object:
		writeSignature(&w, x, 0)
	default:
		return ""
	}
	return w.String()
}

func writeSignature(w *reprWriter, v any, depth int) {
	o, ok := v.(object)
	if !ok || depth > 8 {
		w.value(v, maxDepth)
		return
	}
	name := o.str("task")
	kw, _ := mustGet(o, "kwargs").(object)
	switch o.str("subtask_type") {
	case "group", "chain":
		tasks, _ := mustGet(kw, "tasks").([]any)
		w.write(o.str("subtask_type"))
		w.write("(")
		sep := ", "
		if o.str("subtask_type") == "chain" {
			sep = " → "
		}
		for i, e := range tasks {
			if i > 0 {
				w.write(sep)
			}
			writeSignature(w, e, depth+1)
			if w.full() {
				return
			}
		}
		w.write(")")
		return
	case "chord":
		w.write("chord(")
		writeSignature(w, mustGet(kw, "header"), depth+1)
		w.write(") → ")
		writeSignature(w, mustGet(kw, "body"), depth+1)
		return
	}
	if name == "" {
		name = "?"
	}
	w.write(name)
	args, _ := mustGet(o, "args").([]any)
	if len(args) > 0 || len(kw) > 0 {
		w.write("(" + callArgs(args, kw, 60) + ")")
	}
	if opts, ok := mustGet(o, "options").(object); ok {
		if id := opts.str("task_id"); id != "" {
			w.write("[" + id + "]")
		}
	}
}

// reprCall turns Celery's argsrepr "(2, 3)" and kwargsrepr
// "{'order': 1842}" into "2, 3, order=1842" without evaluating anything.
func reprCall(argsrepr, kwargsrepr string, max int) string {
	var parts []string
	a := strings.TrimSpace(argsrepr)
	if len(a) >= 2 && (a[0] == '(' || a[0] == '[') {
		a = strings.TrimSpace(a[1 : len(a)-1])
		a = strings.TrimSuffix(a, ",")
	}
	if a != "" {
		parts = append(parts, a)
	}
	k := strings.TrimSpace(kwargsrepr)
	if len(k) >= 2 && k[0] == '{' && k[len(k)-1] == '}' {
		for _, item := range splitTopLevel(k[1:len(k)-1], ',') {
			colon := topLevelIndex(item, ':')
			if colon < 0 {
				parts = append(parts, strings.TrimSpace(item))
				continue
			}
			key := strings.TrimSpace(item[:colon])
			if len(key) >= 2 && (key[0] == '\'' || key[0] == '"') && key[len(key)-1] == key[0] {
				key = key[1 : len(key)-1]
			}
			val := strings.TrimSpace(item[colon+1:])
			parts = append(parts, key+"="+val)
		}
	} else if k != "" {
		parts = append(parts, "**"+k)
	}
	return oneLine(strings.Join(parts, ", "), max)
}

// splitTopLevel splits a Python literal on sep outside quotes and
// brackets, dropping blank parts. It stops after a few hundred parts.
func splitTopLevel(s string, sep byte) []string {
	var parts []string
	for len(s) > 0 && len(parts) < 256 {
		i := topLevelIndex(s, sep)
		if i < 0 {
			i = len(s)
		}
		if strings.TrimSpace(s[:i]) != "" {
			parts = append(parts, s[:i])
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return parts
}

// topLevelIndex finds sep outside quotes and brackets, or returns -1.
func topLevelIndex(s string, sep byte) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			return i
		}
	}
	return -1
}
