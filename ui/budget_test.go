package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/common"
)

// The budget's state fits an 80-column status bar: a line of its own while
// sampling, the limit beside the rate always.
func TestStatusBarBudget(t *testing.T) {
	bar := statusBar{com: common.New()}
	in := statusInfo{
		broker: "rabbit-prod-eu-1.internal:5672", vhost: "/orders", sources: []string{"orders (order.#)"},
		state: tap.StateRunning, rate: 998, seen: 1_234_567, dropped: 3, evicted: 1_224_567, retained: 10000, following: true,
		budget: tap.BudgetStatus{MaxRate: 1000, Sampling: true, Share: 1000.0 / 12300, TappedRate: 12300, SampledAway: 45_123},
	}
	tests := []struct {
		name   string
		width  int
		edit   func(*statusInfo)
		lines  int
		want   []string
		absent []string
	}{
		{"sampling at 80", 80, nil, 3, []string{"◐ sampling ~8.1 %: 12.3 k/s > max 1 k/s · ~45.1k sampled away", "998 msg/s (max 1 k/s)", "dropped 3"}, nil},
		{"sampling wide", 200, nil, 2, []string{"sampling ~8.1 %: 12.3 k/s > max 1 k/s · ~45.1k sampled away (not drops)", "seen 1,234,567"}, nil},
		{"within the budget", 80, func(in *statusInfo) { in.budget.Sampling, in.budget.SampledAway = false, 0 },
			2, []string{"(max 1 k/s)"}, []string{"sampling"}},
		{"back within the budget after sampling", 80, func(in *statusInfo) { in.budget.Sampling = false },
			2, []string{"(max 1 k/s)"}, []string{"sampling", "sampled away"}},
		{"no budget", 80, func(in *statusInfo) { in.budget = tap.BudgetStatus{} }, 2, []string{"998 msg/s"}, []string{"max", "sampling"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := in
			if tt.edit != nil {
				tt.edit(&info)
			}
			lines := bar.lines(info, tt.width)
			text := ansi.Strip(strings.Join(lines, "\n"))
			if len(lines) != tt.lines {
				t.Errorf("%d lines, want %d:\n%s", len(lines), tt.lines, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("status lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(text, w) {
					t.Errorf("status has %q:\n%s", w, text)
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

func TestBudgetFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{perSecond(950), "950/s"}, {perSecond(1000), "1 k/s"}, {perSecond(12_345), "12.3 k/s"},
		{perSecond(123_456), "123 k/s"}, {perSecond(1_234_567), "1.2 M/s"},
		{formatShare(0.004), "0.4 %"}, {formatShare(1000.0 / 12300), "8.1 %"}, {formatShare(0.63), "63 %"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
