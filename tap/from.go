package tap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FromKind says where in a stream a tap starts reading.
type FromKind int

const (
	FromNext   FromKind = iota // only what is published from now on (every tap's default)
	FromFirst                  // the oldest message the stream still holds
	FromLast                   // the stream's last chunk (its last few messages)
	FromTime                   // the first chunk written at or after At
	FromOffset                 // the message at Offset
)

// From is a parsed --from: where a stream tap starts. The zero value is
// FromNext, which is what every other tap does anyway.
type From struct {
	Kind   FromKind
	At     time.Time // FromTime
	Offset int64     // FromOffset
	Text   string    // as the user wrote it, for labels and errors
}

// History reports whether From asks for messages published before the tap
// started, which only a stream keeps.
func (f From) History() bool { return f.Kind != FromNext }

// String is how the start is shown: "first", "-10m (since 14:02:11)".
func (f From) String() string {
	switch f.Kind {
	case FromFirst:
		return "first"
	case FromLast:
		return "last"
	case FromOffset:
		return "offset " + strconv.FormatInt(f.Offset, 10)
	case FromTime:
		at := f.At.Local().Format("2006-01-02 15:04:05")
		if f.At.Local().Format("2006-01-02") == time.Now().Format("2006-01-02") {
			at = f.At.Local().Format("15:04:05")
		}
		if f.Text != "" && f.Text != at {
			return f.Text + " (since " + at + ")"
		}
		return "since " + at
	}
	return "next"
}

// arg is the x-stream-offset consumer argument for f. A time goes as an
// AMQP timestamp (whole seconds): the stream starts at the first chunk
// written at or after it, so a few earlier messages of that chunk may come
// too.
func (f From) arg() any {
	switch f.Kind {
	case FromFirst:
		return "first"
	case FromLast:
		return "last"
	case FromTime:
		return f.At.Truncate(time.Second)
	case FromOffset:
		return f.Offset
	}
	return "next"
}

// fromLayouts are the absolute times --from reads, in local time unless
// they carry a zone.
var fromLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// ParseFrom reads --from: next, first, last, offset:N, a timestamp
// (RFC 3339, "2006-01-02 15:04[:05]" or "15:04[:05]" today, both local
// time) or -DURATION back from now (-10m, -1h30m, -2d).
func ParseFrom(s string, now time.Time) (From, error) {
	t := strings.TrimSpace(s)
	lower := strings.ToLower(t)
	switch lower {
	case "", "next", "now":
		return From{Kind: FromNext, Text: "next"}, nil
	case "first", "start", "beginning":
		return From{Kind: FromFirst, Text: "first"}, nil
	case "last":
		return From{Kind: FromLast, Text: "last"}, nil
	}
	if rest, ok := strings.CutPrefix(lower, "offset:"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		if err != nil || n < 0 {
			return From{}, fmt.Errorf("--from %q: an offset is a whole number ≥ 0, e.g. offset:12345 (the \"offset\" of a JSON line)", s)
		}
		return From{Kind: FromOffset, Offset: n, Text: t}, nil
	}
	if strings.HasPrefix(t, "-") {
		d, err := ParseDuration(t[1:])
		if err != nil {
			return From{}, fmt.Errorf("--from %q: %v; e.g. -10m, -1h30m or -2d", s, err)
		}
		return From{Kind: FromTime, At: now.Add(-d), Text: t}, nil
	}
	if _, err := ParseDuration(t); err == nil {
		return From{}, fmt.Errorf("--from %q: a time back from now starts with a minus: -%s", s, t)
	}
	at, err := parseFromTime(t, now)
	if err != nil {
		return From{}, fmt.Errorf("--from %q: not next, first, last, offset:N, a time (2025-03-14T09:26:53Z, \"2025-03-14 09:26\", 09:26) or -DURATION (-10m)", s)
	}
	if at.After(now) {
		return From{}, fmt.Errorf("--from %q is in the future (now is %s): nothing was published then yet; leave --from out to see what comes next", s, now.Local().Format("2006-01-02 15:04:05"))
	}
	return From{Kind: FromTime, At: at, Text: t}, nil
}

func parseFromTime(t string, now time.Time) (time.Time, error) {
	if at, err := time.Parse(time.RFC3339Nano, t); err == nil {
		return at, nil
	}
	for _, layout := range fromLayouts {
		if at, err := time.ParseInLocation(layout, t, now.Location()); err == nil {
			return at, nil
		}
	}
	// A time of day alone means today.
	for _, layout := range []string{"15:04:05", "15:04"} {
		if clock, err := time.ParseInLocation(layout, t, now.Location()); err == nil {
			y, m, d := now.Date()
			return time.Date(y, m, d, clock.Hour(), clock.Minute(), clock.Second(), 0, now.Location()), nil
		}
	}
	return time.Time{}, errors.New("no layout matches")
}

// ParseDuration reads a positive duration the way Go writes one (90s, 10m,
// 1h30m) and also in days (2d, 1d12h, or 2D as RabbitMQ writes it), as
// retention periods are usually given.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var days int64
	if i := strings.IndexAny(t, "dD"); i > 0 {
		n, err := strconv.ParseInt(t[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		days, t = n, t[i+1:]
	}
	var rest time.Duration
	if t != "" {
		d, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		rest = d
	}
	if days > 1<<20 {
		return 0, fmt.Errorf("%q is too long", s)
	}
	d := time.Duration(days)*24*time.Hour + rest
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}
