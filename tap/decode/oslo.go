package decode

import "strings"

// recogniseOslo claims OpenStack oslo.messaging messages: notifications,
// RPC calls and casts, and RPC replies, with or without the 2.0 envelope
// {"oslo.version": "2.0", "oslo.message": "<json>"}.
func recogniseOslo(m *msg) (Result, bool) {
	o, _, serial, ok := m.decodedObject()
	if !ok || serial != serJSON {
		return Result{}, false
	}
	inner := m.body
	version := ""
	if s, isStr := mustGet(o, "oslo.message").(string); isStr {
		version = o.str("oslo.version")
		inner = []byte(s)
		iv, err := parseOrderedJSON(inner)
		if err != nil {
			return Result{}, false
		}
		if o, ok = iv.(object); !ok {
			return Result{}, false
		}
	}
	var r Result
	switch {
	case o.str("event_type") != "" && o.has("publisher_id") && (o.has("payload") || version != ""):
		osloNotify(&r, o)
	case o.str("method") != "" && (version != "" || isOsloRPC(o)):
		osloRPC(&r, o)
	case o.has("_msg_id") && (o.has("result") || o.has("failure") || o.has("ending")):
		osloReply(&r, o)
	default:
		if version == "" {
			return Result{}, false
		}
		r.Format = "oslo"
		r.Summary = compactJSON(inner, maxSummary, true)
	}
	if version != "" {
		r.addField("Envelope", "oslo.version "+version)
		r.addNote("oslo.messaging envelope unwrapped: the body shows oslo.message")
	}
	addContext(&r, o)
	r.Body = m.in.jsonBody(inner, true)
	return r, true
}

// isOsloRPC tells an unenveloped oslo RPC message from any JSON with a
// "method" key: it also has an args dict and oslo's own keys.
func isOsloRPC(o object) bool {
	if _, ok := mustGet(o, "args").(object); !ok {
		return false
	}
	if o.has("_msg_id") || o.has("_unique_id") || o.has("namespace") || o.has("version") {
		return true
	}
	for _, mb := range o {
		if strings.HasPrefix(mb.Key, "_context_") {
			return true
		}
	}
	return false
}

func osloNotify(r *Result, o object) {
	r.Format = "oslo/notify"
	ev := o.str("event_type")
	pub := o.str("publisher_id")
	prio := o.str("priority")
	s := ev
	if pub != "" || prio != "" {
		s += " (" + strings.Trim(pub+", "+prio, ", ") + ")"
	}
	r.Summary = oneLine(s, maxSummary)
	r.setTerm("event", ev)
	r.addField("Event type", ev)
	r.addField("Publisher", pub)
	r.addField("Priority", prio)
	r.addField("Message ID", o.str("message_id"))
	r.addField("Timestamp", o.str("timestamp"))
	if p, ok := o.get("payload"); ok {
		r.addField("Payload", redactedRepr(p))
	}
}

func osloRPC(r *Result, o object) {
	r.Format = "oslo/rpc"
	method := o.str("method")
	kind := "cast"
	msgID := o.str("_msg_id")
	if msgID != "" {
		kind = "call"
	}
	args, _ := mustGet(o, "args").(object)
	r.Summary = oneLine("[RPC "+kind+"] "+method+"("+redactedCall(args, 120)+")", maxSummary)
	r.setTerm("method", method)
	r.setTerm("id", msgID)
	r.addField("Kind", kind)
	r.addField("Method", method)
	r.addField("Args", redactedRepr(args))
	r.addField("Namespace", o.str("namespace"))
	r.addField("Version", o.str("version"))
	r.addField("Msg ID", msgID)
	r.addField("Reply queue", o.str("_reply_q"))
	r.addField("Unique ID", o.str("_unique_id"))
	r.addField("Timeout", o.str("_timeout"))
}

func osloReply(r *Result, o object) {
	r.Format = "oslo/reply"
	msgID := o.str("_msg_id")
	r.setTerm("id", msgID)
	s := "[reply] " + shortID(msgID)
	if f := o.str("failure"); f != "" {
		fs := osloFailure(f)
		s += " failure " + fs
		r.addField("Failure", fs)
	} else if res, ok := o.get("result"); ok && res != nil {
		s += " → " + redactedRepr(res)
	}
	ending, _ := mustGet(o, "ending").(bool)
	if ending {
		s += " (ending)"
	}
	r.Summary = oneLine(s, maxSummary)
	r.addField("Msg ID", msgID)
	if res, ok := o.get("result"); ok {
		r.addField("Result", redactedRepr(res))
	}
	r.addField("Ending", scalarString(mustGet(o, "ending")))
	r.addField("Unique ID", o.str("_unique_id"))
}

// osloFailure renders oslo's serialised failure, itself a JSON string
// {"class": ..., "module": ..., "message": ...}.
func osloFailure(s string) string {
	v, err := parseOrderedJSON([]byte(s))
	o, ok := v.(object)
	if err != nil || !ok {
		return truncate(s, 160)
	}
	cls := o.str("class")
	if mod := o.str("module"); mod != "" && cls != "" {
		cls = mod + "." + cls
	}
	return oneLine(cls+": "+o.str("message"), 160)
}

// addContext lists the request context that oslo flattens into
// _context_* keys, redacting credentials (IsSecretKey).
func addContext(r *Result, o object) {
	n := 0
	for _, mb := range o {
		name, ok := strings.CutPrefix(mb.Key, "_context_")
		if !ok || mb.Val == nil {
			continue
		}
		if n == 24 {
			r.addNote("more _context_ keys not listed in fields")
			break
		}
		n++
		val := scalarString(mb.Val)
		if IsSecretKey(mb.Key) && redactValueWanted(mb.Val) {
			val = redacted
		} else if _, isObj := mb.Val.(object); isObj {
			val = redactedRepr(mb.Val)
		}
		if val == "" {
			continue
		}
		r.addField("Context "+name, val)
	}
}
