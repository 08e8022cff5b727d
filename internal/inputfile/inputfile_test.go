package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app")
	if err := os.WriteFile(file, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, link} {
		f, size, err := Open(p)
		if err != nil || size != 5 {
			t.Fatalf("%s: size %d, err %v", p, size, err)
		}
		f.Close()
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A FIFO opened for reading blocks until a writer comes: open one so that Open returns, then check it refuses.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, p := range []string{dir, os.DevNull, fifo} {
		if _, _, err := Open(p); err == nil || !strings.Contains(err.Error(), p+": not a regular file") {
			t.Errorf("%s: err = %v, want a refusal naming it", p, err)
		}
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v", err)
	}
}
