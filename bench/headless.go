package main

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
)

// headlessUI runs shoveltap's UI model without a terminal: the same
// Init/Update/View cycle tea.Program runs, driven from one goroutine, with
// a 120×40 window. It counts what the model took in and, per batch, the
// time from each message's send stamp to the end of the View that drew it.
type headlessUI struct {
	Received atomic.Int64
	keepLat  bool
	mu       sync.Mutex
	lat      []time.Duration
	// checked/visible count batches whose newest message's routing key was
	// looked for in, and found in, the rendered screen.
	checked, visible int
	lastView         string // the last screen drawn, without styling
	// lastAt and lastCPU are the time (unix ns) and this process's CPU
	// time (ns) when the last batch with messages was drawn.
	lastAt, lastCPU atomic.Int64
	// busy is the wall time (ns) the UI goroutine spent in Update and
	// View for batches with messages: its work, without the wait.
	busy atomic.Int64
	done chan struct{}
}

// runHeadlessUI starts the UI on batches; with a gate it starts reading
// only once the gate is closed.
func runHeadlessUI(batches <-chan tap.Batch, opts ui.Options, keepLat bool, gate chan struct{}) *headlessUI {
	h := &headlessUI{keepLat: keepLat, done: make(chan struct{})}
	// As shoveltap does: the pipeline's read stage builds each message's
	// reading before the UI takes it (messages already read, as in the
	// web part, pass through unchanged). The stage ends when batches is
	// closed.
	_, batches = pipeline.Start(context.Background(), batches, pipeline.Config{})
	opts.Broker, opts.Vhost = "bench", "bench"
	m := ui.New(opts, batches)
	go func() {
		if gate != nil {
			<-gate
		}
		h.loop(m)
	}()
	return h
}

var tapBatchType = reflect.TypeFor[tap.Batch]()

// asBatch recognises the UI's own batch message (an unexported type that
// carries a batch's Messages and Status) without touching the ui package.
func asBatch(msg tea.Msg) (tap.Batch, bool) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Type().Name() != "batchMsg" {
		return tap.Batch{}, false
	}
	if v.Type().ConvertibleTo(tapBatchType) {
		return v.Convert(tapBatchType).Interface().(tap.Batch), true
	}
	if v.Kind() != reflect.Struct {
		return tap.Batch{}, false
	}
	mv, sv := v.FieldByName("Messages"), v.FieldByName("Status")
	if !mv.IsValid() || !sv.IsValid() || !mv.CanInterface() || !sv.CanInterface() {
		return tap.Batch{}, false
	}
	msgs, ok1 := mv.Interface().([]tap.Message)
	st, ok2 := sv.Interface().(tap.Status)
	return tap.Batch{Messages: msgs, Status: st}, ok1 && ok2
}

func (h *headlessUI) loop(m tea.Model) {
	defer close(h.done)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	cmd := m.Init()
	for cmd != nil {
		msg := cmd() // blocks on the tap's batch channel, as in tea.Program
		if _, ok := msg.(tea.QuitMsg); ok {
			return
		}
		t0 := time.Now()
		m, cmd = m.Update(msg)
		view := m.View()
		now := time.Now()
		h.mu.Lock()
		h.lastView = view.Content
		h.mu.Unlock()
		b, ok := asBatch(msg)
		if !ok || len(b.Messages) == 0 {
			continue
		}
		h.busy.Add(int64(now.Sub(t0)))
		h.Received.Add(int64(len(b.Messages)))
		h.lastCPU.Store(int64(processCPU()))
		h.lastAt.Store(now.UnixNano())
		if !h.keepLat {
			continue
		}
		h.mu.Lock()
		for _, msg := range b.Messages {
			if at, ok := sentAt(msg.Body); ok {
				h.lat = append(h.lat, now.Sub(at))
			}
		}
		last := b.Messages[len(b.Messages)-1]
		h.checked++
		if strings.Contains(view.Content, last.RoutingKey) {
			h.visible++
		}
		h.mu.Unlock()
	}
}

func (h *headlessUI) latencies() ([]time.Duration, int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.lat...), h.checked, h.visible
}

var droppedRe = regexp.MustCompile(`dropped +([0-9][0-9,.]*[kKM]?)`)

// shownDropped is the "dropped" figure of the last status line drawn.
func (h *headlessUI) shownDropped() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := droppedRe.FindStringSubmatch(ansi.Strip(h.lastView)); m != nil {
		return m[1]
	}
	return "(not found)"
}

// wait returns when the batch channel is closed (the session stopped).
func (h *headlessUI) wait() { <-h.done }
