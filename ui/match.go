package ui

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// MatchFunc returns the filter bar's test for query, for messages that
// never reach the screen (--filter with JSON lines): the same language
// over the same fields and text as in the UI, so a query selects the same
// messages in both. It returns nil for a query without terms.
func MatchFunc(query string) func(tap.Message, decode.Result) bool {
	mt := filter.Parse(query)
	if mt.Empty() {
		return nil
	}
	return func(m tap.Message, res decode.Result) bool {
		m.Decoded = &res
		return mt.Match(&newEntry(m).subject)
	}
}
