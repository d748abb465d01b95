package store

import (
	"os"
	"syscall"
)

// openDirNoFollow opens dir for reading, refusing a symbolic link (Windows
// has no O_NOFOLLOW: the check and the open are two steps there).
func openDirNoFollow(dir string) (*os.File, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: dir, Err: syscall.ELOOP}
	}
	if !fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR}
	}
	return os.Open(dir)
}

// ownerUID: Windows has no numeric owners.
func ownerUID(os.FileInfo) (int, bool) { return 0, false }
