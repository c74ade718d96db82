package tap

import (
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// What the pump does differently for a stream tap: messages carry their
// offset, the reader's position is kept for a resume, history is handed
// over as fast as the reader takes it, and the status speaks of a stream.

// streamMessage completes a message read from the stream. Its offset
// comes out of the headers: the broker adds it, it is no part of what was
// published, and a replay must not publish it. ok is false for a message
// already taken, as may come again after a reconnect.
func (r streamRoute) message(m Message, _ amqp.Delivery) (Message, bool) {
	s := r.s
	st := s.stream
	m.Source = "stream " + st.name
	off, ok := offsetOf(m.Headers)
	if !ok {
		return m, true
	}
	delete(m.Headers, streamOffsetHeader)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	m.Offset, m.HasOffset = off, true
	s.mu.Lock()
	defer s.mu.Unlock()
	// Offsets grow but are not consecutive: the stream spends some on
	// its own entries (a tracking chunk at each segment start, and each
	// time a stream-protocol consumer stores its offset), which are never
	// delivered. So a jump says nothing; checkRetention finds losses.
	if st.taken >= 0 && off <= st.taken {
		return m, false
	}
	st.taken = off
	return m, true
}

// handedOver records the last offset the reader took: a reconnect resumes
// after it.
func (s *Session) handedOver(msgs []Message) {
	if s.stream == nil || len(msgs) == 0 || !msgs[len(msgs)-1].HasOffset {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream.sent = msgs[len(msgs)-1].Offset
	s.syncStreamStatus()
}

// syncStreamStatus copies the stream's position into the status; s.mu is
// held.
func (s *Session) syncStreamStatus() {
	st := s.stream
	s.status.Stream = StreamStatus{
		Name: st.name, From: st.from.String(),
		LiveFrom: st.liveFrom, LiveKnown: st.liveKnown, Last: st.sent,
	}
}

// awayDetail says how long the tap has been away and what that means
// (the route says), or, when a tapped exchange is gone, that.
func (s *Session) awayDetail(away time.Duration, cause error) string {
	var gone *ExchangeGone
	if errors.As(cause, &gone) {
		return fmt.Sprintf("%.1f s: %v", away.Seconds(), gone)
	}
	return s.route.awayNote(away, cause)
}

// awayNote: for a stream nothing is lost, as reading resumes where it
// stopped.
func (r streamRoute) awayNote(away time.Duration, cause error) string {
	return fmt.Sprintf("%.1f s; the stream keeps what is published meanwhile and reading resumes where it stopped (%v)", away.Seconds(), cause)
}

func (r streamRoute) backNote(gap time.Duration, cause error) string {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	note := fmt.Sprintf("back after %.1f s at %s, resuming after offset %d (%v)", gap.Seconds(), time.Now().Format("15:04:05"), s.stream.sent, cause)
	if s.stream.lossNote != "" {
		note += "; " + s.stream.lossNote
		s.stream.lossNote = ""
	}
	return note
}

// offsetOf reads a delivery's stream offset header.
func offsetOf(h map[string]any) (int64, bool) { return intOf(h[streamOffsetHeader]) }

// intOf reads an integer header value of any width.
func intOf(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	case int16:
		return int64(v), true
	case uint8:
		return int64(v), true
	case int8:
		return int64(v), true
	}
	return 0, false
}
