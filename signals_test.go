package main

import (
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
)

// TestExitSignals: ctrl+c and SIGTERM end every command on every platform,
// and SIGHUP (a dropped SSH session) where it exists.
func TestExitSignals(t *testing.T) {
	sigs := exitSignals()
	want := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if runtime.GOOS != "windows" {
		want = append(want, syscall.SIGHUP)
	}
	for _, s := range want {
		if !slices.Contains(sigs, s) {
			t.Errorf("exitSignals() = %v, lacks %v", sigs, s)
		}
	}
	if runtime.GOOS == "windows" && slices.Contains(sigs, os.Signal(syscall.SIGHUP)) {
		t.Errorf("exitSignals() = %v: Windows never sends SIGHUP", sigs)
	}
}
