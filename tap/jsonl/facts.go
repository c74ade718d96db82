package jsonl

import (
	"unicode/utf8"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// Fact is one lifecycle fact (decode.Fact) as a line carries it, under
// "facts": what the tap read of a Celery or oslo.messaging message for
// the task and RPC lifecycles, so that `shoveltap open` rebuilds those
// views from a capture without decoding its messages again
// (docs/json-lines.md). It is decode.Fact with names for JSON: every field
// is here, in the same order, so that a fact read back is the fact
// written.
type Fact struct {
	Kind       decode.FactKind `json:"kind"`
	Type       string          `json:"type,omitempty"`
	TaskID     string          `json:"task_id,omitempty"`
	Name       string          `json:"name,omitempty"`
	RootID     string          `json:"root_id,omitempty"`
	ParentID   string          `json:"parent_id,omitempty"`
	Hostname   string          `json:"hostname,omitempty"`
	Timestamp  float64         `json:"timestamp,omitempty"`
	Retries    int64           `json:"retries,omitempty"`
	HasRetries bool            `json:"has_retries,omitempty"`
	Args       string          `json:"args,omitempty"`
	Kwargs     string          `json:"kwargs,omitempty"`
	ETA        string          `json:"eta,omitempty"`
	Runtime    float64         `json:"runtime,omitempty"`
	HasRuntime bool            `json:"has_runtime,omitempty"`
	Result     string          `json:"result,omitempty"`
	Exception  string          `json:"exception,omitempty"`
	Traceback  string          `json:"traceback,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	Terminated bool            `json:"terminated,omitempty"`
	Expired    bool            `json:"expired,omitempty"`
	Freq       float64         `json:"freq,omitempty"`
	Active     int64           `json:"active,omitempty"`
	Processed  int64           `json:"processed,omitempty"`
	HasLoad    bool            `json:"has_load,omitempty"`
	MsgID      string          `json:"msg_id,omitempty"`
	Method     string          `json:"method,omitempty"`
	ReplyQ     string          `json:"reply_queue,omitempty"`
	Cast       bool            `json:"cast,omitempty"`
	Failure    string          `json:"failure,omitempty"`
	Ending     bool            `json:"ending,omitempty"`
	Timeout    string          `json:"timeout,omitempty"`
}

// newFacts is what a line says of a message's facts: every fact, or nil
// when one of them cannot be written exactly (a kind without a name, a
// string that is not UTF-8, which JSON would change). A line without its
// facts is decoded again by a reader, as lines were before they had them.
func newFacts(facts []decode.Fact) []Fact {
	out := make([]Fact, len(facts))
	for i, f := range facts {
		if _, err := f.Kind.MarshalText(); err != nil || !utf8Facts(f) {
			return nil
		}
		out[i] = Fact(f)
	}
	return out
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

// decodeFacts is the facts a line carries, as the decoder made them.
func decodeFacts(in []Fact) []decode.Fact {
	if len(in) == 0 {
		return nil
	}
	out := make([]decode.Fact, len(in))
	for i, f := range in {
		out[i] = decode.Fact(f)
	}
	return out
}
