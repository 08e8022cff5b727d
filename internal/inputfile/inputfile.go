// Package inputfile opens the files ferroseal reads as artifacts: regular files only, so that a device, a pipe or
// a directory given by mistake is refused at once instead of read forever or half-read.
package inputfile

import (
	"fmt"
	"os"
)

// Open opens path for reading and returns the file and its size. It refuses anything but a regular file (symbolic
// links are followed), naming the path.
func Open(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", path)
	}
	return f, st.Size(), nil
}
