// Package hook runs a user's decoder program: started once, fed messages
// as JSON lines on its stdin, answering with JSON lines on its stdout (see
// docs/formats.md). A hook that hangs, crashes or answers garbage is
// killed and restarted with backoff; meanwhile its messages go to the
// built-in decoders with the reason in their notes. It plugs into package
// decode as a decode.Extension.
package hook

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// Backoff between restarts: doubling from minBackoff to maxBackoff.
const (
	minBackoff = 250 * time.Millisecond
	maxBackoff = 30 * time.Second
	// cacheSize answers are kept, so that the detail pane's Decode of a
	// message the decoding stage already summarised asks the hook nothing.
	cacheSize = 512
	// stderrKeep bytes of the hook's stderr are kept for error reports.
	stderrKeep = 2048
)

// Hook is one decoder program. It is safe for concurrent use; messages go
// to the program one at a time.
type Hook struct {
	cfg    formats.HookConfig
	filter func(decode.Input) bool
	ctx    context.Context

	// slot is held while a message is with the program: a buffered
	// channel rather than a mutex so that waiting for it is bounded.
	slot chan struct{}

	mu        sync.Mutex // guards the fields below
	proc      *process
	nextID    uint64
	failures  int
	downUntil time.Time
	lastErr   string
	closed    bool
	cache     map[cacheKey]decode.Result
	order     []cacheKey
	now       func() time.Time
}

// New returns a hook for cfg. filter is the compiled filter expression of
// cfg.Filter (nil when it has none). The program is started on the first
// message bound to it (or by Start) and stopped by Close or when ctx ends.
func New(ctx context.Context, cfg formats.HookConfig, filter func(decode.Input) bool) (*Hook, error) {
	if err := (formats.Config{Hooks: []formats.HookConfig{cfg}}).Check(); err != nil {
		return nil, err
	}
	if cfg.Filter != "" && filter == nil {
		return nil, fmt.Errorf("hook %s: bound to the filter %q but no filter compiler was given", cfg.Name, cfg.Filter)
	}
	cfg = cfg.WithDefaults(0)
	return &Hook{
		cfg: cfg, filter: filter, ctx: ctx,
		slot:  make(chan struct{}, 1),
		cache: make(map[cacheKey]decode.Result),
		now:   time.Now,
	}, nil
}

// Name is the hook's name.
func (h *Hook) Name() string { return h.cfg.Name }

// Binds reports whether a message is bound to the hook.
func (h *Hook) Binds(in decode.Input) bool {
	ct := mediaType(in.ContentType)
	for _, p := range h.cfg.ContentTypes {
		if formats.Glob(mediaType(p), ct) {
			return true
		}
	}
	for _, r := range h.cfg.Match {
		if r.Matches(in) {
			return true
		}
	}
	return h.filter != nil && h.filter(in)
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// Start starts the program now rather than on the first message, so that
// a command that cannot run is reported at once.
func (h *Hook) Start() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proc != nil {
		return nil
	}
	p, err := start(h.ctx, h.cfg)
	if err != nil {
		h.failLocked(err)
		return err
	}
	h.proc = p
	return nil
}

// RunsProgram marks a hook as a decode.Program: the reading never asks it
// again for a text it could have given the first time.
func (h *Hook) RunsProgram() {}

var _ decode.Program = (*Hook)(nil)

