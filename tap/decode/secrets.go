package decode

import (
	"bytes"
	"strings"
)

// secretParts name a credential wherever they appear in a key: they are
// specific enough that "os_password", "X-Auth-Token" or "adminPassword"
// all hold one.
var secretParts = [][]byte{
	[]byte("password"), []byte("passwd"), []byte("passphrase"), []byte("secret"), []byte("credential"),
	[]byte("apikey"), []byte("api_key"), []byte("api-key"),
	[]byte("privatekey"), []byte("private_key"), []byte("private-key"),
	[]byte("authtoken"), []byte("auth_token"), []byte("auth-token"), []byte("authorization"),
}

var tokenWord = []byte("token")

// IsSecretKey reports whether a key (a JSON or msgpack member, a Celery
// kwarg, an AMQP header) names a credential whose value must not be shown:
// one containing password, passwd, passphrase, secret, credential,
// api_key or apikey, private_key, auth_token or authorization, in any case
// and with -, _ or nothing between the words; or "token" as a word of its
// own ("token", "access_token", "accessToken", "X-Subject-Token", but not
// "tokens" or "max_tokens").
func IsSecretKey(name string) bool {
	return isSecretKey(name)
}

// isSecretKey takes the key as bytes too, so that the JSON redactor need
// not allocate a string for every key it meets.
func isSecretKey[T string | []byte](name T) bool {
	var buf [64]byte
	k := buf[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isUpperASCII(c) {
			c += 'a' - 'A'
		}
		k = append(k, c)
	}
	for _, p := range secretParts {
		if bytes.Contains(k, p) {
			return true
		}
	}
	for i := 0; ; {
		j := bytes.Index(k[i:], tokenWord)
		if j < 0 {
			return false
		}
		end := i + j + len(tokenWord)
		if end == len(k) || !isLowerASCII(k[end]) || isUpperASCII(name[end]) && !isUpperASCII(name[end-1]) {
			return true
		}
		i = end
	}
}

func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLowerASCII(c byte) bool { return 'a' <= c && c <= 'z' }

// redactValueWanted is false for values that reveal nothing, so that
// "password": null still says there is no password.
func redactValueWanted(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	}
	return true
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

// redactReprText replaces the values of secret keys in Python repr or
// JSON text, such as Celery's kwargsrepr "{'password': 'x', 'n': 1}". It
// follows quotes and brackets rather than parsing, so it also works on
// reprs cut short. Values become '[redacted]' in the key's quotes.
func redactReprText(s string) (string, bool) {
	if !strings.Contains(s, ":") || !strings.ContainsAny(s, `'"`) {
		return s, false
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		q := s[i]
		if q != '\'' && q != '"' {
			i++
			continue
		}
		end := quotedEnd(s, i)
		colon := skipSpaceString(s, end)
		if end-i < 2 || s[end-1] != q || colon >= len(s) || s[colon] != ':' || !IsSecretKey(s[i+1:end-1]) {
			i = end
			continue
		}
		v := skipSpaceString(s, colon+1)
		ve := reprValueEnd(s, v)
		val := strings.TrimSpace(s[v:ve])
		if val == "" || val == "None" || val == "null" || val == "''" || val == `""` {
			i = ve
			continue
		}
		b.WriteString(s[last:v])
		b.WriteByte(q)
		b.WriteString(redacted)
		b.WriteByte(q)
		last, i = ve, ve
	}
	if last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// quotedEnd returns the index past the string quoted at s[i], or len(s).
func quotedEnd(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(s)
}

func skipSpaceString(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// reprValueEnd returns where the value starting at s[i] ends: at the
// comma or closing bracket that ends it, outside quotes and brackets.
func reprValueEnd(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch c := s[i]; c {
		case '\'', '"':
			i = quotedEnd(s, i)
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return len(s)
}
