// Package filehash feeds a file's bytes to hashes the cheapest way the system allows: from read-only mappings of
// the page cache (no copy) on Linux, else by reading, and stops when asked.
package filehash

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
)

// ErrStopped ends a copy once its stop flag is set.
var ErrStopped = errors.New("stopped")

// ErrChanged is wrapped when a file shrinks under a mapping while it is hashed.
var ErrChanged = errors.New("the file changed while it was read")

// Copy writes the first size bytes of f to w, mapped where possible, else read with buf. It ends with ErrStopped
// once stop (which may be nil) is set.
func Copy(w io.Writer, f *os.File, size int64, buf []byte, stop *atomic.Bool) error {
	mapped, err := Mapped(f, size, w, stop)
	if mapped {
		return err
	}
	_, err = io.CopyBuffer(w, stoppable{io.NewSectionReader(f, 0, size), stop}, buf)
	return err
}

// stoppable is a reader that ends with ErrStopped once stop is set.
type stoppable struct {
	r    io.Reader
	stop *atomic.Bool
}

func (s stoppable) Read(p []byte) (int, error) {
	if s.stop != nil && s.stop.Load() {
		return 0, ErrStopped
	}
	return s.r.Read(p)
}
