//go:build unix

package hook

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the program in a process group of its own, so that
// killGroup also stops what a shell script started.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroupErr(cmd) }
}

func killGroup(cmd *exec.Cmd) { killGroupErr(cmd) }

func killGroupErr(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
