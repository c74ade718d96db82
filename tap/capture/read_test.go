package capture

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/shoveltap/shoveltap/tap"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func sample(i int, bodySize int) tap.Message {
	body := []byte(fmt.Sprintf(`{"order_id":%d,"pad":"%s"}`, i, strings.Repeat("x", bodySize)))
	if i%3 == 0 {
		body = []byte{0xff, byte(i), 0, 1}
	}
	return tap.Message{
		Seq: uint64(i), Time: t0.Add(time.Duration(i) * time.Millisecond), Source: "orders (#)",
		Exchange: "orders", RoutingKey: fmt.Sprintf("order.%d", i),
		Properties: tap.Properties{ContentType: "application/json", DeliveryMode: 2, MessageID: fmt.Sprint("m", i), Timestamp: t0},
		Headers:    map[string]any{"n": int64(i), "bytes": []byte{byte(i)}, "when": t0, "nested": map[string]any{"l": []any{"a", 1.5}}},
		Body:       body,
	}
}

func writeCapture(t *testing.T, msgs []tap.Message) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.jsonl")
	if err := WriteFile(path, msgs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	return path, lines[:len(lines)-1] // after the last newline: nothing
}

func readAll(t *testing.T, path string) ([]tap.Message, *Reader) {
	t.Helper()
	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })
	var out []tap.Message
	for b := range rd.Batches(context.Background()) {
		out = append(out, b.Messages...)
	}
	return out, rd
}

// TestCorruptAndTruncatedLines: a corrupt line in the middle and a cut-off
// last line are skipped and named; every other message is read intact.
func TestCorruptAndTruncatedLines(t *testing.T) {
	var msgs []tap.Message
	for i := 1; i <= 5; i++ {
		msgs = append(msgs, sample(i, 10))
	}
	path, lines := writeCapture(t, msgs)
	// Lines: 1 2 corrupt 3 4 5 truncated.
	var b bytes.Buffer
	b.WriteString(lines[0] + lines[1])
	b.WriteString(`{"seq":3,"exchange":"orders","size":` + "\n")
	b.WriteString(lines[2] + lines[3] + lines[4])
	b.WriteString(lines[0][:len(lines[0])/2]) // cut off, no newline
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	got, rd := readAll(t, path)
	wantLines := []uint64{1, 2, 4, 5, 6}
	if len(got) != len(wantLines) {
		t.Fatalf("read %d messages, want %d", len(got), len(wantLines))
	}
	for i, m := range got {
		want := msgs[i]
		want.Seq = wantLines[i] // the Seq of a message read back is its line
		if !reflect.DeepEqual(m, want) {
			t.Errorf("line %d:\n got %#v\nwant %#v", wantLines[i], m, want)
		}
	}
	skips, n := rd.Skipped()
	if n != 2 || skips[0].Line != 3 || skips[1].Line != 7 || !strings.Contains(skips[1].Reason, "truncated") {
		t.Errorf("skipped %d: %+v", n, skips)
	}
	if note := rd.Note(); note != "skipped lines 3, 7" {
		t.Errorf("note %q", note)
	}
	// A message can be read again from disk by its line.
	m, err := rd.Message(5)
	if err != nil || m.RoutingKey != "order.4" {
		t.Errorf("Message(5) = %v, %v", m.RoutingKey, err)
	}
}

func TestNoteForOneLine(t *testing.T) {
	path, lines := writeCapture(t, []tap.Message{sample(1, 1), sample(2, 1)})
	if err := os.WriteFile(path, []byte(lines[0]+"not json\n"+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	got, rd := readAll(t, path)
	if len(got) != 2 || !strings.HasPrefix(rd.Note(), "skipped line 2: not a JSON record") {
		t.Errorf("%d messages, note %q", len(got), rd.Note())
	}
}

// TestBoundedMemory streams a capture much larger than what the consumer
// keeps and checks that the heap stays far below the file's size and that
// the reader reads ahead at most two batches.
func TestBoundedMemory(t *testing.T) {
	testtier.Slow(t, "a 40 MB capture")
	const n, body, keep = 20000, 2048, 1000
	path := filepath.Join(t.TempDir(), "big.jsonl")
	rec, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i += 500 {
		batch := make([]tap.Message, 0, 500)
		for j := i; j < i+500; j++ {
			m := sample(j, body)
			m.Body = bytes.Repeat([]byte("y"), body) // text, so the line is about body bytes
			batch = append(batch, m)
		}
		if err := rec.WriteBatch(batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	size := st.Size()

	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := rd.Batches(ctx)

	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)

	// The consumer keeps the last keep messages, like the UI's ring.
	ring := make([]tap.Message, 0, keep)
	received, nb := 0, 0
	var peak uint64
	for b := range batches {
		nb++
		for _, m := range b.Messages {
			if len(ring) == keep {
				copy(ring, ring[1:])
				ring = ring[:keep-1]
			}
			ring = append(ring, m)
		}
		received += len(b.Messages)
		if nb == 3 {
			// Give the reader time to run ahead if it would.
			time.Sleep(100 * time.Millisecond)
			if ahead := rd.Read() - received; ahead > 2*BatchSize {
				t.Errorf("the reader ran %d messages ahead of the consumer; at most %d allowed", ahead, 2*BatchSize)
			}
		}
		if nb%8 == 0 {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(ms.HeapAlloc, base.HeapAlloc))
		}
	}
	if received != n {
		t.Fatalf("received %d messages, want %d", received, n)
	}
	t.Logf("file %d MB, heap growth peak %.1f MB", size>>20, float64(peak)/(1<<20))
	if limit := uint64(size) / 4; peak > limit {
		t.Errorf("heap grew by %d bytes while streaming a %d byte capture; want under %d", peak, size, limit)
	}
}

// Lines longer than the reader's buffer (256 KiB) are read whole, between
// short ones whose bytes the reader reuses: every message comes back as
// written.
func TestLinesLongerThanTheBuffer(t *testing.T) {
	var msgs []tap.Message
	for i := 1; i <= 7; i++ {
		size := 10
		if i%2 == 0 {
			size = 300<<10 + i
		}
		m := sample(i, size)
		m.Reading = nil
		msgs = append(msgs, m)
	}
	path, _ := writeCapture(t, msgs)
	got, rd := readAll(t, path)
	if len(got) != len(msgs) {
		t.Fatalf("read %d messages of %d; skipped: %v", len(got), len(msgs), rd.Note())
	}
	for i, m := range got {
		if !bytes.Equal(m.Body, msgs[i].Body) || m.RoutingKey != msgs[i].RoutingKey || !reflect.DeepEqual(m.Headers, msgs[i].Headers) {
			t.Errorf("message %d differs: %d bytes of body, want %d", i+1, len(m.Body), len(msgs[i].Body))
		}
	}
	again, err := rd.Message(4)
	if err != nil || !bytes.Equal(again.Body, msgs[3].Body) {
		t.Errorf("line 4 read again: %d bytes, %v", len(again.Body), err)
	}
}
