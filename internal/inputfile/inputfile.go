// Package inputfile opens the files ferroseal reads: artifacts, bundles, lockfiles, keys. Artifacts and evidence
// must be regular files, so that a device, a pipe or a directory given by mistake (or by an attacker who controls a
// path) is refused at once instead of read forever or half-read; the check is made on the open file, and a named
// pipe is opened without waiting for a writer, so that refusing it cannot hang. Secrets (passwords, tokens, keys)
// may come through a pipe (`--password-file <(...)`) and are read with a bound instead.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped when a path names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading and returns the file and its size. It refuses anything but a regular file (symbolic
// links are followed), naming the path and what it is; a named pipe is refused without blocking.
func Open(path string) (*os.File, int64, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// ReadAll reads a whole regular file of at most max bytes: one byte more is an error naming the file.
func ReadAll(path string, max int64) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d", path, size, max)
	}
	return readMax(f, path, max)
}

// ReadSecret reads a file that may be a pipe or a device (a password or token handed over by process
// substitution, /dev/stdin), at most max bytes: one byte more is an error, so /dev/zero cannot grow memory. A
// directory is refused.
func ReadSecret(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: %w (a directory)", path, ErrNotRegular)
	}
	return readMax(f, path, max)
}

// ReadMax reads r (standard input, say) to its end, at most max bytes: one byte more is an error naming it.
func ReadMax(r io.Reader, name string, max int64) ([]byte, error) { return readMax(r, name, max) }

func readMax(r io.Reader, path string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than the limit of %d bytes", path, max)
	}
	return data, nil
}

// describe names a file type for an error message.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a file"
}

func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, describe(m))
}
