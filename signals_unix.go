//go:build !windows

package main

import (
	"os"
	"syscall"
)

// exitSignals end every command the same way: ctx ends, and the command
// cleans up before it returns. SIGHUP is a dropped SSH session.
func exitSignals() []os.Signal {
	return []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
}
