//go:build !windows

package procgroup

import (
	"os/exec"
	"syscall"
)

// Own puts a stdio server in a process group of its own, so
// that the signals of shutdown reach the processes it started too.
func Own(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// Signal sends sig to the process group that pid leads.
func Signal(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}
