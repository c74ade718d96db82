package main

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

// console is the process's standard streams. Commands take it instead of
// using os.Stdin and os.Stdout themselves, so tests run them in-process.
type console struct {
	stdin    io.Reader
	stdinTTY bool // someone is there to answer a question
	stdout   io.Writer
	stderr   io.Writer
	// getenv reads the environment (os.Getenv when nil), so tests give
	// commands an environment of their own.
	getenv func(string) string
}

func osConsole() console {
	return console{stdin: os.Stdin, stdinTTY: isTerminal(os.Stdin), stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
}

// env reads an environment variable.
func (c console) env(name string) string {
	if c.getenv == nil {
		return os.Getenv(name)
	}
	return c.getenv(name)
}

// isTerminal says whether a standard stream is a terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// errNoTerminal is confirm's refusal when no one can answer.
var errNoTerminal = errors.New("stdin is not a terminal, so there is no one to ask")

// confirm asks question followed by [y/N] on stdout and reports whether the
// answer was y or yes. yes (the --yes flag) confirms without asking; without
// a terminal no one can answer, so it refuses with errNoTerminal. question
// is only built when it is asked. A signal while it waits is a no.
func (c console) confirm(ctx context.Context, yes bool, question func() string) (bool, error) {
	if yes {
		return true, nil
	}
	if !c.stdinTTY {
		return false, errNoTerminal
	}
	fmt.Fprint(c.stdout, question()+" [y/N] ")
	answer := make(chan string, 1)
	go func() {
		// Left blocked on stdin when ctx ends first: the process is exiting.
		line, _ := bufio.NewReader(c.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	case <-ctx.Done():
		fmt.Fprintln(c.stdout)
		return false, nil
	}
}
