package decode

import (
	"bytes"
	"encoding/json"
	"strings"
)

// summaryOrder returns a JSON body with the members of its top-level
// object reordered for the one-line summary, or body itself. A narrow
// summary column shows only the start of the line, and an object that
// starts with a timestamp ({"at": "2026-…", …}, as json.Marshal of a map
// with sorted keys writes it) shows the same start for every message.
// So when the first member is timestamp-like, the members that tell
// messages apart come first (event, type, kind, action, name, method,
// status, then id and *_id keys), then the others in their order, and the
// timestamp-like members last. Any other body keeps its own order: the
// summary is what was published. docs/architecture.md has the rule.
func summaryOrder(body []byte) []byte {
	key, val, ok := firstMember(body)
	if !ok || !timestampLike(key, val) {
		return body
	}
	type member struct {
		key  string
		raw  json.RawMessage
		rank int
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return body
	}
	var members []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return body
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return body
		}
		members = append(members, member{k, raw, summaryRank(k, raw)})
	}
	out := make([]byte, 0, len(body)+2)
	out = append(out, '{')
	first := true
	for rank := 0; rank <= rankLast; rank++ {
		for _, m := range members {
			if m.rank != rank {
				continue
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			k, _ := json.Marshal(m.key)
			out = append(out, k...)
			out = append(out, ':')
			out = append(out, m.raw...)
		}
	}
	return append(out, '}')
}

// The ranks of summaryOrder: the telling keys in their order of
// preference, then ids, then the rest, then timestamps.
var tellingKeys = []string{"event", "type", "kind", "action", "name", "method", "status"}

var (
	rankID    = len(tellingKeys)
	rankOther = rankID + 1
	rankLast  = rankOther + 1 // timestamp-like
)

func summaryRank(key string, raw []byte) int {
	lk := strings.ToLower(key)
	for i, k := range tellingKeys {
		if lk == k {
			return i
		}
	}
	switch {
	case timestampLike(key, raw):
		return rankLast
	case lk == "id" || strings.HasSuffix(lk, "_id") || strings.HasSuffix(key, "Id") || strings.HasSuffix(key, "ID"):
		return rankID
	}
	return rankOther
}

// timestampLike says whether a member holds a time: by its name (at,
// time, timestamp, ts, date, *_at, createdAt, …) or by an ISO 8601 date
// as its string value.
func timestampLike(key string, raw []byte) bool {
	lk := strings.ToLower(key)
	switch lk {
	case "at", "time", "timestamp", "@timestamp", "ts", "date", "datetime", "when", "created", "updated", "sent":
		return true
	}
	for _, suffix := range []string{"_at", "_time", "_ts", "_date", "_timestamp"} {
		if strings.HasSuffix(lk, suffix) {
			return true
		}
	}
	if strings.HasSuffix(key, "At") || strings.HasSuffix(key, "Time") || strings.HasSuffix(key, "Timestamp") {
		return true
	}
	// "2026-03-14…": four digits, dash, two digits, dash, two digits.
	v := bytes.TrimSpace(raw)
	if len(v) < 11 || v[0] != '"' {
		return false
	}
	for i, c := range v[1:11] {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// firstMember finds the key of the first member of a top-level object and
// the start of its value, without decoding the body. A key with an escape
// is not looked into (ok false).
func firstMember(body []byte) (key string, val []byte, ok bool) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return "", nil, false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 || bytes.IndexByte(b[1:end+1], '\\') >= 0 {
		return "", nil, false
	}
	key = string(b[1 : end+1])
	b = bytes.TrimLeft(b[end+2:], " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return "", nil, false
	}
	return key, bytes.TrimLeft(b[1:], " \t\r\n"), true
}
