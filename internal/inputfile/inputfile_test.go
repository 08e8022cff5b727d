package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
		buf := make([]byte, 8)
		if n, err := f.Read(buf); n != 5 || err != nil {
			t.Errorf("%s: read %d bytes, %v", p, n, err)
		}
		f.Close()
	}
	for _, p := range []string{dir, os.DevNull} {
		if _, _, err := Open(p); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), p+": not a regular file") {
			t.Errorf("%s: err = %v, want a refusal naming it", p, err)
		}
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestOpenFIFOWithoutWriter: a named pipe nobody writes to is refused at once; opening it for reading the usual
// way would block forever.
func TestOpenFIFOWithoutWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "app.sigstore.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := Open(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("err = %v, want a refusal of a named pipe", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open blocked on a named pipe without a writer")
	}
	if _, err := ReadAll(fifo, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadAll: err = %v", err)
	}
}

func TestReadSecret(t *testing.T) {
	// /dev/zero never ends: the read stops one byte past the limit.
	if _, err := ReadSecret("/dev/zero", 1<<20); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("/dev/zero: err = %v", err)
	}
	dir := t.TempDir()
	if _, err := ReadSecret(dir, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: err = %v", err)
	}
	p := filepath.Join(dir, "pw")
	os.WriteFile(p, []byte("secret\n"), 0o600)
	if b, err := ReadSecret(p, 10); err != nil || string(b) != "secret\n" {
		t.Errorf("ReadSecret = %q, %v", b, err)
	}
	if _, err := ReadAll(p, 3); err == nil {
		t.Error("ReadAll over the limit: no error")
	}
}
