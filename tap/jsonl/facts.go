package jsonl

import (
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// newFacts is what a line says of a message's lifecycle facts (its
// "facts", under decode.Fact's JSON names): every fact, or nil when one
// of them cannot be written exactly (a kind without a name, a string that
// is not UTF-8, which JSON would change). A line without its facts is
// decoded again by a reader, as lines were before they had them.
func newFacts(facts []decode.Fact) []decode.Fact {
	for _, f := range facts {
		if _, err := f.Kind.MarshalText(); err != nil || !utf8Facts(f) {
			return nil
		}
	}
	if facts == nil {
		return []decode.Fact{} // read, and none: "facts": []
	}
	return facts
}

func utf8Facts(f decode.Fact) bool {
	for _, s := range [...]string{f.Type, f.TaskID, f.Name, f.RootID, f.ParentID, f.Hostname, f.Args, f.Kwargs,
		f.ETA, f.Result, f.Exception, f.Traceback, f.Reason, f.MsgID, f.Method, f.ReplyQ, f.Failure, f.Timeout} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
