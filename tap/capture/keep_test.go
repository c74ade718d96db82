package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

// celeryEvent is a task event with lifecycle facts.
func celeryEvent(i int) tap.Message {
	return tap.Message{Seq: uint64(i), Time: t0, Exchange: "celeryev", RoutingKey: "task.succeeded",
		Properties: tap.Properties{ContentType: "application/json"},
		Body:       []byte(fmt.Sprintf(`{"type": "task-succeeded", "uuid": "id-%d", "hostname": "w1", "runtime": 0.5, "timestamp": 1700000000.5}`, i))}
}

// TestKeepLastCountsTheLinesBefore: with KeepLast the last messages (and
// a margin) come in full and the lines before come for counting, with the
// facts their lines carry; corrupt lines are skipped and named by line
// among both, and the messages, lines and notes are those a full read
// gives.
func TestKeepLastCountsTheLinesBefore(t *testing.T) {
	const n, keep = keepMargin + 200, 50
	var msgs []tap.Message
	for i := 1; i <= n; i++ {
		if i%2 == 0 {
			msgs = append(msgs, celeryEvent(i))
		} else {
			msgs = append(msgs, sample(i, 10))
		}
	}
	path, lines := writeCapture(t, msgs)
	// A corrupt line among the counted ones and one among the full ones.
	var b bytes.Buffer
	for i, l := range lines {
		b.WriteString(l)
		if i == 9 || i == n-5 {
			b.WriteString(`{"seq":3,"exchange":"orders","size":` + "\n")
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	full, fullRd := readAll(t, path)
	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if err := rd.KeepLast(keep, false); err != nil {
		t.Fatal(err)
	}
	var kept []tap.Message
	for b := range rd.Batches(t.Context()) {
		kept = append(kept, b.Messages...)
	}
	if len(kept) != len(full) || len(full) != n {
		t.Fatalf("read %d messages with KeepLast, %d in full, want %d", len(kept), len(full), n)
	}
	counted := 0
	for i, m := range kept {
		f := full[i]
		if m.Seq != f.Seq || !m.Time.Equal(f.Time) {
			t.Fatalf("message %d: line %d, want %d", i, m.Seq, f.Seq)
		}
		if !m.CountOnly {
			if !reflect.DeepEqual(m, f) {
				t.Errorf("line %d read in full differs:\n got %#v\nwant %#v", m.Seq, m, f)
			}
			continue
		}
		counted++
		if i >= n-keep-keepMargin+1 {
			t.Errorf("line %d is counted, though among the last %d lines", m.Seq, keep+keepMargin)
		}
		if m.Reading == nil {
			t.Errorf("line %d: counted without a reading", m.Seq)
			continue
		}
		if want := f.Read().Facts; !reflect.DeepEqual(m.Reading.Facts, want) {
			t.Errorf("line %d: facts %+v, want %+v", m.Seq, m.Reading.Facts, want)
		}
	}
	if want := n + 2 - keep - keepMargin; counted < want-1 || counted > want {
		t.Errorf("%d lines counted, want about %d", counted, want)
	}
	if rd.Note() != fullRd.Note() || rd.Read() != fullRd.Read() {
		t.Errorf("note %q, read %d; in full %q, %d", rd.Note(), rd.Read(), fullRd.Note(), fullRd.Read())
	}
	// Counted lines are read again from disk like any other.
	if m, err := rd.Message(1); err != nil || m.CountOnly || m.RoutingKey != "order.1" {
		t.Errorf("Message(1) = %+v, %v", m, err)
	}

	// Decoded again (open --redact): counted lines come in full.
	rd2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd2.Close()
	if err := rd2.KeepLast(keep, true); err != nil {
		t.Fatal(err)
	}
	i := 0
	for b := range rd2.Batches(t.Context()) {
		for _, m := range b.Messages {
			want := full[i]
			want.CountOnly = m.CountOnly
			if m.Reading != nil || !reflect.DeepEqual(m, want) {
				t.Errorf("line %d decoded again: %+v", m.Seq, m)
			}
			i++
		}
	}
}

// TestStartOfLastLines: the offset of the first of the last n lines, with
// and without a newline at the end, and for fewer lines than n.
func TestStartOfLastLines(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int
		want int64
	}{
		{"a\nbb\nccc\n", 1, 5}, {"a\nbb\nccc\n", 2, 2}, {"a\nbb\nccc\n", 3, 0}, {"a\nbb\nccc\n", 9, 0},
		{"a\nbb\nccc", 1, 5}, {"a\nbb\nccc", 2, 2}, {"", 1, 0}, {"\n\n", 1, 1},
		{strings.Repeat("x\n", 100_000), 3, 200_000 - 6},
	} {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := startOfLastLines(f, c.n)
		f.Close()
		if err != nil || got != c.want {
			t.Errorf("%.20q, last %d: %d (%v), want %d", c.text, c.n, got, err, c.want)
		}
	}
}

// TestBatchesOfLargeLinesAreCut: Batches stops gathering a batch's lines
// at maxBatchText, so that large messages are not held twice, as text and
// as messages, for a whole batch; every message still comes.
func TestBatchesOfLargeLinesAreCut(t *testing.T) {
	const n, body = 20, 300 << 10
	var msgs []tap.Message
	for i := 1; i <= n; i++ {
		m := sample(i, 1)
		m.Body = bytes.Repeat([]byte("y"), body)
		msgs = append(msgs, m)
	}
	path, _ := writeCapture(t, msgs)
	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var sizes []int
	for b := range rd.Batches(t.Context()) {
		sizes = append(sizes, len(b.Messages))
	}
	if len(sizes) < 2 || sizes[0] > maxBatchText/body+1 || sizes[0]+sizes[1] != n {
		t.Errorf("batches of %v messages of %d KiB", sizes, body>>10)
	}
}
