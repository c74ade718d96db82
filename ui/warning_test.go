package ui

import (
	"strings"
	"testing"
)

// What the tap cannot see is said plainly above the status line, and the
// table gives up a row for it rather than overflow the screen.
func TestTapNotesShowAsAWarning(t *testing.T) {
	m := newModel(t, 80, 24, testOptions)
	st := running(5)
	st.Notes = []string{"queue celery receives ~40 msg/s its bindings do not explain (published through the default exchange?): use --firehose"}
	m = update(t, m, batch(messages(1, 5), st))
	scr := screen(m)
	if !strings.Contains(scr, "⚠ queue celery receives ~40 msg/s") {
		t.Fatalf("no warning on screen:\n%s", scr)
	}
	checkScreen(t, m)
}
