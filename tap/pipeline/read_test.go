package pipeline

import (
	"context"
	"fmt"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

func TestReadsEveryMessageOnceInOrder(t *testing.T) {
	in := make(chan tap.Batch)
	p, out := Start(context.Background(), in, Config{Workers: 4})
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
			if m.Reading == nil || m.Reading.Decoded.Format != "json" {
				t.Fatalf("message %d not read: %+v", m.Seq, m.Reading)
			}
		}
		if b.Status.Seen != want {
			t.Errorf("status of the batch ending at %d says %d", want, b.Status.Seen)
		}
	}
	if want != 20*19/2*7 {
		t.Errorf("%d messages came through", want)
	}
	if p.Readings() != want {
		t.Errorf("%d readings built for %d messages", p.Readings(), want)
	}
}

// A message already read is not read again.
func TestReadKeepsWhatIsRead(t *testing.T) {
	var p Pipeline
	msgs := []tap.Message{{Body: []byte("text")}}
	p.read(msgs, 1)
	first := msgs[0].Reading
	p.read(msgs, 1)
	if msgs[0].Reading != first || p.Readings() != 1 {
		t.Errorf("read again: %d readings", p.Readings())
	}
}
