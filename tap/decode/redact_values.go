package decode

// redactedRepr renders a value with credential keys replaced.
func redactedRepr(v any) string {
	return pyRepr(redactValue(v, 0), maxField)
}

// redactedCall renders oslo RPC args as a call's keyword arguments.
func redactedCall(args object, max int) string {
	o, _ := redactValue(args, 0).(object)
	return callArgs(nil, o, max)
}

// redactValue copies v with the values of credential keys replaced, and
// secrets in repr or JSON text inside strings too. Values that need no
// change are shared, not copied.
func redactValue(v any, depth int) any {
	out, _ := redactCopy(v, depth)
	return out
}

func redactCopy(v any, depth int) (any, bool) {
	if depth > maxDepth {
		return v, false
	}
	switch x := v.(type) {
	case string:
		return redactReprText(x)
	case object:
		var out object
		for i, mb := range x {
			var nv any
			var changed bool
			if IsSecretKey(mb.Key) && redactValueWanted(mb.Val) {
				nv, changed = redacted, true
			} else {
				nv, changed = redactCopy(mb.Val, depth+1)
			}
			if changed && out == nil {
				out = make(object, i, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out = append(out, member{Key: mb.Key, Val: nv})
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			ne, changed := redactCopy(e, depth+1)
			if changed && out == nil {
				out = make([]any, i, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out = append(out, ne)
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	}
	return v, false
}

// RedactHeaders returns the headers with the values of secret keys
// (IsSecretKey) replaced by "[redacted]", in nested tables and arrays too,
// and with secret values inside string values that hold Python reprs or
// JSON (Celery's argsrepr and kwargsrepr) redacted the same way. It never
// modifies h; when nothing needed redacting it returns h itself.
func RedactHeaders(h map[string]any) map[string]any {
	out, _ := redactHeaderTable(h, 0)
	return out
}

func redactHeaderTable(h map[string]any, depth int) (map[string]any, bool) {
	var out map[string]any
	for k, v := range h {
		nv, changed := redactHeaderValue(k, v, depth)
		if !changed {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(h))
			for k2, v2 := range h {
				out[k2] = v2
			}
		}
		out[k] = nv
	}
	if out == nil {
		return h, false
	}
	return out, true
}

func redactHeaderValue(key string, v any, depth int) (any, bool) {
	if key != "" && IsSecretKey(key) && redactValueWanted(v) {
		return redacted, true
	}
	if depth > maxValueDepth {
		return v, false
	}
	switch x := v.(type) {
	case string:
		return redactReprText(x)
	case map[string]any:
		return redactHeaderTable(x, depth+1)
	case []any:
		var out []any
		for i, e := range x {
			ne, changed := redactHeaderValue("", e, depth+1)
			if changed && out == nil {
				out = make([]any, len(x))
				copy(out, x)
			}
			if changed {
				out[i] = ne
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	}
	return v, false
}
