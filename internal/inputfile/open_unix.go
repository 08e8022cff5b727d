//go:build unix

package inputfile

import (
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path without blocking on a named pipe (O_NONBLOCK), checks what the open descriptor is, and
// only then hands a regular file over, in blocking mode, to the os package. Checking the descriptor rather than
// the path leaves no window in which the path could be swapped.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if mode := uint32(st.Mode) & syscall.S_IFMT; mode != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, nil, notRegular(path, fileMode(mode))
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

func fileMode(ifmt uint32) fs.FileMode {
	switch ifmt {
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	}
	return fs.ModeIrregular
}
