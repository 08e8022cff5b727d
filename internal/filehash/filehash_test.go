package filehash

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

func tempFile(t *testing.T, size int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

// Copy gives the bytes of the file, whole windows and a partial last one, mapped or read alike.
func TestCopy(t *testing.T) {
	for _, size := range []int{0, 1, minMapped - 1, minMapped, mapWindow, mapWindow + 4097, 2*mapWindow + 1} {
		f, data := tempFile(t, size)
		var out bytes.Buffer
		if err := Copy(&out, f, int64(size), make([]byte, 4096), nil); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%d bytes: copied %d bytes, not the file's", size, out.Len())
		}
		if mapped, _ := Mapped(f, int64(size), sha256.New(), nil); mapped != (runtime.GOOS == "linux" && size >= minMapped) {
			t.Errorf("%d bytes: mapped=%v", size, mapped)
		}
	}
}

// truncating shrinks the file as soon as the first bytes arrive, then reads them all: the pages past the new
// end fault.
type truncating struct {
	f    *os.File
	done bool
}

func (w *truncating) Write(b []byte) (int, error) {
	if !w.done {
		w.done = true
		if err := w.f.Truncate(0); err != nil {
			return 0, err
		}
	}
	return sha256.New().Write(b)
}

// A file truncated while it is mapped is an error, not a crash.
func TestCopyTruncated(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	f, _ := tempFile(t, mapWindow+1)
	w, err := os.OpenFile(f.Name(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	err = Copy(&truncating{f: w}, f, mapWindow+1, make([]byte, 4096), nil)
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("error %v, want ErrChanged", err)
	}
}

func TestCopyStopped(t *testing.T) {
	f, _ := tempFile(t, 2*mapWindow)
	var stop atomic.Bool
	stop.Store(true)
	if err := Copy(sha256.New(), f, 2*mapWindow, make([]byte, 4096), &stop); !errors.Is(err, ErrStopped) {
		t.Fatalf("error %v", err)
	}
}
