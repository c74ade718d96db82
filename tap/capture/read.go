package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// Skip is a line of a capture that could not be read.
type Skip struct {
	Line   int
	Reason string
}

// maxSkips is how many skipped lines are remembered one by one; the rest
// are only counted.
const maxSkips = 100

// Reader reads a capture file line by line. It keeps the byte offset of
// every message line (8 bytes a line: 8 MB for a million lines) and nothing
// else, so a message can be read again from disk by its line number.
type Reader struct {
	path string
	f    *os.File
	br   *bufio.Reader
	pos  int64 // offset of the next line
	line int   // number of the last line read

	// lineOfSeq maps the seq a recent message had in its session to its
	// line, so that a delivery's link to its publish names the line (see
	// relink).
	lineOfSeq map[uint64]int
	seqOrder  []seqLine // a ring of the last maxRelink seqs, oldest at seqNext once full
	seqNext   int

	// countBefore is the offset of the first line read in full by
	// Batches; the lines before it are read for counting only (KeepLast).
	countBefore int64
	// freshFacts: counted lines are read in full and decoded again rather
	// than trusted for their facts (KeepLast).
	freshFacts bool

	mu      sync.Mutex
	offsets []int64 // offsets[i] is where line i+1 starts
	skips   []Skip
	skipped int // all skipped lines, including those not in skips
	read    int // messages read
}

// Open opens a capture for reading.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return &Reader{path: path, f: f, br: bufio.NewReaderSize(f, 256<<10)}, nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Path is the file read.
func (r *Reader) Path() string { return r.path }

// KeepLast makes Batches read in full only the last n messages of the
// file (and a few more, for lines that turn out not to be messages), the
// ones a view that retains n keeps: the lines before are read for
// counting (jsonl.ParseCounted; tap.Message.CountOnly), which the views
// count and take the lifecycle facts of without showing them. Every line
// is still checked, and skipped lines are named as before. With
// freshFacts (open --redact) a counted line's message is read in full and
// decoded again, so that the pipeline redacts it before its facts are
// taken, rather than taken from the line. Call it before Batches.
func (r *Reader) KeepLast(n int, freshFacts bool) error {
	off, err := startOfLastLines(r.f, n+keepMargin)
	if err != nil {
		return fmt.Errorf("capture: reading %s: %w", r.path, err)
	}
	r.countBefore, r.freshFacts = off, freshFacts
	return nil
}

// keepMargin is how many lines KeepLast reads in full beyond the n asked:
// lines near the end that are not messages still leave n messages.
const keepMargin = 1024

// startOfLastLines is the offset of the first of the last n lines of f (0
// when f has fewer), read backwards from its end.
func startOfLastLines(f *os.File, n int) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	buf := make([]byte, 64<<10)
	lines := 0
	for pos := end; pos > 0; {
		size := min(int64(len(buf)), pos)
		pos -= size
		chunk := buf[:size]
		if _, err := f.ReadAt(chunk, pos); err != nil {
			return 0, err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			// A newline ends a line; the file's last one starts none.
			if chunk[i] != '\n' || pos+int64(i) == end-1 {
				continue
			}
			if lines++; lines == n {
				return pos + int64(i) + 1, nil
			}
		}
	}
	return 0, nil
}

// rawLine is a line as read from the file, before it is parsed.
type rawLine struct {
	num        int
	text       []byte // without its end of line
	terminated bool
	counted    bool // before countBefore: read for counting (KeepLast)
}

