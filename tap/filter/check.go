package filter

import (
	"fmt"
	"slices"
	"strings"
)

// Check finds what in a query is likely not what its author meant, for a
// warning where there is no live result to look at (--filter with JSON
// lines). Parse accepts the query all the same: a name it does not know
// is free text, and an unclosed quote runs to the end.
func Check(query string) []string {
	var out []string
	if strings.Count(query, `"`)%2 == 1 {
		out = append(out, `an unclosed " makes the rest of the query one term`)
	}
	for _, tok := range split(query) {
		t := strings.TrimPrefix(tok, "-")
		name, value, ok := strings.Cut(t, ":")
		if !ok || isFieldName(strings.ToLower(name)) || !looksLikeName(name) || strings.HasPrefix(value, "/") {
			continue // a field, free text, or a URL such as http://host
		}
		out = append(out, fmt.Sprintf("%q is free text: %q is not a field name (field names: %s)", tok, name, strings.Join(fieldNames(), ", ")))
	}
	return out
}

// looksLikeName says whether s could be meant as a field name: a word of
// letters, perhaps with _ or -.
func looksLikeName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// fieldNames are the names a term may have, in the order the syntax
// documents them.
func fieldNames() []string {
	names := []string{"rk", "exchange", "ctype", "format"}
	var terms []string
	for n := range termNames {
		terms = append(terms, n)
	}
	slices.Sort(terms)
	return append(append(names, terms...), "ce.*", "proto.*", "avro.*", "hook.*")
}
