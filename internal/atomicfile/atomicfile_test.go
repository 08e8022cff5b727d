package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferroseal/ferroseal/internal/cleanup"
)

func TestReplaceRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app.cdx.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(p, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	// A failing fill leaves the old file and no temporary file.
	err := Write(p, 0o644, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("encoder failed")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content after a failed write %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if cleanup.Len() != 0 {
		t.Errorf("%d temporaries still tracked", cleanup.Len())
	}
}

// TestTemporaryIsPrivate: while it is being written, the temporary file is readable by its owner only, and is
// tracked so that a signal handler can remove it.
func TestTemporaryIsPrivate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	err := Write(p, 0o644, func(w io.Writer) error {
		f := w.(*os.File)
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("temporary file mode %v, want 0600", st.Mode().Perm())
		}
		if cleanup.Len() != 1 {
			t.Errorf("%d temporaries tracked, want 1", cleanup.Len())
		}
		cleanup.RemoveAll() // what the signal handler does
		if _, err := os.Stat(f.Name()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary file not removed: %v", err)
		}
		return nil
	})
	if err == nil {
		t.Error("the rename of a removed temporary succeeded")
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target exists after the temporary was removed: %v", err)
	}
}

func TestSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	os.WriteFile(real, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(link, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("target content %q", b)
	}
}

// TestDeviceNotReplaced writes to a character device node the test makes (the same device as /dev/null): the
// node must still be a device afterwards, not a regular file renamed over it.
func TestDeviceNotReplaced(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(mkdev(1, 3))); err != nil {
		if os.Getuid() != 0 {
			t.Skipf("mknod needs root: %v", err)
		}
		t.Fatal(err)
	}
	if err := WriteBytes(dev, 0o644, []byte(`{"bomFormat":"CycloneDX"}`)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(dev)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is now %v, want the character device it was", dev, st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestFIFOWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := WriteBytes(fifo, 0o644, []byte("sbom")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "sbom" {
			t.Errorf("read %q from the FIFO", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing came through the FIFO")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", st.Mode())
	}
}

func TestDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	if err := WriteBytes(dir, 0o644, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("err = %v", err)
	}
}

func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor)
}
