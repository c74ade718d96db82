package metrics

import (
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// Timestamp is when the message says it was published: the
// timestamp_in_ms header (milliseconds since the epoch, set by RabbitMQ's
// message timestamp plugin and by some clients), else the AMQP timestamp
// property (whole seconds). ok is false when it carries neither.
func Timestamp(m tap.Message) (time.Time, bool) {
	if ms, ok := wholeNumber(m.Headers["timestamp_in_ms"]); ok && ms > 0 {
		return time.UnixMilli(ms), true
	}
	if ts := m.Properties.Timestamp; !ts.IsZero() && ts.Unix() > 0 {
		return ts, true
	}
	return time.Time{}, false
}

// wholeNumber reads an integer header value of any width.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	}
	return 0, false
}
