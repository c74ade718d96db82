package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// sseViewer is a page of the web monitor as the harness plays it: it reads
// the event stream and counts rows and skipped-message markers.
type sseViewer struct {
	rows, markers atomic.Int64
	skipped       atomic.Uint64
	mu            sync.Mutex
	lastID        string
}

// startSSEViewer reads base's event stream until ctx ends, at most
// bytesPerSec when that is above 0.
func startSSEViewer(ctx context.Context, base string, bytesPerSec int) *sseViewer {
	v := &sseViewer{}
	go func() {
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
		if err != nil {
			return
		}
		client := http.DefaultClient
		if bytesPerSec > 0 {
			// A slow link buffers little: without this the kernel would
			// take megabytes off the server on the viewer's behalf.
			client = &http.Client{Transport: &http.Transport{DialContext: smallBufferDialer.DialContext}}
		}
		resp, err := client.Do(req)
		if err != nil {
			log.Printf("bench: web viewer: %v", err)
			return
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if bytesPerSec > 0 {
			r = &throttled{r: r, rate: bytesPerSec, start: time.Now()}
		}
		_ = v.consume(r)
	}()
	return v
}

// consume reads events until r ends, and returns why it ended.
func (v *sseViewer) consume(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			v.mu.Lock()
			v.lastID = line[len("id: "):]
			v.mu.Unlock()
		case strings.HasPrefix(line, "data: ["):
			var items []struct {
				Skipped uint64 `json:"skipped"`
				Reason  string `json:"reason"`
			}
			if json.Unmarshal([]byte(line[len("data: "):]), &items) != nil {
				continue
			}
			for _, it := range items {
				if it.Skipped > 0 {
					v.markers.Add(1)
					v.skipped.Add(it.Skipped)
				} else {
					v.rows.Add(1)
				}
			}
		}
	}
}

func (v *sseViewer) last() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lastID
}

// throttled reads at most rate bytes a second.
type throttled struct {
	r     io.Reader
	rate  int
	start time.Time
	read  int
}

func (t *throttled) Read(p []byte) (int, error) {
	if len(p) > 4096 {
		p = p[:4096]
	}
	due := t.start.Add(time.Duration(float64(t.read) / float64(t.rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
	n, err := t.r.Read(p)
	t.read += n
	return n, err
}

// stalledViewer opens the event stream with a tiny receive buffer and
// then reads nothing: a browser tab frozen in the background, or a viewer
// behind a dead link.
type stalledViewer struct {
	conn net.Conn
	req  *http.Request
}

// smallBufferDialer connects with a 4 KB receive buffer.
var smallBufferDialer = net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	}); err != nil {
		return err
	}
	return serr
}}

func startStalledViewer(addr string) (*stalledViewer, error) {
	conn, err := smallBufferDialer.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/events", nil)
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return &stalledViewer{conn: conn, req: req}, nil
}

// wake reads what the server had sent before it gave up on the viewer
// (cut: the server closed the stream), then reconnects from the last event
// it saw, as a browser does, and reports what it was told it missed.
func (s *stalledViewer) wake(ctx context.Context, base string) (rows int64, cut bool, skipped uint64) {
	_ = s.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	v := &sseViewer{}
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), s.req)
	if err == nil {
		err = v.consume(resp.Body)
		var ne net.Error
		cut = !(errors.As(err, &ne) && ne.Timeout())
	}
	s.conn.Close()
	rows = v.rows.Load()

	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", base+"/events", nil)
	req.Header.Set("Last-Event-ID", v.last())
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		return rows, cut, 0
	}
	defer again.Body.Close()
	back := &sseViewer{}
	_ = back.consume(again.Body)
	return rows, cut, back.skipped.Load()
}

func (s *stalledViewer) close() { s.conn.Close() }

// heapSampler records the Go heap in use while a run goes on.
type heapSampler struct {
	start float64
	mu    sync.Mutex
	max   float64
	stop  chan struct{}
	done  chan struct{}
}

func startHeapSampler() *heapSampler {
	runtime.GC() // what an earlier run left is not this run's
	h := &heapSampler{start: heapMB(), stop: make(chan struct{}), done: make(chan struct{})}
	h.max = h.start
	go func() {
		defer close(h.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				m := heapMB()
				h.mu.Lock()
				h.max = max(h.max, m)
				h.mu.Unlock()
			}
		}
	}()
	return h
}

// finish stops sampling and returns the highest and the last figure.
func (h *heapSampler) finish() (maxMB, endMB float64) {
	close(h.stop)
	<-h.done
	end := heapMB()
	h.mu.Lock()
	defer h.mu.Unlock()
	return max(h.max, end), end
}

func heapMB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}
