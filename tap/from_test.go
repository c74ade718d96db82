package tap

import (
	"strings"
	"testing"
	"time"
)

func TestParseFrom(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, loc)
	for _, c := range []struct {
		in   string
		kind FromKind
		at   time.Time
		off  int64
		arg  any
	}{
		{"", FromNext, time.Time{}, 0, "next"},
		{"next", FromNext, time.Time{}, 0, "next"},
		{"first", FromFirst, time.Time{}, 0, "first"},
		{" FIRST ", FromFirst, time.Time{}, 0, "first"},
		{"last", FromLast, time.Time{}, 0, "last"},
		{"offset:12345", FromOffset, time.Time{}, 12345, int64(12345)},
		{"offset:0", FromOffset, time.Time{}, 0, int64(0)},
		{"-10m", FromTime, now.Add(-10 * time.Minute), 0, now.Add(-10 * time.Minute)},
		{"-1h30m", FromTime, now.Add(-90 * time.Minute), 0, now.Add(-90 * time.Minute)},
		{"-2d", FromTime, now.Add(-48 * time.Hour), 0, now.Add(-48 * time.Hour)},
		{"-1d12h", FromTime, now.Add(-36 * time.Hour), 0, now.Add(-36 * time.Hour)},
		{"2025-03-14T08:00:00Z", FromTime, time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC), 0, time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC)},
		{"2025-03-14T09:00:00+01:00", FromTime, time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC), 0, time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC)},
		{"2025-03-14 09:26", FromTime, time.Date(2025, 3, 14, 9, 26, 0, 0, loc), 0, time.Date(2025, 3, 14, 9, 26, 0, 0, loc)},
		{"2025-03-13 23:59:59", FromTime, time.Date(2025, 3, 13, 23, 59, 59, 0, loc), 0, time.Date(2025, 3, 13, 23, 59, 59, 0, loc)},
		{"09:26", FromTime, time.Date(2025, 3, 14, 9, 26, 0, 0, loc), 0, time.Date(2025, 3, 14, 9, 26, 0, 0, loc)},
		{"09:26:30", FromTime, time.Date(2025, 3, 14, 9, 26, 30, 0, loc), 0, time.Date(2025, 3, 14, 9, 26, 30, 0, loc)},
		// Sub-second precision is dropped: the stream takes whole seconds.
		{"2025-03-14T08:00:00.75Z", FromTime, time.Date(2025, 3, 14, 8, 0, 0, 750e6, time.UTC), 0, time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC)},
	} {
		f, err := ParseFrom(c.in, now)
		if err != nil {
			t.Errorf("ParseFrom(%q): %v", c.in, err)
			continue
		}
		if f.Kind != c.kind || !f.At.Equal(c.at) || f.Offset != c.off {
			t.Errorf("ParseFrom(%q) = %+v, want kind %d at %v offset %d", c.in, f, c.kind, c.at, c.off)
		}
		arg := f.arg()
		if at, ok := c.arg.(time.Time); ok {
			got, isTime := arg.(time.Time)
			if !isTime || !got.Equal(at) {
				t.Errorf("ParseFrom(%q).arg() = %v, want %v", c.in, arg, at)
			}
		} else if arg != c.arg {
			t.Errorf("ParseFrom(%q).arg() = %#v, want %#v", c.in, arg, c.arg)
		}
		if f.History() != (c.kind != FromNext) {
			t.Errorf("ParseFrom(%q).History() = %v", c.in, f.History())
		}
	}
}

func TestParseFromRefusesWithAReason(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"10m":                  "starts with a minus: -10m",
		"-10x":                 "e.g. -10m",
		"-0s":                  "not a positive duration",
		"yesterday":            "not next, first, last",
		"offset:-1":            "whole number ≥ 0",
		"offset:abc":           "whole number ≥ 0",
		"2025-03-15T00:00:00Z": "in the future",
		"23:00":                "in the future",
	} {
		_, err := ParseFrom(in, now)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFrom(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestFromString(t *testing.T) {
	now := time.Now()
	f, err := ParseFrom("-10m", now)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.String(); !strings.HasPrefix(s, "-10m (since ") {
		t.Errorf("String() = %q", s)
	}
	if s := (From{}).String(); s != "next" {
		t.Errorf("zero From = %q, want next", s)
	}
	if s := (From{Kind: FromOffset, Offset: 7}).String(); s != "offset 7" {
		t.Errorf("offset From = %q", s)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "7D": 7 * 24 * time.Hour, "90m": 90 * time.Minute, "1d6h": 30 * time.Hour, "30s": 30 * time.Second,
	} {
		d, err := ParseDuration(in)
		if err != nil || d != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"", "d", "x1d", "1dd", "-1h", "0", "1w"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}
