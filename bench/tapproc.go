package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// tapProc is a tap that runs as its own process and prints one line per
// message it shows (shoveltap --json, rabtap --format json-nopp): the
// harness counts the lines as they come, as a person piping it would see
// them, and sums the sampled-away estimates of shoveltap's gap fields.
type tapProc struct {
	name   string
	cmd    *exec.Cmd
	lines  atomic.Int64
	missed atomic.Int64 // shoveltap's gap fields: missed_estimate, summed
	gaps   atomic.Int64
	// holes sums, over the records with a gap field, the messages the
	// publisher's sequence numbers say are missing before them: the
	// truth the estimates are held against.
	holes  atomic.Int64
	last   atomic.Int64 // unix nanoseconds of the last line
	done   chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
}

func startTapProc(name string, argv []string) (*tapProc, error) {
	p := &tapProc{name: name, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{})}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go p.count(out)
	return p, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

var (
	gapKey  = []byte(`"missed_estimate":`)
	bodyKey = []byte(`"body_base64":"`)
)

// count reads the tap's output to the end, line by line.
func (p *tapProc) count(r io.Reader) {
	defer close(p.done)
	br := bufio.NewReaderSize(r, 1<<16)
	var lastSeq uint32
	for {
		chunk, err := br.ReadSlice('\n')
		seq, stamped := stampedSeq(chunk)
		if i := bytes.Index(chunk, gapKey); i >= 0 {
			p.gaps.Add(1)
			p.missed.Add(leadingInt(chunk[i+len(gapKey):]))
			if stamped && lastSeq > 0 && seq > lastSeq {
				p.holes.Add(int64(seq - lastSeq - 1))
			}
		}
		if stamped {
			lastSeq = seq
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			p.lines.Add(1)
			p.last.Store(time.Now().UnixNano())
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// stampedSeq reads the publisher's sequence number (bytes 0–3 of the body,
// see stamp) from a JSON line of shoveltap's or rabtap's.
func stampedSeq(line []byte) (uint32, bool) {
	i := bytes.Index(line, bodyKey)
	if i < 0 || len(line) < i+len(bodyKey)+8 {
		return 0, false
	}
	var b [6]byte
	if _, err := base64.StdEncoding.Decode(b[:], line[i+len(bodyKey):i+len(bodyKey)+8]); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[:4]), true
}

func leadingInt(b []byte) int64 {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	v, _ := strconv.ParseInt(string(b[:n]), 10, 64)
	return v
}

func (p *tapProc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func (p *tapProc) pid() string { return strconv.Itoa(p.cmd.Process.Pid) }

// stop asks the tap to end as a person would (SIGINT: shoveltap removes
// its tap, rabtap its queue), and kills it if it does not within timeout.
func (p *tapProc) stop(timeout time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		<-p.done
		if err != nil {
			return fmt.Errorf("%s exited with %v: %s", p.name, err, lastLines(p.errText(), 5))
		}
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%s did not stop within %s of SIGINT; killed", p.name, timeout)
	}
}

// waitQuietLines waits until no line came for quiet, or maxWait passed; it
// says whether the output went quiet.
func (p *tapProc) waitQuietLines(ctx context.Context, quiet, maxWait time.Duration) bool {
	deadline := time.Now().Add(maxWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		last := time.Unix(0, p.last.Load())
		if time.Since(last) >= quiet {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte(" | ")))
}
