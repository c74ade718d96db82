// Package uitest holds screen checks shared by the UI packages' tests.
package uitest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// PlainScreen is a view through the no-colour profile, padded to the
// terminal's height so that a golden file shows it.
func PlainScreen(t testing.TB, view string, height int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.NoTTY}
	if _, err := io.WriteString(w, view); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for len(lines) < height {
		lines = append(lines, "")
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// CheckFits fails when a view is taller or wider than the terminal, and
// returns its lines for further checks.
func CheckFits(t testing.TB, view string, width, height int) []string {
	t.Helper()
	if view == "" {
		return nil
	}
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Errorf("screen has %d lines, terminal %d", len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, terminal %d: %q", i+1, w, width, ansi.Strip(l))
		}
	}
	return lines
}
