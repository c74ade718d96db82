package ui

import (
	"fmt"
	"slices"
	"testing"

	"github.com/shoveltap/shoveltap/ui/keys"
)

// scrollLog records what a scroller was asked to do.
type scrollLog []string

func (l *scrollLog) scroll(n int) { *l = append(*l, fmt.Sprint("scroll ", n)) }
func (l *scrollLog) page(d int)   { *l = append(*l, fmt.Sprint("page ", d)) }
func (l *scrollLog) home()        { *l = append(*l, "home") }
func (l *scrollLog) end()         { *l = append(*l, "end") }

func TestScrollKey(t *testing.T) {
	km := keys.Default().For(keys.ModeDetail, keys.State{})
	for _, c := range []struct {
		key  string
		want []string
	}{
		{"up", []string{"scroll -1"}}, {"k", []string{"scroll -1"}},
		{"down", []string{"scroll 1"}}, {"j", []string{"scroll 1"}},
		{"pgup", []string{"page -1"}}, {"pgdown", []string{"page 1"}},
		{"home", []string{"home"}}, {"g", []string{"home"}},
		{"end", []string{"end"}}, {"G", []string{"end"}},
		{"enter", nil}, {"esc", nil},
	} {
		var got scrollLog
		moved := scrollKey(&got, keyMsg(c.key), km)
		if moved != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("%s: moved %v, %q; want %q", c.key, moved, got, c.want)
		}
	}
}

func TestCursorMover(t *testing.T) {
	var deltas []int
	c := cursorMover{move: func(d int) { deltas = append(deltas, d) }, pageRows: 7}
	c.scroll(-1)
	c.page(1)
	c.page(-1)
	c.home()
	c.end()
	if want := []int{-1, 7, -7, -1 << 30, 1 << 30}; !slices.Equal(deltas, want) {
		t.Errorf("moves %v, want %v", deltas, want)
	}
}
