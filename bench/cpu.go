package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// processCPU is this process's CPU time so far, user + system, all
// threads (getrusage RUSAGE_SELF; children are not included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// publisherChildEnv, when set, makes the bench binary a publisher only: it
// reads a publisherJob as JSON on stdin, publishes, and writes the
// publisherOutcome as JSON on stdout. The drain part fills its queue this
// way so that the harness process's CPU time is the reader's alone.
const publisherChildEnv = "SHOVELTAP_BENCH_PUBLISHER_CHILD"

type publisherJob struct {
	URL  string  `json:"url"`
	Spec pubSpec `json:"spec"`
}

type publisherOutcome struct {
	Result pubResult `json:"result"`
	Err    string    `json:"error,omitempty"`
}

// runPublisherChild does the child's work and reports whether this process
// is one; main returns at once when it is.
func runPublisherChild() bool {
	if os.Getenv(publisherChildEnv) == "" {
		return false
	}
	var job publisherJob
	var out publisherOutcome
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		out.Err = "reading the job: " + err.Error()
	} else if res, err := publish(context.Background(), job.URL, job.Spec); err != nil {
		out.Err = err.Error()
	} else {
		out.Result = res
	}
	out.Result.ConfirmLat = nil
	_ = json.NewEncoder(os.Stdout).Encode(out)
	return true
}

// publishApart is publish run by a child process (this binary again), so
// that its CPU time is not this process's.
func publishApart(ctx context.Context, url string, spec pubSpec) (pubResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return pubResult{}, fmt.Errorf("publisher process: %w", err)
	}
	job, err := json.Marshal(publisherJob{URL: url, Spec: spec})
	if err != nil {
		return pubResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe)
	// The URL holds the password: it goes on stdin, not in the
	// environment or the arguments.
	cmd.Env = append(os.Environ(), publisherChildEnv+"=1")
	cmd.Stdin = bytes.NewReader(job)
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		return pubResult{}, fmt.Errorf("publisher process: %w", err)
	}
	var out publisherOutcome
	if err := json.Unmarshal(data, &out); err != nil {
		return pubResult{}, fmt.Errorf("publisher process: unexpected output %q: %w", data, err)
	}
	if out.Err != "" {
		return out.Result, errors.New(out.Err)
	}
	return out.Result, nil
}
