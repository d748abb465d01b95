package procgroup

import (
	"io"
	"os"
	"os/exec"
)

// Pipes are a child's standard streams, as sonde speaks to a stdio server.
type Pipes struct {
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
	Stderr io.ReadCloser
}

// Command prepares argv (argv[0] the program, run without a shell) in a
// process group of its own, with sonde's environment plus env, in dir ("":
// sonde's), and its three pipes; the caller starts it.
func Command(argv, env []string, dir string) (*exec.Cmd, Pipes, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	Own(cmd)
	var p Pipes
	var err error
	if p.Stdin, err = cmd.StdinPipe(); err != nil {
		return nil, p, err
	}
	if p.Stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, p, err
	}
	if p.Stderr, err = cmd.StderrPipe(); err != nil {
		return nil, p, err
	}
	return cmd, p, nil
}
