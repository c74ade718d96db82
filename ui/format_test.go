package ui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestHumanSize(t *testing.T) {
	tests := map[int]string{
		0: "0B", 512: "512B", 1023: "1023B", 1024: "1.0K", 1229: "1.2K", 10188: "9.9K",
		10189: "10K", 34 << 10: "34K", 1023 << 10: "1.0M", 5_872_025: "5.6M",
		1 << 30: "1.0G", 3 << 40: "3.0T",
	}
	for n, want := range tests {
		got := humanSize(n)
		if got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
		if len(got) > 5 {
			t.Errorf("humanSize(%d) = %q is wider than the size column", n, got)
		}
	}
}

func TestThousands(t *testing.T) {
	tests := map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1204: "1,204", 1234567: "1,234,567"}
	for n, want := range tests {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		s     string
		width int
		want  string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 5, "abcd…"},
		{"注文注文", 5, "注文…"},
		{"注文", 3, "注…"},
		{"x", 0, ""},
	}
	for _, tt := range tests {
		got := fit(tt.s, tt.width)
		if got != tt.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); tt.width > 0 && w != tt.width {
			t.Errorf("fit(%q, %d) is %d cells wide", tt.s, tt.width, w)
		}
	}
	if got := fitRight("12K", 5); got != "  12K" {
		t.Errorf("fitRight = %q", got)
	}
}

func TestCompactCount(t *testing.T) {
	tests := map[uint64]string{
		0: "0", 9999: "9,999", 10_000: "10.0k", 12_345: "12.3k", 456_789: "457k", 999_499: "999k",
		999_500: "1.00M", 1_234_567: "1.23M", 12_345_678_901: "12.3G",
	}
	for n, want := range tests {
		if got := compactCount(n); got != want {
			t.Errorf("compactCount(%d) = %q, want %q", n, got, want)
		}
	}
}
