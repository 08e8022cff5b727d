package binary

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/sbom/auditable"
)

// FuzzContainer walks fuzzed containers (tar, compressed streams, zip, Debian and RPM packages), seeded with real
// ones made by tar, gzip, xz, zstd, bzip2, dpkg-deb and rpmbuild: any input is read within its budget or refused,
// never a panic, and every binary found is named inside the container.
func FuzzContainer(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "containers", "*"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("bin/../../app")
	data, _ := os.ReadFile(filepath.Join(fixtures, "wasm32.wasm"))
	w.Write(data)
	zw.Close()
	f.Add(zb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		k := classifyKind(data)
		if !k.isContainer() {
			return
		}
		tmp := t.TempDir()
		s := &archiveScan{ctx: context.Background(), tmpDir: tmp, aopts: auditableOpts(4 << 20), send: func(tk task) error {
			os.Remove(tk.file)
			inside := strings.TrimPrefix(tk.art.Path, "fuzz!/")
			if strings.HasPrefix(inside, "/") || strings.Contains("/"+inside+"/", "/../") {
				t.Fatalf("a binary named outside its container: %q", tk.art.Path)
			}
			return nil
		}}
		b := &archiveBudget{left: 8 << 20, limit: 8 << 20}
		_ = s.walk(bytes.NewReader(data), k, "fuzz", "fuzz", "fuzz", 0, b)
		if b.left < -(64 << 10) {
			t.Fatalf("read %d bytes past the budget", -b.left)
		}
	})
}

func auditableOpts(max int64) auditable.Options { return auditable.Options{MaxFileSize: max} }
