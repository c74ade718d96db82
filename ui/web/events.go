package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/filter"
)

// The pace of an event stream.
const (
	// maxPerEvent bounds the messages in one rows event, and so what a
	// page's writer holds while the page reads slowly.
	maxPerEvent = 512
	// rowsEvery coalesces a busy stream into a few events a second.
	rowsEvery   = 100 * time.Millisecond
	statusEvery = time.Second
	pingEvery   = 15 * time.Second
	// writeTimeout ends the stream of a page that takes nothing for this
	// long (a stalled viewer): it reconnects later and is told what it
	// missed.
	writeTimeout = 10 * time.Second
	// retryMS is how soon a browser reconnects a dropped stream.
	retryMS = 1500
)

// serveEvents streams to one page: a hello, then rows (history first),
// skipped markers and status, until the page goes or the server closes.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		return // a stream has no end to measure
	}
	q := r.URL.Query().Get("q")
	v := &viewer{
		s:       s,
		w:       w,
		rc:      http.NewResponseController(w),
		matcher: filter.Parse(q),
	}
	resume := r.Header.Get("Last-Event-ID")
	if resume == "" {
		resume = r.URL.Query().Get("after")
	}
	v.cursor, v.resumed = s.resumePoint(resume, v.matcher)

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if !s.addPage(v, cancel) {
		refuse(w, http.StatusServiceUnavailable, "shoveltap is stopping")
		return
	}
	defer s.removePage(v)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not buffer the stream
	// No chunked encoding (the setup the Server-Sent Events spec
	// recommends; net/http then closes the connection when the stream
	// ends): each send is one write to the socket, not a chunk's header,
	// its data and its trailing CRLF flushed apart.
	h.Set("Transfer-Encoding", "identity")
	w.WriteHeader(http.StatusOK)
	s.hub.viewers.Add(1)
	defer s.hub.viewers.Add(-1)
	_ = v.stream(ctx)
}

// resumePoint is where a page's stream starts: just after the last event
// it saw when it reconnects to the same shoveltap, or far enough back for
// its history otherwise.
func (s *Server) resumePoint(lastID string, m filter.Matcher) (cursor uint64, resumed bool) {
	if run, id, ok := strings.Cut(lastID, "-"); ok && run == s.run {
		if n, err := strconv.ParseUint(id, 10, 64); err == nil && n < s.hub.snapshot().nextID {
			return n + 1, true
		}
	}
	return s.hub.historyStart(m, s.history), false
}

// viewer is one page's stream.
type viewer struct {
	s       *Server
	w       http.ResponseWriter
	rc      *http.ResponseController
	matcher filter.Matcher
	cursor  uint64 // the next item to look at
	resumed bool
	skipped uint64  // messages this page missed
	buf     []byte  // the next write
	items   []*item // what since gave, reused
	status  []byte  // the last status sent
}

func (v *viewer) stream(ctx context.Context) error {
	hello, _ := json.Marshal(struct {
		Run     string `json:"run"`
		Resumed bool   `json:"resumed"`
		History int    `json:"history"`
	}{v.s.run, v.resumed, v.s.history})
	v.buf = append(v.buf[:0], "retry: "+strconv.Itoa(retryMS)+"\n"...)
	v.buf = appendEvent(v.buf, "hello", "", hello)
	v.buf = v.appendStatus(v.buf)
	if err := v.send(); err != nil {
		return err
	}
	nextStatus := time.Now().Add(statusEvery)
	statusTick := time.NewTicker(statusEvery)
	defer statusTick.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	// pace times a busy stream's pauses: one timer, not one per pause.
	pace := time.NewTimer(rowsEvery)
	pace.Stop()
	defer pace.Stop()
	for {
		items, missed, changed := v.s.hub.since(v.items[:0], v.cursor, maxPerEvent)
		busy := len(items) > 0 || missed > 0
		v.buf = v.buf[:0]
		if busy {
			v.buf = v.appendRows(v.buf, items, missed)
		}
		more := len(items) == maxPerEvent
		// Let go of the items: evicted ones are not kept for this page.
		clear(items)
		v.items = items[:0]
		if now := time.Now(); !now.Before(nextStatus) {
			v.buf = v.appendStatus(v.buf)
			nextStatus = now.Add(statusEvery)
		}
		if len(v.buf) > 0 {
			if err := v.send(); err != nil {
				return err
			}
		}
		switch {
		case more:
			continue // more are waiting: catch up first
		case busy:
			// A busy stream goes out a few times a second, not per batch.
			pace.Reset(rowsEvery)
			select {
			case <-ctx.Done():
				return nil
			case <-pace.C:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-statusTick.C:
		case <-ping.C:
			// A comment keeps proxies from closing an idle stream.
			v.buf = append(v.buf[:0], ": ping\n\n"...)
			if err := v.send(); err != nil {
				return err
			}
		}
	}
}

// appendRows appends one rows event: a marker for what this page missed,
// then the row of every item matching its filter, as the hub encoded it.
// The event's id is the last item looked at, so that a reconnect resumes
// after it.
func (v *viewer) appendRows(dst []byte, items []*item, missed uint64) []byte {
	if missed > 0 {
		v.skipped += missed
		v.s.hub.skipped.Add(missed)
		v.cursor += missed
	}
	if n := len(items); n > 0 {
		v.cursor = items[n-1].id + 1 // items are consecutive from the cursor
	}
	start := len(dst)
	dst = append(dst, "event: rows\nid: "...)
	idAt := len(dst)
	dst = append(dst, v.s.run...)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, v.cursor-1, 10)
	idEnd := len(dst)
	dst = append(dst, "\ndata: ["...)
	data := len(dst)
	if missed > 0 {
		dst = withID(dst, 0, markerJSON(missed, reasonPage))
	}
	for _, it := range items {
		if it.lost == 0 && !v.matcher.Match(&it.msg.Reading.Subject) {
			continue
		}
		if len(dst) > data {
			dst = append(dst, ',')
		}
		dst = append(dst, it.row...)
	}
	if len(dst) == data {
		// Nothing matched: only move the page's resume point.
		n := copy(dst[start:], "id: ")
		n += copy(dst[start+n:], dst[idAt:idEnd])
		return append(dst[:start+n], "\n\n"...)
	}
	return append(dst, "]\n\n"...)
}

// appendStatus appends a status event when the status changed since the
// last one this page got.
func (v *viewer) appendStatus(dst []byte) []byte {
	st := statusOf(v.s.hub.snapshot())
	st.Skipped = v.skipped
	b, _ := json.Marshal(st)
	if bytes.Equal(b, v.status) {
		return dst
	}
	v.status = b
	return appendEvent(dst, "status", "", b)
}

// send writes what is buffered and flushes it, giving up on a page that
// takes nothing for writeTimeout.
func (v *viewer) send() error {
	_ = v.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := v.w.Write(v.buf); err != nil {
		return err
	}
	return v.rc.Flush()
}

// appendEvent appends one Server-Sent Event. data is JSON, which holds no
// newline.
func appendEvent(dst []byte, event, id string, data []byte) []byte {
	dst = append(dst, "event: "+event+"\n"...)
	if id != "" {
		dst = append(dst, "id: "+id+"\n"...)
	}
	dst = append(dst, "data: "...)
	dst = append(dst, data...)
	return append(dst, "\n\n"...)
}
