package routing

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// xMatch is a headers binding's x-match mode; anything but the three
// others is "all", as in rabbit_exchange_type_headers.
func xMatch(args map[string]any) string {
	if s, ok := args["x-match"].(string); ok {
		switch s {
		case "any", "any-with-x", "all-with-x":
			return s
		}
	}
	return "all"
}

// headerCheck is how one binding argument compares with the message.
type headerCheck struct {
	key     string
	skipped bool // an x- argument outside the -with-x modes, or x-match
	ok      bool
	why     string
}

// headersMatch evaluates a headers binding as the broker does: each
// argument but x-match is compared with the header of the same name (a
// void argument asks only that the header be present); arguments starting
// with "x-" are left out unless x-match is all-with-x or any-with-x. "all"
// needs every compared argument to match (so a binding with none matches
// every message), "any" at least one.
func headersMatch(args, headers map[string]any, strict bool) (bool, []headerCheck) {
	mode := xMatch(args)
	withX := strings.HasSuffix(mode, "-with-x")
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	checks := make([]headerCheck, 0, len(keys))
	matched, compared := 0, 0
	for _, k := range keys {
		c := headerCheck{key: k}
		switch {
		case k == "x-match":
			c.skipped = true
			c.why = "x-match is the mode, not a header"
		case strings.HasPrefix(k, "x-") && !withX:
			c.skipped = true
			c.why = fmt.Sprintf("argument `%s` starts with x- and is ignored (x-match %s; only all-with-x and any-with-x compare x- headers)", k, mode)
		default:
			compared++
			want := args[k]
			got, present := headers[k]
			switch {
			case !present:
				c.why = fmt.Sprintf("header `%s` missing", k)
			case want == nil:
				c.ok = true
				c.why = fmt.Sprintf("header `%s` present (the binding asks only for presence)", k)
			case equalValues(want, got, strict):
				c.ok = true
				c.why = fmt.Sprintf("header `%s` is %s as wanted", k, formatValue(got))
			case strict && equalValues(want, got, false):
				c.why = fmt.Sprintf("header `%s` is %s where the binding wants %s: RabbitMQ 4 compares the type too (an integer never equals a float)", k, formatValue(got), formatValue(want))
			default:
				c.why = fmt.Sprintf("header `%s` is %s where the binding wants %s", k, formatValue(got), formatValue(want))
			}
			if c.ok {
				matched++
			}
		}
		checks = append(checks, c)
	}
	if strings.HasPrefix(mode, "any") {
		return matched > 0, checks
	}
	return matched == compared, checks
}

// equalValues compares a binding argument with a header value as the
// broker does: strings and byte arrays by their bytes, numbers by value
// whatever their width — on RabbitMQ 3.x (Erlang ==) an integer equals a
// float of the same value, on RabbitMQ 4 (strict, Erlang =:=) it never
// does — anything else by deep equality.
func equalValues(want, got any, strict bool) bool {
	if ws, ok := asString(want); ok {
		gs, ok := asString(got)
		return ok && ws == gs
	}
	if wn, ok := asNumber(want); ok {
		gn, ok := asNumber(got)
		if strict && ok && isFloat(want) != isFloat(got) {
			return false
		}
		return ok && wn == gn
	}
	if wt, ok := want.(time.Time); ok {
		gt, ok := got.(time.Time)
		return ok && wt.Equal(gt)
	}
	return reflect.DeepEqual(want, got)
}

func asString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

func asNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		if math.IsNaN(n) {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// isFloat reports whether a number is a float rather than an integer.
func isFloat(v any) bool {
	switch v.(type) {
	case float32, float64:
		return true
	}
	return false
}
