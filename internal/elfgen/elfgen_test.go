package elfgen

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReadByStdlibAndReadelf: what Build writes is an ELF file the standard library and binutils read.
func TestReadByStdlibAndReadelf(t *testing.T) {
	data := Auditable([]byte(`{"packages":[]}`), "rustc version 1.95.0 (59807616e 2026-04-14)")
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(".dep-v0")
	if s == nil {
		t.Fatal("no .dep-v0")
	}
	got, _ := io.ReadAll(s.Open())
	if !bytes.Equal(got, Zlib([]byte(`{"packages":[]}`))) {
		t.Error(".dep-v0 content differs")
	}
	if f.Section(".comment") == nil || f.Machine != elf.EM_X86_64 {
		t.Error("no .comment, or wrong machine")
	}
	readelf, err := exec.LookPath("readelf")
	if err != nil {
		t.Skip("readelf not installed")
	}
	p := filepath.Join(t.TempDir(), "app")
	os.WriteFile(p, data, 0o755)
	out, err := exec.Command(readelf, "-W", "-S", p).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(".dep-v0")) || bytes.Contains(out, []byte("Warning")) {
		t.Errorf("readelf: %v\n%s", err, out)
	}
}
