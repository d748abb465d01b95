//go:build !windows

package store

import (
	"os"
	"syscall"
)

// openDirNoFollow opens dir for reading without following a symbolic link.
func openDirNoFollow(dir string) (*os.File, error) {
	return os.OpenFile(dir, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_DIRECTORY, 0)
}

// ownerUID is the user owning a file, where the system has numeric owners.
func ownerUID(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
