package hook

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// digest hashes what the hook sees of a message, for the answer cache.
func digest(in decode.Input, body []byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{in.Exchange, in.RoutingKey, in.ContentType, in.ContentEncoding, in.CorrelationID, in.ReplyTo, in.MessageID, in.Type} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	keys := make([]string, 0, len(in.Headers))
	for k := range in.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%v;", k, in.Headers[k])
	}
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}
