package prefetch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestCandidate(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sbom", "app"}, "app"},
		{[]string{"sbom", "-o", "cyclonedx-json=x", "app"}, "app"},
		{[]string{"sbom", "app", "-o", "spdx-json", "--output-dir", "out"}, "app"},
		{[]string{"sbom", "--output=x", "--merge", "--heuristic", "app"}, "app"},
		{[]string{"sbom", "--", "-app"}, "-app"},
		{[]string{"sbom", "--platform", "linux/amd64", "--lockfile", "Cargo.lock", "image.tar"}, "image.tar"},
		{[]string{"sbom", "a", "b"}, ""},                  // two binaries: read concurrently anyway
		{[]string{"sbom"}, ""},                            // a cargo project
		{[]string{"sbom", "--hash", "sha512", "app"}, ""}, // another digest
		{[]string{"sbom", "--hash=sha256,sha1", "app"}, ""},
		{[]string{"sbom", "--help", "app"}, ""},
		{[]string{"verify", "app"}, ""},
		{[]string{"sbom", "-o", "app"}, ""},
	} {
		if got := Candidate(tc.args); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}

func hashedEarly(t *testing.T, path string) {
	t.Helper()
	r := &result{path: path, done: make(chan struct{})}
	mu.Lock()
	started = r
	mu.Unlock()
	r.run()
}

// The early hash is taken for the file the command line named, unchanged; not for another path, nor once the
// file changed, nor twice.
func TestTake(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "app")
	data := make([]byte, minSize+12345)
	rand.Read(data)
	os.WriteFile(path, data, 0o755)
	want := sha256.Sum256(data)

	hashedEarly(t, path)
	f, _ := os.Open(path)
	defer f.Close()
	if _, ok := Take("other", f); ok {
		t.Fatal("taken for another path")
	}
	sum, ok := Take(path, f)
	if !ok || sum != hex.EncodeToString(want[:]) {
		t.Fatalf("take: %v %s", ok, sum)
	}
	if _, ok := Take(path, f); ok {
		t.Fatal("taken twice")
	}

	// Changed after the early hash: its times differ.
	hashedEarly(t, path)
	later := time.Now().Add(time.Second)
	os.Chtimes(path, later, later)
	if _, ok := Take(path, f); ok {
		t.Fatal("taken for a changed file")
	}
	// Replaced by another file of that name.
	hashedEarly(t, path)
	os.Remove(path)
	os.WriteFile(path, data, 0o755)
	g, _ := os.Open(path)
	defer g.Close()
	if _, ok := Take(path, g); ok {
		t.Fatal("taken for a replaced file")
	}
	// Small files, FIFOs and directories are not hashed early.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "small"), []byte("x"), 0o644)
	for _, p := range []string{filepath.Join(dir, "small"), dir, fifo} {
		hashedEarly(t, p)
		if _, ok := Take(p, f); ok {
			t.Errorf("%s: taken", p)
		}
	}
}
