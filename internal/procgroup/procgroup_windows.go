package procgroup

import (
	"os"
	"os/exec"
	"syscall"
)

// Own starts a stdio server in a new process group, so that a
// Ctrl+C meant for sonde does not reach it.
func Own(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// Signal ends the server: Windows has no signals to send a process
// group, so any signal is TerminateProcess on the server itself (processes
// it started are not reached). Signal 0 only asks whether it exists, and
// does nothing here.
func Signal(pid int, sig syscall.Signal) {
	if sig == 0 {
		return
	}
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
