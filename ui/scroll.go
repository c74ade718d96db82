package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// scroller is a pane read by moving through it: by lines, by pages, and to
// either end.
type scroller interface {
	scroll(lines int)
	page(dir int)
	home()
	end()
}

// scrollKey moves s by a moving key (up, down, page up, page down, top,
// bottom) and reports whether k was one, so that every pane moves by the
// same keys. It stands as a case of a pane's key switch, in the place the
// moving keys take in that pane's order.
func scrollKey(s scroller, k tea.KeyPressMsg, km keys.KeyMap) bool {
	switch {
	case key.Matches(k, km.Up):
		s.scroll(-1)
	case key.Matches(k, km.Down):
		s.scroll(1)
	case key.Matches(k, km.PageUp):
		s.page(-1)
	case key.Matches(k, km.PageDown):
		s.page(1)
	case key.Matches(k, km.Top):
		s.home()
	case key.Matches(k, km.Bottom):
		s.end()
	default:
		return false
	}
	return true
}

// cursorMover is the scroller of a pane with a cursor: move shifts it by a
// number of rows, kept in range, and a page is pageRows.
type cursorMover struct {
	move     func(delta int)
	pageRows int
}

func (c cursorMover) scroll(lines int) { c.move(lines) }
func (c cursorMover) page(dir int)     { c.move(dir * c.pageRows) }
func (c cursorMover) home()            { c.move(-1 << 30) }
func (c cursorMover) end()             { c.move(1 << 30) }
