package decode

import (
	"strconv"
	"strings"
	"time"
)

// celeryStates are the states Celery itself uses; results may carry
// custom states too, which are accepted when the dict has a task_id.
var celeryStates = map[string]bool{
	"PENDING": true, "RECEIVED": true, "STARTED": true, "SUCCESS": true,
	"FAILURE": true, "RETRY": true, "REVOKED": true, "REJECTED": true,
	"IGNORED": true, "PROGRESS": true,
}

// recogniseCeleryResult claims result messages of the rpc:// backend: a
// dict with task_id, status and result; correlation_id is the task id.
func recogniseCeleryResult(m *msg) (Result, bool) {
	o, v, serial, ok := m.decodedObject()
	if !ok {
		return Result{}, false
	}
	status := o.str("status")
	if status == "" || !o.has("result") || !(o.has("task_id") || celeryStates[status] && o.has("traceback")) {
		return Result{}, false
	}
	if _, isStr := mustGet(o, "status").(string); !isStr || len(status) > 64 {
		return Result{}, false
	}
	id := o.str("task_id")
	if id == "" && !unsetString(m.in.CorrelationID) {
		id = m.in.CorrelationID
	}
	res := mustGet(o, "result")

	var r Result
	r.Format = "celery/result"
	name := o.str("name") // present with result_extended
	r.Task = &Task{Kind: "result", Name: name, ID: id, Status: status,
		ParentID: o.str("parent_id"), GroupID: o.str("group_id")}
	r.setTerm("status", status)
	r.setTerm("id", id)
	r.setTerm("task", name)
	r.setTerm("parent", r.Task.ParentID)
	r.setTerm("group", r.Task.GroupID)

	var outcome string
	switch {
	case isException(res):
		outcome = exceptionString(res.(object))
	case status == "SUCCESS":
		outcome = "→ " + pyRepr(res, 120)
	case res != nil:
		outcome = pyRepr(res, 120)
	}
	r.Summary = oneLine(strings.TrimSpace(status+" "+shortID(id)+" "+outcome), maxSummary)

	r.addField("Status", status)
	r.addField("ID", id)
	r.addField("Name", name)
	if isException(res) {
		r.addField("Exception", exceptionString(res.(object)))
	} else {
		r.addField("Result", pyRepr(res, maxField))
	}
	if tb := o.str("traceback"); tb != "" {
		r.addField("Traceback", lastLine(tb))
	}
	if c, ok := mustGet(o, "children").([]any); ok && len(c) > 0 {
		r.addField("Children", childIDs(c))
	}
	r.addField("Date done", o.str("date_done"))
	r.addField("Worker", o.str("worker"))
	r.addField("Serializer", serializerLabel(serial, m.in.ContentType))
	renderCeleryBody(&r, m, v, serial, nil)
	return r, true
}

// isException reports whether a result is a JSON-serialised exception.
func isException(v any) bool {
	o, ok := v.(object)
	return ok && o.has("exc_type") && o.has("exc_message")
}

// exceptionString renders {"exc_type": "ZeroDivisionError",
// "exc_message": ["division by zero"]} as ZeroDivisionError('division by zero').
func exceptionString(o object) string {
	w := reprWriter{max: 160}
	w.write(o.str("exc_type"))
	w.write("(")
	switch msg := mustGet(o, "exc_message").(type) {
	case []any:
		w.items(msg, 0)
	default:
		w.value(msg, 0)
	}
	w.write(")")
	return w.String()
}

// childIDs lists result children, which Celery serialises as nested
// [[id, parent], nil] tuples.
func childIDs(c []any) string {
	var ids []string
	for _, e := range c {
		if len(ids) >= 16 {
			ids = append(ids, "…")
			break
		}
		if id := firstString(e, 0); id != "" {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ", ")
}

func firstString(v any, depth int) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 && depth < 4 {
			return firstString(x[0], depth+1)
		}
	}
	return ""
}

