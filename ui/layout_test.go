package ui

import "testing"

func TestLayout(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		st   layoutState
		want screenLayout
	}{
		{"80x24 table", 80, 24, layoutState{statusLines: 2},
			screenLayout{table: 21, status: 2, shortHelp: 1}},
		{"80x24 table with filter", 80, 24, layoutState{filterBar: true, statusLines: 2},
			screenLayout{table: 20, filter: 1, status: 2, shortHelp: 1}},
		{"80x24 detail takes the body", 80, 24, layoutState{detailOpen: true, statusLines: 2},
			screenLayout{detail: 21, status: 2, shortHelp: 1}},
		{"80x24 help", 80, 24, layoutState{helpOpen: true, detailOpen: true, statusLines: 2},
			screenLayout{help: 21, status: 2, shortHelp: 1}},
		{"120x40 split", 120, 40, layoutState{detailOpen: true, statusLines: 2},
			screenLayout{table: 14, detail: 23, status: 2, shortHelp: 1}},
		{"200x60 split, one status line", 200, 60, layoutState{detailOpen: true, statusLines: 1},
			screenLayout{table: 23, detail: 35, status: 1, shortHelp: 1}},
		{"100x30 just below split", 100, 30, layoutState{detailOpen: true, statusLines: 2},
			screenLayout{detail: 27, status: 2, shortHelp: 1}},
		{"100x32 smallest split", 100, 32, layoutState{detailOpen: true, statusLines: 1, filterBar: true},
			screenLayout{table: 11, detail: 18, filter: 1, status: 1, shortHelp: 1}},
		{"smallest drawn", 60, 12, layoutState{statusLines: 2},
			screenLayout{table: 9, status: 2, shortHelp: 1}},
		{"narrow", 59, 24, layoutState{}, screenLayout{tooSmall: true}},
		{"short", 80, 11, layoutState{}, screenLayout{tooSmall: true}},
		{"tiny", 20, 5, layoutState{}, screenLayout{tooSmall: true}},
		{"zero", 0, 0, layoutState{}, screenLayout{tooSmall: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layout(tt.w, tt.h, tt.st)
			tt.want.width, tt.want.totalHeight = tt.w, tt.h
			if got != tt.want {
				t.Errorf("layout(%d, %d, %+v)\n got %+v\nwant %+v", tt.w, tt.h, tt.st, got, tt.want)
			}
			if !got.tooSmall {
				if sum := got.table + got.detail + got.help + got.filter + got.status + got.shortHelp; sum != tt.h {
					t.Errorf("parts add up to %d lines, want %d", sum, tt.h)
				}
			}
		})
	}
}
