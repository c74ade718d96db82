//go:build windows

package main

import (
	"os"
	"syscall"
)

// exitSignals end every command the same way: ctx ends, and the command
// cleans up before it returns. Windows has no SIGHUP; Go delivers ctrl+c
// and ctrl+break as os.Interrupt, and closing the console window, logging
// off or shutting down as SIGTERM (Windows then allows the process about
// five seconds).
func exitSignals() []os.Signal {
	return []os.Signal{os.Interrupt, syscall.SIGTERM}
}
