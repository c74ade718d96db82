package cmdline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		name   string
		yes    bool
		tty    bool
		answer string
		ok     bool
		err    error
		asked  bool
	}{
		{name: "--yes asks no one", yes: true, ok: true},
		{name: "--yes without a terminal", yes: true, tty: false, ok: true},
		{name: "no terminal refuses", tty: false, err: ErrNoTerminal},
		{name: "y", tty: true, answer: "y\n", ok: true, asked: true},
		{name: "YES", tty: true, answer: " YES \n", ok: true, asked: true},
		{name: "n", tty: true, answer: "n\n", asked: true},
		{name: "enter is no", tty: true, answer: "\n", asked: true},
		{name: "end of input is no", tty: true, answer: "", asked: true},
	} {
		var out bytes.Buffer
		con := Console{Stdin: strings.NewReader(tc.answer), StdinTTY: tc.tty, Stdout: &out, Stderr: io.Discard}
		asked := false
		ok, err := con.Confirm(context.Background(), tc.yes, func() string { asked = true; return "Remove these?" })
		if ok != tc.ok || !errors.Is(err, tc.err) || asked != tc.asked {
			t.Errorf("%s: ok %v, err %v, asked %v; want %v, %v, %v", tc.name, ok, err, asked, tc.ok, tc.err, tc.asked)
		}
		if tc.asked && out.String() != "Remove these? [y/N] " {
			t.Errorf("%s: prompt %q", tc.name, out.String())
		}
	}
}

// TestConfirmSignalIsNo: ctrl+c at the prompt (ctx ends) answers no at
// once, though nothing was typed.
func TestConfirmSignalIsNo(t *testing.T) {
	stdin, typing := io.Pipe() // nothing is ever typed
	defer typing.Close()
	ctx, cancel := context.WithCancel(context.Background())
	con := Console{Stdin: stdin, StdinTTY: true, Stdout: io.Discard, Stderr: io.Discard}
	time.AfterFunc(20*time.Millisecond, cancel)
	done := make(chan bool)
	go func() {
		ok, _ := con.Confirm(ctx, false, func() string { return "Publish?" })
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Error("a signal at the prompt confirmed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("confirm kept waiting for input after the signal")
	}
}
