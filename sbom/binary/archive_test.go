package binary

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// tarGz writes a .tar.gz of the given entries in order; a name may repeat.
func tarGz(t *testing.T, path string, entries ...[2]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		data, err := os.ReadFile(e[1])
		if err != nil {
			t.Fatal(err)
		}
		tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func scanOne(t *testing.T, input string) []Item {
	t.Helper()
	items, err := Scan(context.Background(), []string{input}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// TestNestedArchives (class 6): an archive inside a release archive is opened, to a bounded depth, so that
// --check-sbom compares every binary of the release; it used to be skipped without a word.
func TestNestedArchives(t *testing.T) {
	dir := t.TempDir()
	inner := filepath.Join(dir, "app-linux.tar.gz")
	tarGz(t, inner, [2]string{"app/app", filepath.Join(fixtures, "x86_64-linux.elf")})
	outer := filepath.Join(dir, "release.tar.gz")
	tarGz(t, outer, [2]string{"app-linux.tar.gz", inner}, [2]string{"win/app.exe", filepath.Join(fixtures, "x86_64-windows.exe")})
	items := scanOne(t, outer)
	var paths []string
	for _, it := range items {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Path, it.Err)
			continue
		}
		paths = append(paths, strings.TrimPrefix(it.Result.Artifact.Path, "release.tar.gz!/"))
	}
	if strings.Join(paths, " ") != "app-linux.tar.gz!/app/app win/app.exe" {
		t.Errorf("binaries found: %v", paths)
	}
	// Three levels of archives within the archive given are refused.
	deep := outer
	for i := range 3 {
		next := filepath.Join(dir, "deep"+string(rune('a'+i))+".tar.gz")
		tarGz(t, next, [2]string{filepath.Base(deep), deep})
		deep = next
	}
	items = scanOne(t, deep)
	if len(items) != 1 || !errors.Is(items[0].Err, ErrArchive) || !strings.Contains(items[0].Err.Error(), "nested more than") {
		t.Errorf("deeply nested archives: %+v", items)
	}
}

// TestSparseTarEntry (class 6): a GNU sparse file in a tar archive is a file like any other.
func TestSparseTarEntry(t *testing.T) {
	gnuTar, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("tar not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	data, _ := os.ReadFile(filepath.Join(fixtures, "x86_64-linux.elf"))
	os.WriteFile(bin, data, 0o755)
	os.Truncate(bin, 4<<20) // a hole after the binary's bytes
	archive := filepath.Join(dir, "app.tar")
	if out, err := exec.Command(gnuTar, "--sparse", "--format=gnu", "-C", dir, "-cf", archive, "app").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	// Make sure tar wrote a sparse entry.
	tr := tar.NewReader(bytes.NewReader(mustReadFile(t, archive)))
	h, err := tr.Next()
	if err != nil || h.Typeflag != tar.TypeGNUSparse {
		t.Fatalf("tar wrote %v, %v: not a GNU sparse entry", h, err)
	}
	items := scanOne(t, archive)
	if len(items) != 1 || items[0].Err != nil || items[0].Result.File.Slices[0].Arch != "x86_64" {
		t.Errorf("sparse entry: %+v", items)
	}
}

// TestDuplicateEntries (class 6): two entries with one name make an archive whose extraction keeps one of them:
// refused, instead of merging two binaries into one component and losing one's digest.
func TestDuplicateEntries(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "release.tar.gz")
	tarGz(t, archive, [2]string{"bin/app", filepath.Join(fixtures, "x86_64-linux.elf")},
		[2]string{"./bin//app", filepath.Join(fixtures, "aarch64-linux.elf")})
	items := scanOne(t, archive)
	found := false
	for _, it := range items {
		found = found || errors.Is(it.Err, ErrArchive) && strings.Contains(it.Err.Error(), `two entries named "bin/app"`)
	}
	if !found {
		t.Errorf("duplicate entries not refused: %+v", items)
	}
}

// TestArchiveBudget (class 16): what an archive may decompress to is proportionate to its size; a small
// compressed archive of a binary padded with hundreds of MiB of zeros stops at the budget instead of writing it
// all to a temporary file.
func TestArchiveBudget(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.tar.gz")
	f, _ := os.Create(bomb)
	gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	elf := mustReadFile(t, filepath.Join(fixtures, "x86_64-linux.elf"))
	const size = 256 << 20
	tw.WriteHeader(&tar.Header{Name: "app", Mode: 0o755, Size: size, Typeflag: tar.TypeReg})
	tw.Write(elf)
	zeros := make([]byte, 1<<20)
	for written := len(elf); written < size; written += len(zeros) {
		tw.Write(zeros[:min(len(zeros), size-written)])
	}
	tw.Close()
	gz.Close()
	f.Close()
	st, _ := os.Stat(bomb)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	items := scanOne(t, bomb)
	runtime.ReadMemStats(&after)
	if len(items) != 1 || !errors.Is(items[0].Err, ErrArchive) || !strings.Contains(items[0].Err.Error(), "decompresses to more than") {
		t.Fatalf("a %d-byte archive of %d MiB: %+v", st.Size(), size>>20, items)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScanMemoryIndependentOfCores (class 17): the binaries read at once, each with its read buffer, are bounded
// whatever the number of cores: a machine with 32 of them allocates what one with 4 does. It used to read 32 at
// once, 32 buffers.
func TestScanMemoryIndependentOfCores(t *testing.T) {
	dir := t.TempDir()
	elf := mustReadFile(t, filepath.Join(fixtures, "x86_64-linux.elf"))
	big := append(bytes.Clone(elf), make([]byte, 4<<20)...) // hashing takes a while: the reads overlap
	for i := range 64 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("app%02d", i)), big, 0o755)
	}
	alloc := func(procs int) uint64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		items, err := Scan(context.Background(), []string{dir}, ScanOptions{})
		runtime.ReadMemStats(&after)
		if err != nil || len(items) != 64 {
			t.Fatalf("%d items, %v", len(items), err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	four, many := alloc(4), alloc(32)
	t.Logf("allocated %d KiB with 4 processors, %d KiB with 32", four>>10, many>>10)
	if many > four+2<<20 {
		t.Errorf("32 processors allocate %d KiB more than 4", (many-four)>>10)
	}
}