// Decode sends a bound message to the program and returns its answer. A
// message it cannot answer in time, or at all, returns false with a note
// saying why, so the built-in decoders show it.
func (h *Hook) Decode(in decode.Input, body []byte) (decode.Result, bool) {
	if !h.Binds(in) {
		return decode.Result{}, false
	}
	if len(body) > h.cfg.MaxBody {
		return h.fallback(fmt.Sprintf("body of %d bytes is larger than its max-body %d", len(body), h.cfg.MaxBody))
	}
	key := keyOf(in, body)
	h.mu.Lock()
	if r, ok := h.cache[key]; ok {
		h.mu.Unlock()
		return r, true
	}
	h.mu.Unlock()

	// One time limit covers waiting for the program (another message may
	// hold it) and its answer: a message never waits longer.
	deadline := time.Now().Add(h.cfg.Timeout)
	wait := time.NewTimer(h.cfg.Timeout)
	defer wait.Stop()
	select {
	case h.slot <- struct{}{}:
	case <-wait.C:
		return h.fallback(fmt.Sprintf("busy with another message for its whole time limit (%s)", h.cfg.Timeout))
	}
	defer func() { <-h.slot }()

	p, id, why := h.ready()
	if why != "" {
		return h.fallback(why)
	}
	req, err := newRequest(id, in, body)
	if err != nil {
		return h.fallback("message not sent: " + err.Error())
	}
	a, err := p.ask(req, id, time.Until(deadline), h.cfg.Timeout)
	if err != nil {
		h.mu.Lock()
		h.failLocked(err)
		why := h.downReasonLocked()
		h.mu.Unlock()
		return h.fallback(why)
	}
	h.mu.Lock()
	h.failures = 0
	h.mu.Unlock()
	if a.Error != "" {
		return h.fallback("could not decode it: " + a.Error)
	}
	if a.Decline {
		return decode.Result{}, false
	}
	r := a.result(h.cfg.Name)
	h.remember(key, r)
	return r, true
}

// ready returns the running program and the next request id, starting the
// program when it is not running and its backoff has passed.
func (h *Hook) ready() (*process, uint64, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, 0, "stopped"
	}
	if h.proc == nil {
		if h.now().Before(h.downUntil) {
			return nil, 0, h.downReasonLocked()
		}
		p, err := start(h.ctx, h.cfg)
		if err != nil {
			h.failLocked(err)
			return nil, 0, h.downReasonLocked()
		}
		h.proc = p
	}
	h.nextID++
	return h.proc, h.nextID, ""
}

// failLocked records a failure: the program is killed and restarted after
// a backoff that doubles with each failure in a row.
func (h *Hook) failLocked(err error) {
	if h.proc != nil {
		if tail := h.proc.stop(); tail != "" {
			err = fmt.Errorf("%w; its stderr ends: %s", err, tail)
		}
		h.proc = nil
	}
	h.failures++
	backoff := minBackoff << min(h.failures-1, 16)
	backoff = min(backoff, maxBackoff)
	h.downUntil = h.now().Add(backoff)
	h.lastErr = err.Error()
}

func (h *Hook) downReasonLocked() string {
	wait := h.downUntil.Sub(h.now()).Round(10 * time.Millisecond)
	if wait < 0 {
		wait = 0
	}
	return fmt.Sprintf("%s; restarting it in %s", h.lastErr, wait)
}

// fallback leaves the message to the built-in decoders, saying why.
func (h *Hook) fallback(why string) (decode.Result, bool) {
	var r decode.Result
	r.AddNote("hook " + h.cfg.Name + " not used: " + why)
	return r, false
}

// closeWait bounds how long Close waits for the killed program to end.
const closeWait = 2 * time.Second

// Close stops the program and waits for its end.
func (h *Hook) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.proc != nil {
		p := h.proc
		p.stop()
		h.proc = nil
		// Reaped before Close returns, so that a tap exiting right after
		// leaves no hook behind, not even a zombie for init to collect.
		select {
		case <-p.exited:
		case <-time.After(closeWait):
			return fmt.Errorf("hook %s: its program did not end within %s of being killed", h.cfg.Name, closeWait)
		}
	}
	return nil
}

// cacheKey identifies a message by what the hook sees of it.
type cacheKey struct {
	sum  [32]byte
	size int
}

func keyOf(in decode.Input, body []byte) cacheKey {
	return cacheKey{sum: digest(in, body), size: len(body)}
}

func (h *Hook) remember(k cacheKey, r decode.Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.cache[k]; ok {
		return
	}
	if len(h.order) == cacheSize {
		delete(h.cache, h.order[0])
		h.order = h.order[1:]
	}
	h.cache[k] = r
	h.order = append(h.order, k)
}

// process is one run of the program.
type process struct {
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  io.ReadCloser
	answers chan lineOrErr
	stderr  *tailBuffer
	done    chan struct{}
	// reaped is set once Wait returned: the process group id may then
	// belong to somebody else and must not be signalled.
	reaped atomic.Bool
	// exited is closed once Wait returned.
	exited chan struct{}
}

