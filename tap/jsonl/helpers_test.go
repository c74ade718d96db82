package jsonl

import (
	"bytes"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

func writeLine(t *testing.T, m tap.Message) string {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(m); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
