package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/jsonl"
)

// maxClipboard is the most the UI sends through OSC 52. Terminals and
// tmux cap the sequence (often near 100 KB) and drop it silently when it
// is longer, so larger messages are saved to a file instead.
const maxClipboard = 1 << 20

// savedMsg says a save command finished.
type savedMsg struct {
	what string // "3 messages", "message #31"
	path string
	err  error
}

// saveShown writes the messages on display (all retained, or those that
// match the filter) to a new capture file.
func (m *Model) saveShown() tea.Cmd {
	s := m.retained
	n := s.limit()
	if n == 0 {
		m.notice = "nothing to save"
		return nil
	}
	msgs := make([]tap.Message, n)
	for i, e := range s.shown[:n] {
		msgs[i] = e.msg
	}
	what := plural(n, "message")
	if !s.matcher.Empty() {
		what += " matching the filter"
	}
	path := m.savePath(time.Now(), "")
	m.notice = "saving " + what + "…"
	return func() tea.Msg { return save(what, path, msgs) }
}

// saveMessage writes the message in the detail pane to a capture file of
// one line, which shoveltap open and replay read like any other.
func (m *Model) saveMessage() tea.Cmd {
	e := m.retained.selectedEntry()
	if e == nil {
		return nil
	}
	msg := e.msg
	path := m.savePath(time.Now(), fmt.Sprintf("-%d", msg.Seq))
	what := fmt.Sprintf("message #%d", msg.Seq)
	return func() tea.Msg { return save(what, path, []tap.Message{msg}) }
}

// save writes a new file at path, or beside it with -2, -3… when a file of
// that name exists (two saves in one second): a save never overwrites.
func save(what, path string, msgs []tap.Message) savedMsg {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for i := 1; ; i++ {
		p := path
		if i > 1 {
			p = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		err := capture.WriteFile(p, msgs)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return savedMsg{what: what, path: p, err: err}
	}
}

func (m *Model) savePath(now time.Time, suffix string) string {
	name := "shoveltap-" + now.Format("20060102-150405") + suffix + ".jsonl"
	return filepath.Join(m.opts.SaveDir, name)
}

func (m *Model) saved(msg savedMsg) {
	if msg.err != nil {
		m.notice = "not saved: " + msg.err.Error()
		return
	}
	path := msg.path
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	m.notice = "saved " + msg.what + " to " + path
}

// copyMessage puts the selected message on the clipboard through OSC 52:
// its JSON record (the --json schema), or only its body.
func (m *Model) copyMessage(bodyOnly bool) tea.Cmd {
	e := m.retained.selectedEntry()
	if e == nil {
		return nil
	}
	text, what := clipboardText(e.msg, bodyOnly)
	if len(text) > maxClipboard {
		m.notice = fmt.Sprintf("%s of #%d is %s bytes, too large for the clipboard: s saves it to a file",
			what, e.msg.Seq, thousands(uint64(len(text))))
		return nil
	}
	m.notice = fmt.Sprintf("copied %s of #%d to the clipboard (%s bytes, OSC 52)",
		what, e.msg.Seq, thousands(uint64(len(text))))
	if bodyOnly && !utf8.ValidString(text) {
		m.notice += " · the body is binary"
	}
	return tea.SetClipboard(text)
}

// clipboardText is what a copy puts on the clipboard.
func clipboardText(msg tap.Message, bodyOnly bool) (text, what string) {
	if bodyOnly {
		return string(msg.Body), "the body"
	}
	rec := jsonl.NewRecord(msg)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		// Records are built to be encodable; say so rather than copy less.
		return "", "the message (" + err.Error() + ")"
	}
	return string(b), "the message"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(uint64(n)) + " " + word + "s"
}
