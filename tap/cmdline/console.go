package cmdline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
)

// Console is the process's standard streams. Commands take it instead of
// using os.Stdin and os.Stdout themselves, so tests run them in-process.
type Console struct {
	Stdin    io.Reader
	StdinTTY bool // someone is there to answer a question
	Stdout   io.Writer
	Stderr   io.Writer
	// Getenv reads the environment (os.Getenv when nil), so tests give
	// commands an environment of their own.
	Getenv func(string) string
}

// OSConsole is the process's own streams and environment.
func OSConsole() Console {
	return Console{Stdin: os.Stdin, StdinTTY: IsTerminal(os.Stdin), Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Env reads an environment variable.
func (c Console) Env(name string) string {
	if c.Getenv == nil {
		return os.Getenv(name)
	}
	return c.Getenv(name)
}

// IsTerminal says whether a standard stream is a terminal.
func IsTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// ErrNoTerminal is confirm's refusal when no one can answer.
var ErrNoTerminal = errors.New("stdin is not a terminal, so there is no one to ask")

// confirm asks question followed by [y/N] on stdout and reports whether the
// answer was y or yes. yes (the --yes flag) confirms without asking; without
// a terminal no one can answer, so it refuses with ErrNoTerminal. question
// is only built when it is asked. A signal while it waits is a no.
func (c Console) Confirm(ctx context.Context, yes bool, question func() string) (bool, error) {
	if yes {
		return true, nil
	}
	if !c.StdinTTY {
		return false, ErrNoTerminal
	}
	fmt.Fprint(c.Stdout, question()+" [y/N] ")
	answer := make(chan string, 1)
	go func() {
		// Left blocked on stdin when ctx ends first: the process is exiting.
		line, _ := bufio.NewReader(c.Stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	case <-ctx.Done():
		fmt.Fprintln(c.Stdout)
		return false, nil
	}
}
