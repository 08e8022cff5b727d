package filehash

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
)

// mapWindow is how much of a file is mapped at a time: enough that the system calls do not count, little enough
// that a large file does not hold its whole length in the process's resident set.
const mapWindow = 8 << 20

// minMapped is the smallest file hashed through mappings; smaller ones are read.
const minMapped = 1 << 20

// madvPopulateRead (Linux 5.14) faults a mapping's pages in with one system call; older kernels refuse it, and the
// pages then fault in as they are read.
const madvPopulateRead = 22

// Mapped writes the first size bytes of f to w from read-only mappings of the page cache, a window at a time,
// which saves copying them into a buffer. It returns false, having written nothing, when the file cannot be
// mapped; the caller then reads it. A file truncated while mapped is an error (the fault is caught: nothing
// crashes), and so is stop being set.
func Mapped(f *os.File, size int64, w io.Writer, stop *atomic.Bool) (mapped bool, err error) {
	if size < minMapped {
		return false, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false, nil
	}
	var fd int
	if err := rc.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return false, nil
	}
	defer runtime.KeepAlive(f)
	for off := int64(0); off < size; off += mapWindow {
		if stop != nil && stop.Load() {
			return true, ErrStopped
		}
		n := int(min(mapWindow, size-off))
		b, err := syscall.Mmap(fd, off, n, syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			if off == 0 {
				return false, nil
			}
			return true, fmt.Errorf("mapping the file: %w", err)
		}
		if err := writeMapped(w, b); err != nil {
			return true, err
		}
	}
	return true, nil
}

// writeMapped writes one mapping to w and unmaps it; a fault while reading it (the file was truncated) is an error.
func writeMapped(w io.Writer, b []byte) (err error) {
	defer syscall.Munmap(b)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			fault, ok := r.(interface{ Addr() uintptr }) // a memory fault, as SetPanicOnFault reports it
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%w (fault at %#x)", ErrChanged, fault.Addr())
		}
	}()
	syscall.Madvise(b, madvPopulateRead) //nolint:errcheck // best effort: pages fault in as read otherwise
	_, err = w.Write(b)
	return err
}
