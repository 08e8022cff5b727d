// Package atomicfile writes output files so that a reader sees the old content or the whole new content, never a
// part: the data goes to a temporary file (mode 0600 while it is written) in the same directory, which is synced,
// given its final mode and renamed over the target only when everything was written. On any error the temporary
// file is removed and the target is left as it was; a signal handler removes it through package cleanup.
//
// Only regular files (and new paths) are replaced that way. A path that names a device, a named pipe or a socket
// (/dev/null, a FIFO, /dev/stdout) is written through, never replaced: renaming a file over /dev/null, as root in
// a CI container, would turn the machine's /dev/null into a regular file. A directory is refused.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferroseal/ferroseal/internal/cleanup"
)

// Write creates or replaces path with what fill writes, with permissions perm.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) error {
	through, target, err := plan(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if through {
		return writeThrough(path, fill)
	}
	return replace(path, target, perm, fill)
}

// WriteBytes creates or replaces path with data.
func WriteBytes(path string, perm os.FileMode, data []byte) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// plan decides how path is written: through (a device, a pipe, a socket, anything under /dev or /proc), or
// replaced by a rename onto target (the path, or the regular file a symbolic link points at).
func plan(path string) (through bool, target string, err error) {
	clean := filepath.Clean(path)
	if strings.HasPrefix(clean, "/dev/") || strings.HasPrefix(clean, "/proc/") {
		return true, "", nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, path, nil
	case err != nil:
		return false, "", err
	case st.IsDir():
		return false, "", errors.New("is a directory")
	case st.Mode().IsRegular():
		// Replace the file a symbolic link points at, and keep the link.
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			return false, resolved, nil
		}
		return false, path, nil
	}
	return true, "", nil
}

// writeThrough writes to an existing non-regular file, after the whole content was made, in one write.
func writeThrough(path string, fill func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := fill(&buf); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func replace(path, target string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*") // mode 0600 until it is complete
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	forget := cleanup.Track(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		forget()
	}()
	if err = fill(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Batch writes a set of files that belong together (a release directory: SBOMs, bundles, the checksums of them
// all) so that a failure while they are made replaces none of them: every file is written to its temporary file
// first, and only Commit renames them over their targets, in the order they were added (put the file that lists
// the others last). Abort, or a Commit that fails before its first rename, leaves every target as it was.
type Batch struct {
	staged []staged
}

type staged struct {
	tmp, target, path string
	forget            func()
	through           []byte // for a target written through (a device, a pipe): the content
}

// Add stages path with data; nothing is visible at path until Commit.
func (b *Batch) Add(path string, perm os.FileMode, data []byte) error {
	through, target, err := plan(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if through {
		b.staged = append(b.staged, staged{path: path, through: bytes.Clone(data)})
		return nil
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	forget := cleanup.Track(tmp.Name())
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		forget()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	b.staged = append(b.staged, staged{tmp: tmp.Name(), target: target, path: path, forget: forget})
	return nil
}

// Commit renames every staged file over its target, in the order added. It stops at the first failure, removing
// what is still staged.
func (b *Batch) Commit() error {
	defer b.Abort()
	for i := range b.staged {
		s := &b.staged[i]
		var err error
		if s.tmp == "" {
			err = writeThrough(s.path, func(w io.Writer) error { _, err := w.Write(s.through); return err })
		} else {
			err = os.Rename(s.tmp, s.target)
			if err == nil {
				s.forget()
				s.tmp = ""
			}
		}
		s.through = nil
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.path, err)
		}
	}
	return nil
}

// Abort removes every file still staged.
func (b *Batch) Abort() {
	for _, s := range b.staged {
		if s.tmp != "" {
			os.Remove(s.tmp)
			s.forget()
		}
	}
	b.staged = nil
}
