package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shoveltap/shoveltap/ui/common"
)

func TestColumnsFor(t *testing.T) {
	tests := []struct {
		width int
		want  string // column titles and widths
	}{
		{60, "time:12 routing key:14 size:5 format:8 summary:16"},
		{80, "time:12 routing key:18 size:5 format:11 summary:29"},
		{100, "time:12 exchange:14 routing key:18 size:5 format:11 summary:34"},
		{120, "time:12 exchange:14 routing key:18 size:5 content type:16 format:11 summary:37"},
		{200, "time:12 exchange:24 routing key:40 size:5 content type:16 format:11 summary:85"},
	}
	for _, tt := range tests {
		cols := columnsFor(tt.width, false)
		var parts []string
		total := markerWidth
		for i, c := range cols.list {
			parts = append(parts, c.title+":"+itoa(c.width))
			total += c.width
			if i > 0 {
				total++
			}
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("columnsFor(%d)\n got %s\nwant %s", tt.width, got, tt.want)
		}
		if total != tt.width {
			t.Errorf("columnsFor(%d) adds up to %d cells", tt.width, total)
		}
	}
}

func TestSourceColumnWhenSeveralSources(t *testing.T) {
	got := []string{}
	for _, c := range columnsFor(80, true).list {
		got = append(got, c.title)
	}
	if strings.Join(got, ",") != "time,source,routing key,size,format,summary" {
		t.Errorf("columns at 80 with several sources: %v", got)
	}
}

func TestRowsFillTheWidth(t *testing.T) {
	com := common.New()
	for _, w := range []int{60, 80, 97, 120, 181} {
		tb := newTable(com, false)
		tb.SetSize(w, 10)
		for seq := uint64(1); seq <= 6; seq++ {
			e := newEntry(message(seq))
			for _, sel := range []bool{false, true} {
				if got := ansi.StringWidth(tb.row(e, sel)); got != w {
					t.Errorf("width %d: row of message %d (selected %v) is %d cells", w, seq, sel, got)
				}
			}
		}
		if got := ansi.StringWidth(tb.header); got != w {
			t.Errorf("width %d: header is %d cells", w, got)
		}
	}
}

func TestRowCacheFollowsTheWidth(t *testing.T) {
	tb := newTable(common.New(), false)
	tb.SetSize(80, 10)
	e := newEntry(message(1))
	tb.warm([]*entry{e}, rowWindow{end: 1, sep: -1, limit: 1})
	if e.rowCols != 80 {
		t.Fatalf("row not cached: %d", e.rowCols)
	}
	cached := e.row
	tb.SetSize(120, 10)
	if tb.row(e, false) == cached {
		t.Error("a stale row was drawn after a resize")
	}
	tb.warm([]*entry{e}, rowWindow{end: 1, sep: -1, limit: 1})
	if e.rowCols != 120 || ansi.StringWidth(e.row) != 120 {
		t.Errorf("row cache not rebuilt for 120 columns: %d", e.rowCols)
	}
}
