package binary

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// releaseTree is the files a release of the examples ships: a Linux binary and a Windows one, under usr/bin.
func releaseTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	os.MkdirAll(filepath.Join(root, "usr", "bin"), 0o755)
	for name, fixture := range map[string]string{"app": "x86_64-linux.elf", "app.exe": "x86_64-windows.exe"} {
		data, err := os.ReadFile(filepath.Join(fixtures, fixture))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "usr", "bin", name), data, 0o755)
	}
	os.WriteFile(filepath.Join(root, "usr", "README"), []byte("docs"), 0o644)
	return root
}

func mustRun(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// binariesOf scans one input and returns the labels of the binaries found, failing on any error.
func binariesOf(t *testing.T, input string) []string {
	t.Helper()
	items, err := Scan(context.Background(), []string{input}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Path, it.Err)
		}
		out = append(out, it.Result.Artifact.Path)
	}
	return out
}

// TestCompressedTarballs: cargo-dist's .tar.xz and .tar.zst, made by xz and zstd.
func TestCompressedTarballs(t *testing.T) {
	tree := releaseTree(t)
	dir := t.TempDir()
	mustRun(t, tree, "tar", "-cf", filepath.Join(dir, "app.tar"), "usr")
	for tool, ext := range map[string]string{"xz": ".tar.xz", "zstd": ".tar.zst"} {
		path := testenv.Tool(t, tool)
		out := filepath.Join(dir, "app"+ext)
		data, err := exec.Command(path, "-c", filepath.Join(dir, "app.tar")).Output()
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		os.WriteFile(out, data, 0o644)
		got := strings.Join(binariesOf(t, out), " ")
		if want := "app" + ext + "!/usr/bin/app app" + ext + "!/usr/bin/app.exe"; got != want {
			t.Errorf("%s: %s, want %s", ext, got, want)
		}
	}
}

// TestDebianPackages: packages made by dpkg-deb with each compression it offers; the binaries are named by their
// paths in the package.
func TestDebianPackages(t *testing.T) {
	dpkg := testenv.Tool(t, "dpkg-deb")
	tree := releaseTree(t)
	os.MkdirAll(filepath.Join(tree, "DEBIAN"), 0o755)
	os.WriteFile(filepath.Join(tree, "DEBIAN", "control"), []byte("Package: app\nVersion: 1.2.0\nArchitecture: amd64\nMaintainer: Release <release@example.com>\nDescription: an example\n"), 0o644)
	for _, z := range []string{"xz", "zstd", "gzip"} {
		deb := filepath.Join(t.TempDir(), "app_1.2.0_amd64.deb")
		mustRun(t, "", dpkg, "--root-owner-group", "-Z"+z, "--build", tree, deb)
		got := strings.Join(binariesOf(t, deb), " ")
		if want := "app_1.2.0_amd64.deb!/usr/bin/app app_1.2.0_amd64.deb!/usr/bin/app.exe"; got != want {
			t.Errorf("-Z%s: %s, want %s", z, got, want)
		}
	}
}

// rpmOf builds an RPM of the release tree with rpmbuild, with the given payload compression.
func rpmOf(t *testing.T, payload string) string {
	t.Helper()
	rpmbuild := testenv.Tool(t, "rpmbuild")
	top := t.TempDir()
	tree := releaseTree(t)
	os.MkdirAll(filepath.Join(top, "SPECS"), 0o755)
	spec := filepath.Join(top, "SPECS", "app.spec")
	os.WriteFile(spec, []byte(`Name: app
Version: 1.2.0
Release: 1
Summary: an example
License: MIT
%global debug_package %{nil}
%description
an example
%install
mkdir -p %{buildroot}/usr/bin
cp `+tree+`/usr/bin/app `+tree+`/usr/bin/app.exe %{buildroot}/usr/bin/
%files
/usr/bin/app
/usr/bin/app.exe
`), 0o644)
	mustRun(t, "", rpmbuild, "-bb", "--quiet", "--define", "_topdir "+top, "--define", "__strip /bin/true",
		"--define", "_build_id_links none", "--define", "_missing_build_ids_terminate_build 0",
		"--define", "_binary_payload "+payload, spec)
	rpms, _ := filepath.Glob(filepath.Join(top, "RPMS", "*", "*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("rpmbuild made %v", rpms)
	}
	return rpms[0]
}

// TestRPMPackages: packages made by rpmbuild with gzip, xz and zstd payloads.
func TestRPMPackages(t *testing.T) {
	for _, payload := range []string{"w9.gzdio", "w6.xzdio", "w19.zstdio"} {
		rpm := rpmOf(t, payload)
		got := strings.Join(binariesOf(t, rpm), " ")
		base := filepath.Base(rpm)
		if want := base + "!/usr/bin/app " + base + "!/usr/bin/app.exe"; got != want {
			t.Errorf("%s: %s, want %s", payload, got, want)
		}
	}
}

// TestHostilePackages: an RPM whose header claims gigabytes, a zstd stream that decompresses far past the budget,
// and names that climb out of the archive (kept inside it, as labels).
func TestHostilePackages(t *testing.T) {
	rpm := rpmOf(t, "w9.gzdio")
	data, _ := os.ReadFile(rpm)
	// The signature header's data size, right after the 96-byte lead and the header's 12-byte preamble.
	binary.BigEndian.PutUint32(data[96+12:], 0xfffffff0)
	bad := filepath.Join(t.TempDir(), "big-header.rpm")
	os.WriteFile(bad, data, 0o644)
	items, err := Scan(context.Background(), []string{bad}, ScanOptions{})
	if err != nil || len(items) != 1 || !errors.Is(items[0].Err, ErrArchive) || !strings.Contains(items[0].Err.Error(), "more than the limit") {
		t.Errorf("an RPM header of 4 GiB: %+v, %v", items, err)
	}

	zstd := testenv.Tool(t, "zstd")
	dir := t.TempDir()
	bomb := filepath.Join(dir, "zeros")
	f, _ := os.Create(bomb)
	f.Write(mustReadFile(t, filepath.Join(fixtures, "x86_64-linux.elf")))
	f.Truncate(512 << 20) // an ELF followed by 512 MiB of zeros
	f.Close()
	mustRun(t, dir, zstd, "-q", "-19", bomb, "-o", bomb+".zst")
	st, _ := os.Stat(bomb + ".zst")
	items, err = Scan(context.Background(), []string{bomb + ".zst"}, ScanOptions{})
	if err != nil || len(items) != 1 || !strings.Contains(items[0].Err.Error(), "decompresses to more than") {
		t.Errorf("a %d-byte zstd stream of 512 MiB: %+v, %v", st.Size(), items, err)
	}

	// A tar whose entry climbs out: the binary is found, named inside the archive.
	slip := filepath.Join(dir, "slip.tar.gz")
	writeTarGz(t, slip, map[string]string{"../../../../usr/bin/app": filepath.Join(fixtures, "x86_64-linux.elf")})
	got := binariesOf(t, slip)
	if len(got) != 1 || got[0] != "slip.tar.gz!/usr/bin/app" {
		t.Errorf("zip-slip name: %v", got)
	}
}