type lineOrErr struct {
	line []byte
	err  error
}

func start(ctx context.Context, cfg formats.HookConfig) (*process, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", cfg.Command[0], err)
	}
	cmd := exec.CommandContext(ctx, cfg.Command[0], cfg.Command[1:]...)
	cmd.Stdin = inR
	out, err := cmd.StdoutPipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("starting %s: %w", cfg.Command[0], err)
	}
	tail := &tailBuffer{}
	cmd.Stderr = tail
	cmd.WaitDelay = time.Second
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("cannot start %s: %w (check the hook's command)", strings.Join(cfg.Command, " "), err)
	}
	inR.Close()
	p := &process{cmd: cmd, stdin: inW, stdout: out, answers: make(chan lineOrErr, 1), stderr: tail, done: make(chan struct{}), exited: make(chan struct{})}
	go p.read(cfg.MaxAnswer)
	return p, nil
}

// read passes answer lines on until the program's stdout ends or breaks
// the protocol, then reaps the program: it is the only caller of Wait.
func (p *process) read(max int) {
	defer close(p.answers)
	err := p.readLines(max)
	if !errors.Is(err, io.EOF) {
		p.send(lineOrErr{err: err})
		// Drain until stop kills it and closes stdout.
		io.Copy(io.Discard, p.stdout)
		p.reap()
		return
	}
	werr := p.reap()
	if werr != nil {
		p.send(lineOrErr{err: fmt.Errorf("it exited: %v", werr)})
		return
	}
	p.send(lineOrErr{err: errors.New("it exited")})
}

// reap waits for the program's end.
func (p *process) reap() error {
	err := p.cmd.Wait()
	p.reaped.Store(true)
	close(p.exited)
	return err
}

func (p *process) readLines(max int) error {
	br := bufio.NewReaderSize(p.stdout, 64<<10)
	for {
		var line []byte
		for {
			chunk, isPrefix, err := br.ReadLine()
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			if err != nil {
				return fmt.Errorf("reading its answers: %w", err)
			}
			if len(line)+len(chunk) > max {
				return fmt.Errorf("%w: an answer longer than its max-answer %d bytes", errGarbage, max)
			}
			line = append(line, chunk...)
			if !isPrefix {
				break
			}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !p.send(lineOrErr{line: line}) {
			return errors.New("stopped")
		}
	}
}

func (p *process) send(l lineOrErr) bool {
	select {
	case p.answers <- l:
		return true
	case <-p.done:
		return false
	}
}

// ask sends a request and waits for its answer at most left, what remains
// of the time limit.
func (p *process) ask(req []byte, id uint64, left, limit time.Duration) (Answer, error) {
	left = max(left, time.Millisecond)
	p.stdin.SetWriteDeadline(time.Now().Add(left))
	timer := time.NewTimer(left)
	defer timer.Stop()
	if _, err := p.stdin.Write(req); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return Answer{}, fmt.Errorf("it did not read its input within its time limit (%s)", limit)
		}
		// The program is gone: its stdout's end says how.
		select {
		case l, ok := <-p.answers:
			if ok && l.err != nil {
				return Answer{}, l.err
			}
		case <-timer.C:
		}
		return Answer{}, fmt.Errorf("writing to it: %w", err)
	}
	select {
	case l, ok := <-p.answers:
		if !ok {
			return Answer{}, errors.New("it exited")
		}
		if l.err != nil {
			return Answer{}, l.err
		}
		return parseAnswer(l.line, id)
	case <-timer.C:
		return Answer{}, fmt.Errorf("it did not answer within its time limit (%s)", limit)
	}
}

// stop kills the program (and what it started) and returns the end of
// its stderr. The reader reaps it.
func (p *process) stop() string {
	close(p.done)
	p.stdin.Close()
	if !p.reaped.Load() {
		killGroup(p.cmd)
	}
	// Unblocks the reader even when a child of the program holds stdout.
	p.stdout.Close()
	return p.stderr.tail()
}

// tailBuffer keeps the end of the program's stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > stderrKeep {
		t.buf = t.buf[len(t.buf)-stderrKeep:]
	}
	return len(b), nil
}

func (t *tailBuffer) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