// nextLine reads the next line that is not empty and records where it
// starts. Its text is valid until the next read, or, when into is not
// nil, is appended to *into (the batch's lines share one buffer). At the
// end it returns io.EOF.
func (r *Reader) nextLine(into *[]byte) (rawLine, error) {
	for {
		start := r.pos
		data, err := r.readLine()
		if len(data) == 0 && err == io.EOF {
			return rawLine{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return rawLine{}, fmt.Errorf("capture: reading %s at line %d: %w", r.path, r.line+1, err)
		}
		r.pos += int64(len(data))
		r.line++
		r.mu.Lock()
		r.offsets = append(r.offsets, start)
		r.mu.Unlock()
		text := trimEOL(data)
		if len(text) == 0 {
			continue
		}
		if into != nil {
			at := len(*into)
			*into = append(*into, text...)
			text = (*into)[at:len(*into):len(*into)]
		}
		return rawLine{num: r.line, text: text, terminated: data[len(data)-1] == '\n', counted: start < r.countBefore}, nil
	}
}

// parse reads a line's message: for counting only when it is counted.
func (r *Reader) parse(l rawLine) (tap.Message, error) {
	if l.counted && !r.freshFacts {
		return jsonl.ParseCounted(l.text)
	}
	m, err := jsonl.Parse(l.text)
	m.CountOnly = l.counted
	return m, err
}

// accept takes a parsed line in the file's order: a refused line is
// skipped and remembered, a message is relinked and numbered by its line.
func (r *Reader) accept(l rawLine, m *tap.Message, perr error) bool {
	if perr != nil {
		reason := perr.Error()
		if !l.terminated {
			reason = "truncated: the last line has no end (was the recording cut off?)"
		}
		r.skip(Skip{Line: l.num, Reason: reason})
		return false
	}
	r.relink(m, l.num)
	m.Seq = uint64(l.num)
	r.mu.Lock()
	r.read++
	r.mu.Unlock()
	return true
}

// Next returns the next message, its Seq set to its line number so that
// what the UI shows as #N is line N of the file. Lines that are not
// records are skipped and remembered (see Skipped). At the end it returns
// io.EOF.
func (r *Reader) Next() (tap.Message, error) {
	for {
		l, err := r.nextLine(nil)
		if err != nil {
			return tap.Message{}, err
		}
		m, perr := r.parse(l)
		if r.accept(l, &m, perr) {
			return m, nil
		}
	}
}

// readLine returns the next line, '\n' included, as bufio.Reader's
// ReadBytes does but without copying it when it fits in the buffer: the
// slice is valid until the next read, and jsonl.Parse copies what it keeps.
func (r *Reader) readLine() ([]byte, error) {
	data, err := r.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return data, err
	}
	// A line longer than the buffer is gathered.
	line := append([]byte(nil), data...)
	for errors.Is(err, bufio.ErrBufferFull) {
		data, err = r.br.ReadSlice('\n')
		line = append(line, data...)
	}
	return line, err
}

// maxRelink is how many recent messages a delivery's link can reach.
const maxRelink = 1 << 16

type seqLine struct {
	seq  uint64
	line int
}

// relink points a delivery's link to its publish (a seq of the recording
// session) at the publish's line, as Next renumbers messages by line; a
// publish not among the last maxRelink messages is unknown (0). Sessions
// appended to one file restart their seqs: the latest line with a seq is
// the one a later delivery means. It then remembers m's own seq.
func (r *Reader) relink(m *tap.Message, line int) {
	if r.lineOfSeq == nil {
		r.lineOfSeq = map[uint64]int{}
	}
	if d := m.Delivery; d != nil && d.Of != 0 {
		dv := *d
		dv.Of = uint64(r.lineOfSeq[d.Of])
		m.Delivery = &dv
	}
	if len(r.seqOrder) == maxRelink {
		old := r.seqOrder[r.seqNext]
		if r.lineOfSeq[old.seq] == old.line {
			delete(r.lineOfSeq, old.seq)
		}
		r.seqOrder[r.seqNext] = seqLine{m.Seq, line}
		r.seqNext = (r.seqNext + 1) % maxRelink
	} else {
		r.seqOrder = append(r.seqOrder, seqLine{m.Seq, line})
	}
	r.lineOfSeq[m.Seq] = line
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func (r *Reader) skip(s Skip) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped++
	if len(r.skips) < maxSkips {
		r.skips = append(r.skips, s)
	}
}

// Skipped returns the skipped lines remembered and how many were skipped
// in all.
func (r *Reader) Skipped() ([]Skip, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Skip(nil), r.skips...), r.skipped
}

// Read is how many messages were read so far.
func (r *Reader) Read() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.read
}

// Note says which lines were skipped, in one line, or "" when none was.
func (r *Reader) Note() string {
	skips, n := r.Skipped()
	if n == 0 {
		return ""
	}
	nums := make([]string, 0, min(len(skips), 5))
	for _, s := range skips[:min(len(skips), 5)] {
		nums = append(nums, strconv.Itoa(s.Line))
	}
	more := ""
	if n > len(nums) {
		more = fmt.Sprintf(" and %d more", n-len(nums))
	}
	word := "line"
	if n > 1 {
		word = "lines"
	}
	note := fmt.Sprintf("skipped %s %s%s", word, strings.Join(nums, ", "), more)
	if n == 1 {
		note += ": " + skips[0].Reason
	}
	return note
}

