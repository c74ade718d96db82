package cmdline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/shoveltap/shoveltap/tap/envs"
)

// askPassword asks for a password on the terminal without echoing it. A
// stdin that is not a real terminal (tests) gives one line. A signal while
// it waits ends the question with ctx's error.
func (c Console) AskPassword(ctx context.Context, prompt string) (string, error) {
	if !c.StdinTTY {
		return "", ErrNoTerminal
	}
	fmt.Fprint(c.Stderr, prompt)
	answer := make(chan string, 1)
	failed := make(chan error, 1)
	go func() {
		// Left blocked on stdin when ctx ends first: the process is exiting.
		var line []byte
		var err error
		if f, ok := c.Stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
			line, err = term.ReadPassword(f.Fd())
		} else {
			line, err = readLine(c.Stdin)
		}
		if err != nil {
			failed <- err
			return
		}
		answer <- string(line)
	}()
	select {
	case pw := <-answer:
		fmt.Fprintln(c.Stderr)
		if pw == "" {
			return "", errors.New("no password given")
		}
		return pw, nil
	case err := <-failed:
		fmt.Fprintln(c.Stderr)
		return "", fmt.Errorf("reading the password: %w", err)
	case <-ctx.Done():
		fmt.Fprintln(c.Stderr)
		return "", ctx.Err()
	}
}

// readLine reads up to a newline one byte at a time, so that nothing
// after it is taken from a later question.
func readLine(r io.Reader) ([]byte, error) {
	var line []byte
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return []byte(strings.TrimSuffix(string(line), "\r")), nil
			}
			line = append(line, b[0])
		}
		if errors.Is(err, io.EOF) {
			return line, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// ReadPasswordFile reads a password from the first line of a file, and
// warns when others may read the file.
func ReadPasswordFile(path, flag string, stderr io.Writer) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pw := strings.TrimSuffix(first, "\r")
	if pw == "" {
		return "", fmt.Errorf("%s %s: its first line is empty: put the password on it", flag, path)
	}
	if err := envs.PrivateFile(path); err != nil {
		fmt.Fprintf(stderr, "shoveltap: warning: %s %s holds a password, but %v\n", flag, path, err)
	}
	return pw, nil
}

// WarnPasswordInURL warns when a URL given on the command line holds a
// password, which every user of the machine can read in the process list.
func WarnPasswordInURL(stderr io.Writer, flag string, raws []string) {
	for _, raw := range raws {
		u, err := url.Parse(raw)
		if err != nil || u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); ok {
			fmt.Fprintf(stderr, "shoveltap: warning: the password in %s can be read by every user of this machine (ps, /proc/PID/cmdline) while shoveltap runs; keep it off the command line: %s FILE (a file only you can read), the %s variable, an environment file (--env), or leave it out to be asked\n",
				flag, strings.TrimSuffix(flag, "url")+"password-file", passwordVar(flag))
			return
		}
	}
}

// passwordVar is the environment variable of the password that goes with
// a URL flag.
func passwordVar(urlFlag string) string {
	switch urlFlag {
	case "--tap-url":
		return "SHOVELTAP_TAP_PASSWORD"
	case "--mirror-url":
		return "SHOVELTAP_MIRROR_PASSWORD"
	}
	return "SHOVELTAP_PASSWORD"
}
