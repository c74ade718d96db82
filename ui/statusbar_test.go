package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/common"
)

func TestStatusBar(t *testing.T) {
	bar := statusBar{com: common.New()}
	in := statusInfo{
		broker: "rabbit-prod-eu-1.internal:5672", vhost: "/orders",
		sources: []string{"orders (order.#)", "payments (payment.*.failed)", "celery (#)"},
		state:   tap.StateRunning, rate: 1234.4, seen: 1_234_567, dropped: 42, evicted: 1_224_567,
		shown: 812, retained: 10000, filtered: true, following: true,
	}
	tests := []struct {
		name  string
		width int
		edit  func(*statusInfo)
		lines int
		want  []string
	}{
		{"80 two lines, numbers rounded", 80, nil, 2, []string{"● running", "rabbit-prod-eu-1.internal:5672", "following",
			"1,234 msg/s", "seen 1.23M", "matching 812/10.0k", "dropped 42", "evicted 1.22M"}},
		{"100 two lines", 100, nil, 2, []string{"seen 1,234,567", "matching 812/10,000", "evicted 1,224,567"}},
		{"wide one line", 260, nil, 1, []string{"● running", "celery (#)", "│", "evicted 1,224,567", "following"}},
		{"paused", 80, func(in *statusInfo) { in.paused, in.newPaused = true, 1204 }, 2, []string{"PAUSED · 1,204 new"}},
		{"scrolled", 80, func(in *statusInfo) { in.following, in.newer = false, 37 }, 2, []string{"37 newer ↓"}},
		{"reconnecting", 80, func(in *statusInfo) {
			in.state, in.detail = tap.StateReconnecting, "connection refused"
		}, 2, []string{"RECONNECTING", "connection refused"}},
		{"reconnecting with the gap so far", 80, func(in *statusInfo) {
			in.state, in.detail = tap.StateReconnecting, "3.2 s, messages published meanwhile may be missing (connection to the broker lost)"
		}, 2, []string{"RECONNECTING", "3.2 s, messages published meanwhile may be missing"}},
		{"running after a gap", 80, func(in *statusInfo) {
			in.detail = "6.2 s gap until 12:01:09, messages may be missing (connection to the broker lost)"
		}, 2, []string{"● running", "6.2 s gap until 12:01:09, messages may be missing"}},
		{"no statistics", 80, func(in *statusInfo) { in.droppedUnknown = true }, 2, []string{"dropped unknown"}},
		{"failed", 80, func(in *statusInfo) { in.state, in.detail = tap.StateFailed, "\x1b[2Jaccess refused" }, 2,
			[]string{"FAILED", `\x1b[2Jaccess refused`}},
		{"closed", 80, func(in *statusInfo) { in.closed = true }, 2, []string{"■ stopped"}},
		{"unfiltered", 80, func(in *statusInfo) { in.filtered = false }, 2, []string{"retained 10,000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := in
			if tt.edit != nil {
				tt.edit(&info)
			}
			lines := bar.lines(info, tt.width)
			if len(lines) != tt.lines {
				t.Errorf("%d lines, want %d", len(lines), tt.lines)
			}
			text := ansi.Strip(strings.Join(lines, "\n"))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("status lacks %q:\n%s", w, text)
				}
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > tt.width {
					t.Errorf("line is %d cells, width %d: %q", w, tt.width, ansi.Strip(l))
				}
			}
		})
	}
}
