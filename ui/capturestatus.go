package ui

import (
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/sanitize"
)

// capturePart is the status of a capture file being read: reading, then
// "capture", with the note about skipped lines when there is one.
func (b statusBar) capturePart(state tap.State, detail, file string) string {
	s := b.com.Styles.Status
	var badge string
	switch state {
	case tap.StateStarting:
		badge = s.Starting.Render("◌ reading")
	case tap.StateFailed:
		badge = s.Failed.Render(" ✗ FAILED ")
	default:
		badge = s.Running.Render("▣ capture")
	}
	badge += "  " + sanitize.Line(file)
	if detail != "" {
		badge += "  " + s.Warn.Render(detail)
	}
	return badge
}
