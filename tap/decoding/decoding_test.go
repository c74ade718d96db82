package decoding

import (
	"context"
	"fmt"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

func TestStageDecodesEveryMessageOnceInOrder(t *testing.T) {
	in := make(chan tap.Batch)
	out := Stage(context.Background(), in, 4)
	go func() {
		defer close(in)
		seq := uint64(0)
		for b := range 20 {
			var msgs []tap.Message
			for range b * 7 { // batches of 0 to 133 messages
				seq++
				msgs = append(msgs, tap.Message{Seq: seq, Properties: tap.Properties{ContentType: "application/json"}, Body: []byte(fmt.Sprintf(`{"n":%d}`, seq))})
			}
			in <- tap.Batch{Messages: msgs, Status: tap.Status{Seen: seq}}
		}
	}()
	var want uint64
	for b := range out {
		for _, m := range b.Messages {
			want++
			if m.Seq != want {
				t.Fatalf("message %d arrived as %d: out of order", want, m.Seq)
			}
			if m.Decoded == nil || m.Decoded.Format != "json" {
				t.Fatalf("message %d not decoded: %+v", m.Seq, m.Decoded)
			}
		}
		if b.Status.Seen != want {
			t.Errorf("status of the batch ending at %d says %d", want, b.Status.Seen)
		}
	}
	if want != 20*19/2*7 {
		t.Errorf("%d messages came through", want)
	}
}

// A message already decoded is not decoded again.
func TestBatchKeepsWhatIsDecoded(t *testing.T) {
	msgs := []tap.Message{{Body: []byte("text")}}
	Batch(msgs, 1)
	first := msgs[0].Decoded
	Batch(msgs, 1)
	if msgs[0].Decoded != first {
		t.Error("decoded twice")
	}
}
