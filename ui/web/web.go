// Package web is shoveltap's live browser monitor: a read-only page that
// shows the same messages as the terminal UI, for people who never
// open a terminal. It is an http.Handler fed tap.Batch values through
// Publish, which never waits: the tap is never slowed by a page.
//
// The page (assets/, embedded) is plain JavaScript that puts every message
// string into the DOM as text only, under a Content-Security-Policy that
// allows no inline script. It gets the stream as Server-Sent Events:
// first the retained messages, then new ones live. Each page reads the
// shared, bounded ring of retained messages at its own pace; a page that
// falls so far behind that messages it had not been sent were evicted gets
// a marker saying how many it missed, and the count is kept.
//
// The filter is the terminal UI's (tap/filter), applied here per page to
// each message's reading (tap/reading), the one the pipeline built for
// every view: the page shows what the terminal shows.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// Defaults of Config.
const (
	DefaultRetain   = 10000
	DefaultMaxBytes = 64 << 20
	DefaultHistory  = 500
)

// Config says where the monitor listens and how much it keeps.
type Config struct {
	// Addr is HOST:PORT to listen on. A host that is not loopback
	// (including an empty one: every interface) needs a token.
	Addr string
	// Token, when set, is required on every request. When Addr is not
	// loopback and Token is empty, one is generated (Server.Generated).
	Token string
	// Retain and MaxBytes bound the messages kept for pages opened later
	// and for the detail view: the oldest go first when either is reached.
	Retain   int
	MaxBytes int64
	// History is how many retained messages (matching its filter) a page
	// is sent when it opens, and the most rows it keeps.
	History int
	// Metrics, when set, is served at /metrics behind the same checks
	// (tap/metrics.Collector.Handler).
	Metrics http.Handler
	// TraceURL is the environment's trace link template (trace-url,
	// already checked by tracectx.CheckTemplate): the detail links there.
	TraceURL string
}

// Server is a running monitor.
type Server struct {
	hub       *hub
	handler   http.Handler
	http      *http.Server
	ln        net.Listener
	token     string
	generated bool
	run       string // random per process: tells a restarted shoveltap apart
	hostName  string // this machine's full name, for URL when listening on every interface
	history   int
	traceURL  string
	closeOnce sync.Once

	// streams are the open event streams, ended by Close so that it need
	// not wait for pages to go away.
	pagesMu sync.Mutex
	streams map[*viewer]context.CancelFunc
	closed  bool
}

// New checks cfg and builds the monitor without listening: Handler serves
// it, Publish feeds it. Close releases it.
func New(cfg Config) (*Server, error) {
	if cfg.Retain <= 0 {
		cfg.Retain = DefaultRetain
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	host, port, err := splitAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	loopback := isLoopback(host)
	s := &Server{token: cfg.Token, run: newRunID(), history: cfg.History, traceURL: cfg.TraceURL}
	if s.token != "" {
		if err := checkToken(s.token); err != nil {
			return nil, err
		}
	} else if !loopback {
		s.token, s.generated = newToken(), true
	}
	s.streams = map[*viewer]context.CancelFunc{}
	s.hub = newHub(cfg.Retain, cfg.MaxBytes)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /assets/{name}", serveAsset)
	mux.HandleFunc("GET /events", s.serveEvents)
	mux.HandleFunc("GET /api/message", s.serveMessage)
	mux.HandleFunc("GET /api/status", s.serveStatus)
	mux.HandleFunc("GET /api/lifecycle", s.serveLifecycle)
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	s.handler = guard{token: s.token, loopback: loopback, cookie: "shoveltap_web_" + port, next: mux}
	return s, nil
}

// Start builds the monitor and serves it on cfg.Addr until Close.
func Start(cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.hub.stop()
		return nil, fmt.Errorf("web monitor: listening on %s: %w (choose another --web address or port)", cfg.Addr, err)
	}
	ln = sendBufferListener{ln}
	s.ln = ln
	if host, _, _ := net.SplitHostPort(cfg.Addr); host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		s.hostName = fullHostName(context.Background(), net.DefaultResolver)
	}
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// The server's own complaints (a client that hung up, a bad
		// request) must not be written over the terminal UI.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// Handler serves the page, its assets, the event stream and the API, all
// behind the checks of guard.
func (s *Server) Handler() http.Handler { return s.handler }

// Publish hands the monitor a batch of the tap's stream. It never blocks.
func (s *Server) Publish(b tap.Batch) { s.hub.publish(b) }

// Addr is the address listened on (with the port chosen for port 0).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the page's address to print, with the token when one is needed.
func (s *Server) URL() string {
	u := "http://" + displayHost(s.Addr(), s.hostName) + "/"
	if s.token != "" {
		u += "?token=" + s.token
	}
	return u
}

// Generated reports whether the token was generated (and so must be shown
// to the user once).
func (s *Server) Generated() bool { return s.generated }

// Token is the token every request needs, "" for none.
func (s *Server) Token() string { return s.token }

// Stats are the monitor's counters, for tests and benchmarks.
type Stats struct {
	Retained      int    // messages and markers retained
	RetainedBytes int64  // body bytes retained
	Evicted       uint64 // messages pushed out by newer ones
	Lost          uint64 // messages the monitor could not take in
	Skipped       uint64 // messages some page was never sent
	Viewers       int    // pages connected
	Published     uint64 // items (messages and markers) taken in
	// ReadHere counts messages that came without a reading and were
	// read by the monitor itself: 0 behind the pipeline, which reads
	// each message once for every view.
	ReadHere uint64
}

// Stats returns the monitor's counters.
func (s *Server) Stats() Stats {
	sn := s.hub.snapshot()
	return Stats{
		Retained: sn.retained, RetainedBytes: sn.retainedBodyBytes, Evicted: sn.evicted,
		Lost: sn.lost, Skipped: sn.skipped, Viewers: int(sn.viewers), Published: sn.nextID - 1,
		ReadHere: s.hub.readHere.Load(),
	}
}

// Close ends every page's stream, stops listening and releases the hub.
func (s *Server) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		s.endPages(true)
		if s.http != nil {
			err = s.http.Shutdown(ctx)
			if errors.Is(err, context.DeadlineExceeded) {
				err = s.http.Close()
			}
		}
		s.hub.stop()
	})
	return err
}

// addStream registers an open stream; false when the server is closing.
func (s *Server) addPage(v *viewer, cancel context.CancelFunc) bool {
	s.pagesMu.Lock()
	defer s.pagesMu.Unlock()
	if s.closed {
		return false
	}
	s.streams[v] = cancel
	return true
}

func (s *Server) removePage(v *viewer) {
	s.pagesMu.Lock()
	defer s.pagesMu.Unlock()
	delete(s.streams, v)
}

// endStreams ends every open stream; with closing, none opens after.
func (s *Server) endPages(closing bool) {
	s.pagesMu.Lock()
	defer s.pagesMu.Unlock()
	s.closed = s.closed || closing
	for _, cancel := range s.streams {
		cancel()
	}
}

// sendBuffer bounds the kernel's send buffer of each connection (Linux
// books twice what is asked). It caps
// what a stalled page holds in this machine's memory (Linux would grow it
// to megabytes) and makes a slow page fall behind, and be told so, within
// seconds. 256 KiB still carries a 1k msg/s stream over a 100 ms link.
const sendBuffer = 256 << 10

type sendBufferListener struct{ net.Listener }

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(sendBuffer)
	}
	return c, err
}
