package e2e

import (
	"strings"
	"testing"
)

// TestOpenNeedsAFileAndATerminal: the command line is checked before the
// file is read, and the UI is never started without a terminal.
func TestOpenNeedsAFileAndATerminal(t *testing.T) {
	path := writeCapture(t, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "which capture?"},
		{[]string{"--retain", "5"}, "which capture?"},
		{[]string{path, "other.jsonl"}, `shoveltap open: unexpected argument "other.jsonl"`},
		{[]string{path, "--retain", "5"}, "the UI needs a terminal"},
		{[]string{"--retain", "5", path}, "the UI needs a terminal"},
		{[]string{path, "--retain", "many"}, "--retain many: must be an integer"},
	} {
		r := runArgs(t, "", false, append([]string{"open"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
