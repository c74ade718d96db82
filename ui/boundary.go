package ui

import (
	"sort"
	"strconv"
)

// liveBoundary is the index in the shown entries of the first message a
// stream tap read live (published after the tap started), when the tap
// knows where that is; -1 otherwise. Offsets grow with the sequence, so
// the shown entries are in offset order.
func (m Model) liveBoundary() int {
	st := m.tap.Stream
	if st.Name == "" || !st.LiveKnown {
		return -1
	}
	shown := m.retained.shown
	return sort.Search(len(shown), func(i int) bool {
		msg := shown[i].msg
		return !msg.HasOffset || msg.Offset >= st.LiveFrom
	})
}

// boundaryText labels the line between history and live.
func (m Model) boundaryText() string {
	return "live from offset " + strconv.FormatInt(m.tap.Stream.LiveFrom, 10) + " · published after the tap started · history above"
}
