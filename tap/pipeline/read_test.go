package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/filter"
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

// upper is a user decoder for the test: it claims text/x-upper bodies and
// shows them in capitals.
type upper struct{}

func (upper) Decode(in decode.Input, body []byte) (decode.Result, bool) {
	if in.ContentType != "text/x-upper" {
		return decode.Result{}, false
	}
	r := decode.Result{Format: "upper", Summary: strings.ToUpper(string(body)), Body: decode.Body{Kind: decode.BodyText, Text: strings.ToUpper(string(body))}}
	r.SetTerm("hook.shout", strings.ToUpper(string(body)))
	return r, true
}

// The read stage and a detail view's full decode use Config.Decoder.
func TestReadUsesTheDecoder(t *testing.T) {
	in := make(chan tap.Batch, 1)
	in <- tap.Batch{Messages: []tap.Message{
		{Properties: tap.Properties{ContentType: "text/x-upper"}, Body: []byte("hello")},
		{Properties: tap.Properties{ContentType: "text/plain"}, Body: []byte("plain")},
	}}
	close(in)
	_, out := Start(context.Background(), in, Config{Workers: 1, Decoder: decode.NewDecoder(upper{})})
	b := <-out
	got, plain := b.Messages[0].Reading, b.Messages[1].Reading
	if got.Decoded.Format != "upper" || got.Cells.Summary != "HELLO" || got.Subject.Terms["hook.shout"] != "HELLO" {
		t.Errorf("read without the decoder: %+v", got.Decoded)
	}
	if body := got.Body(); body.Text != "HELLO" {
		t.Errorf("the detail's body %q was not decoded by the decoder", body.Text)
	}
	if plain.Decoded.Format != "text" {
		t.Errorf("a message the decoder does not claim: format %q", plain.Decoded.Format)
	}
	if !filter.Parse("hook.shout:hello").Match(&got.Subject) {
		t.Error("the decoder's term does not match a filter")
	}
}