// lastLine returns the last non-blank line, for tracebacks.
func lastLine(s string) string {
	s = strings.TrimRight(s, " \t\r\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// celeryEvents returns the events of a Celery event message: a dict, or a
// batch list of dicts, whose first has a task-* or worker-* type and either
// came by the celeryev exchange (or its routing keys) or carries a hostname
// and a timestamp. v and serial are the decoded body. The rendering and the
// lifecycle facts both read events through it, so they claim the same
// messages.
func celeryEvents(m *msg) (events []object, v any, serial string, ok bool) {
	if !m.mayHaveShape() {
		return nil, nil, "", false
	}
	rk := m.in.RoutingKey
	onExchange := m.in.Exchange == "celeryev" ||
		strings.HasPrefix(rk, "task.") || strings.HasPrefix(rk, "worker.")
	v, serial, err := m.decoded()
	if err != nil {
		return nil, nil, "", false
	}
	switch x := v.(type) {
	case object:
		events = []object{x}
	case []any:
		for _, e := range x {
			o, ok := e.(object)
			if !ok {
				return nil, nil, "", false
			}
			events = append(events, o)
		}
	}
	if len(events) == 0 {
		return nil, nil, "", false
	}
	first := events[0]
	typ := first.str("type")
	if !strings.HasPrefix(typ, "task-") && !strings.HasPrefix(typ, "worker-") {
		return nil, nil, "", false
	}
	if !onExchange && !(first.has("hostname") && first.has("timestamp")) {
		return nil, nil, "", false
	}
	return events, v, serial, true
}

// recogniseCeleryEvent claims Celery events (celeryEvents) and renders
// the first of a batch.
func recogniseCeleryEvent(m *msg) (Result, bool) {
	events, v, serial, ok := celeryEvents(m)
	if !ok {
		return Result{}, false
	}
	ev := events[0]
	typ := ev.str("type")

	var r Result
	r.Format = "celery/event"
	uuid := ev.str("uuid")
	name := ev.str("name")
	host := ev.str("hostname")
	r.setTerm("event", typ)
	r.setTerm("status", typ)
	if strings.HasPrefix(typ, "task-") {
		r.Task = &Task{Kind: "event", Name: name, ID: uuid, Status: typ,
			RootID: ev.str("root_id"), ParentID: ev.str("parent_id")}
		r.setTerm("id", uuid)
		r.setTerm("task", name)
		r.setTerm("root", r.Task.RootID)
		r.setTerm("parent", r.Task.ParentID)
	}

	var s strings.Builder
	s.WriteString(typ)
	if name != "" {
		s.WriteString(" " + name)
	}
	if uuid != "" {
		s.WriteString(" " + shortID(uuid))
	}
	switch typ {
	case "task-succeeded":
		if rt, ok := asFloat(mustGet(ev, "runtime")); ok {
			s.WriteString(" runtime " + strconv.FormatFloat(rt, 'f', -1, 64) + "s")
		}
		if res := ev.str("result"); res != "" {
			s.WriteString(" → " + truncate(res, 60))
		}
	case "task-failed", "task-retried":
		s.WriteString(" " + truncate(ev.str("exception"), 100))
	case "task-received", "task-sent":
		if a, k := ev.str("args"), ev.str("kwargs"); a != "" || k != "" {
			s.WriteString(" (" + reprCall(a, k, 80) + ")")
		}
	}
	if !strings.HasPrefix(typ, "task-") || typ == "task-received" || typ == "task-started" {
		if host != "" {
			s.WriteString(" " + host)
		}
	}
	if typ == "worker-heartbeat" {
		if n, ok := asInt(mustGet(ev, "active")); ok {
			s.WriteString(" · active " + strconv.FormatInt(n, 10))
		}
	}
	if len(events) > 1 {
		s.WriteString(" (+" + strconv.Itoa(len(events)-1) + " more)")
	}
	r.Summary = oneLine(s.String(), maxSummary)

	if m.wantFields() {
		celeryEventFields(&r, m, ev, len(events), serial)
	}
	renderCeleryBody(&r, m, v, serial, nil)
	return r, true
}

// celeryEventFields adds the decoded section of a Celery event.
func celeryEventFields(r *Result, m *msg, ev object, events int, serial string) {
	r.addField("Type", ev.str("type"))
	r.addField("UUID", ev.str("uuid"))
	r.addField("Name", ev.str("name"))
	r.addField("Hostname", ev.str("hostname"))
	if ts, ok := asFloat(mustGet(ev, "timestamp")); ok && ts > 0 && ts < 1e11 {
		sec, frac := int64(ts), ts-float64(int64(ts))
		r.addField("Timestamp", time.Unix(sec, int64(frac*1e9)).UTC().Format("2006-01-02 15:04:05.000 UTC"))
	}
	for _, k := range []struct{ key, label string }{
		{"args", "Args"}, {"kwargs", "Kwargs"}, {"result", "Result"},
		{"exception", "Exception"}, {"root_id", "Root"}, {"parent_id", "Parent"},
		{"retries", "Retries"}, {"eta", "ETA"}, {"expires", "Expires"},
		{"runtime", "Runtime"}, {"reason", "Reason"}, {"terminated", "Terminated"},
		{"signum", "Signal"}, {"expired", "Expired"}, {"freq", "Frequency"},
		{"active", "Active"}, {"processed", "Processed"}, {"loadavg", "Load average"},
		{"sw_ident", "Software"}, {"sw_ver", "Version"}, {"sw_sys", "System"},
		{"pid", "PID"}, {"clock", "Clock"},
	} {
		if v, ok := ev.get(k.key); ok && v != nil {
			r.addField(k.label, scalarString(v))
		}
	}
	if tb := ev.str("traceback"); tb != "" {
		r.addField("Traceback", lastLine(tb))
	}
	if events > 1 {
		r.addField("Batch", strconv.Itoa(events)+" events")
	}
	r.addField("Serializer", serializerLabel(serial, m.in.ContentType))
}