// Message reads the message on line n again from disk, through its own
// file handle so that it can run while the batches are read.
func (r *Reader) Message(line int) (tap.Message, error) {
	r.mu.Lock()
	if line < 1 || line > len(r.offsets) {
		r.mu.Unlock()
		return tap.Message{}, fmt.Errorf("capture: %s has no line %d read yet", r.path, line)
	}
	off := r.offsets[line-1]
	r.mu.Unlock()
	f, err := os.Open(r.path)
	if err != nil {
		return tap.Message{}, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(io.NewSectionReader(f, off, 1<<62))
	data, err := br.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return tap.Message{}, fmt.Errorf("capture: reading line %d of %s: %w", line, r.path, err)
	}
	m, err := jsonl.Parse(trimEOL(data))
	if err != nil {
		return tap.Message{}, fmt.Errorf("capture: line %d of %s: %w", line, r.path, err)
	}
	m.Seq = uint64(line)
	return m, nil
}

// parseAll parses lines with up to workers goroutines.
func (r *Reader) parseAll(lines []rawLine, workers int) ([]tap.Message, []error) {
	msgs, errs := make([]tap.Message, len(lines)), make([]error, len(lines))
	chunk := max(64, (len(lines)+workers-1)/workers)
	var wg sync.WaitGroup
	for start := 0; start < len(lines); start += chunk {
		wg.Go(func() {
			for i := start; i < min(start+chunk, len(lines)); i++ {
				msgs[i], errs[i] = r.parse(lines[i])
			}
		})
	}
	wg.Wait()
	return msgs, errs
}

// BatchSize is how many messages a batch of Batches holds at most.
const BatchSize = 512

// maxBatchText bounds the text of the lines Batches reads before parsing
// them: a batch of large messages is cut short rather than held twice,
// as text and as messages.
const maxBatchText = 4 << 20

// Batches reads the capture as tap.Batch values, what the pipeline reads
// of a live tap too. The channel holds one batch: the file is read only
// as fast as the consumer takes batches, so memory stays bounded by what
// the consumer retains. While reading, Status.State is StateStarting; the
// last batch says StateStopped and carries the note about skipped lines in
// Status.Detail. The channel is closed after it, or when ctx ends. A read
// error ends the batches with StateFailed.
func (r *Reader) Batches(ctx context.Context) <-chan tap.Batch {
	out := make(chan tap.Batch, 1)
	go func() {
		defer close(out)
		status := tap.Status{State: tap.StateStarting, Broker: filepath.Base(r.path)}
		var failure error
		send := func(msgs []tap.Message) bool {
			status.Seen = uint64(r.Read())
			status.Detail = r.Note()
			if failure != nil {
				status.Detail = failure.Error()
			}
			select {
			case out <- tap.Batch{Messages: msgs, Status: status}:
				return true
			case <-ctx.Done():
				return false
			}
		}
		workers := runtime.GOMAXPROCS(0)
		lines := make([]rawLine, 0, BatchSize)
		var text []byte // the batch's lines, one after the other
		for {
			// A batch's lines are read in order, parsed in parallel
			// (the parse is most of a capture's reading), and taken in
			// order again. Parsed messages keep nothing of their text:
			// the next batch reuses it.
			lines, text = lines[:0], text[:0]
			var end error
			for len(lines) < BatchSize && len(text) < maxBatchText {
				l, err := r.nextLine(&text)
				if err != nil {
					end = err
					break
				}
				lines = append(lines, l)
			}
			msgs, errs := r.parseAll(lines, workers)
			batch := msgs[:0] // the messages, skipped lines left out in place
			for i, l := range lines {
				if r.accept(l, &msgs[i], errs[i]) {
					batch = append(batch, msgs[i])
				}
			}
			switch {
			case errors.Is(end, io.EOF):
				status.State = tap.StateStopped
				send(batch)
				return
			case end != nil:
				status.State = tap.StateFailed
				failure = end
				send(batch)
				return
			}
			if !send(batch) {
				return
			}
		}
	}()
	return out
}
