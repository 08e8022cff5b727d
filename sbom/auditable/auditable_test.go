package auditable

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// The project's own fixtures: built by scripts/make-auditable-fixtures.sh from the example workspace's metadata.
var ownFixtures = []struct {
	file      string
	container Container
	arches    []string
	payload   string // the .zlib.json the script embedded
	section   string
	format    int
}{
	{file: "x86_64-linux.elf", container: ELF, arches: []string{"x86_64"}, payload: "ws-app.format1", section: ".dep-v0", format: 1},
	{file: "i686-linux.elf", container: ELF, arches: []string{"x86"}, payload: "ws-app.format1", section: ".dep-v0", format: 1},
	{file: "aarch64-linux.elf", container: ELF, arches: []string{"aarch64"}, payload: "ws-app.format1", section: ".dep-v0", format: 1},
	{file: "powerpc64-linux.elf", container: ELF, arches: []string{"powerpc64"}, payload: "ws-app.format1", section: ".dep-v0", format: 1},
	{file: "x86_64-windows.exe", container: PE, arches: []string{"x86_64"}, payload: "ws-app-windows.format1", section: ".dep-v0", format: 1},
	{file: "i686-windows.exe", container: PE, arches: []string{"x86"}, payload: "ws-app-windows.format1", section: ".dep-v0", format: 1},
	{file: "wasm32.wasm", container: Wasm, arches: []string{"wasm32"}, payload: "ws-app.format1", section: ".dep-v0", format: 1},
	{file: "padded-leb.wasm", container: Wasm, arches: []string{"wasm32"}, payload: "ws-app.format8", section: ".dep-v0", format: 8},
	// wasm32.wasm wrapped by jco new into a component (the component model's binary).
	{file: "component.wasm", container: WasmComponent, arches: []string{"wasm32"}, payload: "ws-app.format1", section: ".dep-v0 (component, core module 0)", format: 1},
	{file: "x86_64-darwin.macho", container: MachO, arches: []string{"x86_64"}, payload: "ws-app.format1", section: "__DATA,.dep-v0", format: 1},
	{file: "aarch64-darwin.macho", container: MachO, arches: []string{"aarch64"}, payload: "ws-app.format1", section: "__DATA,.dep-v0", format: 1},
	{file: "universal-darwin.macho", container: MachOUniversal, arches: []string{"x86_64", "aarch64"}, payload: "ws-app.format1", section: "__DATA,.dep-v0", format: 1},
	{file: "format0.elf", container: ELF, arches: []string{"x86_64"}, payload: "ws-app.format0", section: ".dep-v0", format: 0},
	{file: "format8.elf", container: ELF, arches: []string{"x86_64"}, payload: "ws-app.format8", section: ".dep-v0", format: 8},
	{file: "legacy.elf", container: ELF, arches: []string{"x86_64"}, payload: "legacy", section: ".rust-deps-v0", format: 0},
	{file: "legacy.exe", container: PE, arches: []string{"x86_64"}, payload: "legacy", section: "rdep-v0", format: 0},
	{file: "legacy.macho", container: MachO, arches: []string{"x86_64"}, payload: "legacy", section: "__TEXT,rust-deps-v0", format: 0},
}

func TestReadOwnFixtures(t *testing.T) {
	t.Parallel()
	for _, tt := range ownFixtures {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(filepath.Join("testdata", "bin", tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Container != tt.container {
				t.Errorf("container %s, want %s", f.Container, tt.container)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "bin", tt.payload+".zlib.json"))
			if err != nil {
				t.Fatal(err)
			}
			var arches []string
			for _, s := range f.Slices {
				arches = append(arches, s.Arch)
				if !bytes.Equal(bytes.TrimSpace(s.JSON), bytes.TrimSpace(want)) {
					t.Errorf("%s: embedded JSON differs from what was embedded:\n got %s\nwant %s", s.Arch, s.JSON, want)
				}
				if s.Section != tt.section || s.Legacy != strings.Contains(tt.file, "legacy") {
					t.Errorf("%s: section %s (legacy %v), want %s", s.Arch, s.Section, s.Legacy, tt.section)
				}
				if s.Payload.Format != tt.format {
					t.Errorf("%s: format %d, want %d", s.Arch, s.Payload.Format, tt.format)
				}
			}
			if diff := cmp.Diff(tt.arches, arches); diff != "" {
				t.Errorf("architectures (-want +got):\n%s", diff)
			}
		})
	}
}

// dumpSection extracts a section with an independent tool: llvm-objcopy for ELF, Mach-O and Wasm, GNU objcopy for
// PE (llvm-objcopy cannot dump COFF sections; GNU objcopy trims to the virtual size).
func dumpSection(t *testing.T, path string, container Container, name string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "section")
	tool := testenv.Tool(t, "llvm-objcopy")
	if container == PE {
		tool = testenv.Tool(t, "objcopy")
	}
	cmd := exec.Command(tool, "--dump-section", name+"="+out, path, filepath.Join(t.TempDir(), "copy"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("dumped section is not zlib: %v", err)
	}
	js, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestReadMatchesIndependentTools compares what the reader finds with the section that LLVM's and GNU's object
// tools extract from the same file, for the real cargo-auditable binaries and for every container of our own.
func TestReadMatchesIndependentTools(t *testing.T) {
	type input struct{ path, name string }
	var inputs []input
	for _, tt := range ownFixtures {
		inputs = append(inputs, input{filepath.Join("testdata", "bin", tt.file), tt.file})
	}
	if shared, ok := sharedDir(t); ok {
		for _, f := range []string{"trivy-test.elf", "trivy-test.exe", "trivy-test.macho", "rustsec-binary-with-audit-info",
			"rustsec-binary-with-vuln", "osv-scalibr-uses_serde_json", "osv-scalibr-no_deps"} {
			inputs = append(inputs, input{filepath.Join(shared, f), "shared/" + f})
		}
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			f, err := ReadFile(in.path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Container == WasmComponent {
				// llvm-objcopy reads core modules only; TestReadOwnFixtures compares the component's data with
				// the payload its core module was built with.
				return
			}
			for _, s := range f.Slices {
				path := in.path
				if f.Container == MachOUniversal {
					path = filepath.Join(t.TempDir(), "thin")
					arch := map[string]string{"x86_64": "x86_64", "aarch64": "arm64"}[s.Arch]
					if msg, err := exec.Command(testenv.Tool(t, "llvm-lipo-14"), "-thin", arch, in.path, "-output", path).CombinedOutput(); err != nil {
						t.Fatalf("llvm-lipo: %v\n%s", err, msg)
					}
				}
				want := dumpSection(t, path, s.Container, s.Section)
				if !bytes.Equal(s.JSON, want) {
					t.Errorf("%s: reader and object tool disagree:\n got %s\nwant %s", s.Arch, s.JSON, want)
				}
			}
		})
	}
}

func sharedDir(t *testing.T) (string, bool) {
	dir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "fixtures", "real")
	_, err := os.Stat(dir)
	return dir, err == nil
}

func TestSharedFixtures(t *testing.T) {
	dir := testenv.SharedFixtures(t)
	tests := []struct {
		file    string
		want    string // name@version>dep,dep per package, root first; "" for ErrNotAuditable
		format0 bool
	}{
		{file: "trivy-test.elf", want: "crate_with_features@0.1.0(local,root)>library_crate library_crate@0.1.0(local)"},
		{file: "trivy-test.exe", want: "crate_with_features@0.1.0(local,root)>library_crate library_crate@0.1.0(local)"},
		{file: "trivy-test.macho", want: "crate_with_features@0.1.0(local,root)>library_crate library_crate@0.1.0(local)"},
		{file: "rustsec-binary-with-audit-info", want: "hello-world@0.1.0(local,root)"},
		{file: "rustsec-binary-with-vuln", want: "vulnerable-binary@0.1.0(local,root)>rustsec-example-crate rustsec-example-crate@0.0.1(crates.io)"},
		{file: "osv-scalibr-no_deps", want: "no_deps@0.1.0(local,root)"},
		{file: "rustsec-binary-without-audit-info"},
		{file: "rustsec-binary-with-vuln-panic"},
	}
	for _, tt := range tests {
		f, err := ReadFile(filepath.Join(dir, tt.file), Options{})
		if tt.want == "" {
			if !errors.Is(err, ErrNotAuditable) {
				t.Errorf("%s: err = %v, want ErrNotAuditable", tt.file, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got := summary(f.Slices[0].Payload); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, got, tt.want)
		}
		if !f.Slices[0].Payload.ProcMacroKindsUnreliable() {
			t.Errorf("%s: no format field, so proc-macro kinds must be flagged unreliable", tt.file)
		}
	}
	f, err := ReadFile(filepath.Join(dir, "osv-scalibr-uses_serde_json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Slices[0].Payload.Packages); n != 11 {
		t.Errorf("uses_serde_json: %d packages, want 11", n)
	}
}

// summary renders a payload root first, then in order: name@version(source[,build][,root])>dep dep.
func summary(p *Payload) string {
	var parts []string
	order := []int{}
	if r := p.Root(); r >= 0 {
		order = append(order, r)
	}
	for i := range p.Packages {
		if i != p.Root() {
			order = append(order, i)
		}
	}
	for _, i := range order {
		pkg := p.Packages[i]
		s := pkg.Name + "@" + pkg.Version + "(" + pkg.Source
		if pkg.Kind == "build" {
			s += ",build"
		}
		if pkg.Root {
			s += ",root"
		}
		s += ")"
		var deps []string
		for _, d := range pkg.Dependencies {
			deps = append(deps, p.Packages[d].Name)
		}
		if len(deps) > 0 {
			s += ">" + strings.Join(deps, ",")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestHostileInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want error // nil: documented behaviour, not an error
	}{
		{file: "hostile-bomb.elf", want: ErrTooLarge},
		{file: "hostile-index-out-of-range.elf", want: ErrInvalidData},
		{file: "hostile-negative-index.elf", want: ErrInvalidData},
		{file: "hostile-cycle.elf", want: ErrInvalidData},
		{file: "hostile-self-dependency.elf", want: ErrInvalidData},
		{file: "hostile-two-roots.elf", want: ErrInvalidData},
		{file: "hostile-zero-roots.elf"}, // old payloads have no root: read, with Root() == -1
		{file: "hostile-unknown-kind.elf", want: ErrInvalidData},
		{file: "hostile-bad-json.elf", want: ErrInvalidData},
		{file: "hostile-not-an-object.elf", want: ErrInvalidData},
		{file: "hostile-not-zlib.elf", want: ErrInvalidData},
		{file: "hostile-duplicate-package.elf", want: ErrInvalidData},
		{file: "hostile-duplicate-section.elf", want: ErrDuplicateSection},
		{file: "hostile-truncated.elf", want: ErrInvalidData},
		{file: "no-section.elf", want: ErrNotAuditable},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(filepath.Join("testdata", "bin", tt.file), Options{})
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if f.Slices[0].Payload.Root() != -1 {
					t.Error("zero-roots payload reports a root")
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestLargeSparseFiles: a 1 GiB file is read from its headers and one section, with flat memory; one byte more is
// refused before anything is read.
func TestLargeSparseFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1 GiB sparse files")
	}
	dir := t.TempDir()
	seed, err := os.ReadFile(filepath.Join("testdata", "bin", "x86_64-linux.elf"))
	if err != nil {
		t.Fatal(err)
	}
	sparse := func(name string, head []byte, size int64) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, head, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const gib = 1 << 30
	elf := sparse("big.elf", seed, gib)
	zeros := sparse("zeros", nil, gib)
	over := sparse("over.elf", seed, gib+1)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fh, err := os.Open(elf)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	cr := &countingReaderAt{r: fh}
	f, err := Read(cr, gib, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if len(f.Slices) != 1 || len(f.Slices[0].Payload.Packages) != 13 {
		t.Errorf("the payload of a 1 GiB ELF was not read whole")
	}
	if n := cr.n.Load(); n > 64<<10 {
		t.Errorf("read %d bytes of a 1 GiB file: only headers and the section should be read", n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes reading a 1 GiB file", alloc)
	}

	if _, err := ReadFile(zeros, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("1 GiB of zeros: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := ReadFile(over, Options{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1 GiB + 1: err = %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(elf, Options{MaxFileSize: 1 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("with a 1 MiB limit: err = %v, want ErrTooLarge", err)
	}
}

func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "bin", "x86_64-linux.elf")
	if _, err := ReadFile(path, Options{MaxPayloadSize: 1073}); err != nil {
		t.Errorf("payload of exactly the limit rejected: %v", err)
	}
	if _, err := ReadFile(path, Options{MaxPayloadSize: 1072}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("payload one byte over the limit: err = %v, want ErrTooLarge", err)
	}
}

func TestEffectiveFormat(t *testing.T) {
	t.Parallel()
	for format, want := range map[int]int{0: 0, 1: 1, 2: 1, 7: 1, 8: 8, 9: 8, 1000: 8} {
		if got := (&Payload{Format: format}).EffectiveFormat(); got != want {
			t.Errorf("format %d reads as %d, want %d", format, got, want)
		}
	}
}

func TestParsePayloadRejects(t *testing.T) {
	t.Parallel()
	for name, input := range map[string]string{
		"no packages":      `{"format":1}`,
		"negative format":  `{"format":-1,"packages":[]}`,
		"empty name":       `{"packages":[{"name":"","version":"1.0.0","source":"local"}]}`,
		"path in name":     `{"packages":[{"name":"../x","version":"1.0.0","source":"local"}]}`,
		"space in version": `{"packages":[{"name":"a","version":"1.0 0","source":"local"}]}`,
		"float index":      `{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[0.5]}]}`,
		"trailing data":    `{"packages":[]} {}`,
		"string":           `"packages"`,
	} {
		if _, err := ParsePayload([]byte(input)); !errors.Is(err, ErrInvalidData) {
			t.Errorf("%s: err = %v, want ErrInvalidData", name, err)
		}
	}
	p, err := ParsePayload([]byte(`{"format":1,"packages":[],"future":{"field":true}}`))
	if err != nil || p.Format != 1 {
		t.Errorf("unknown fields must be accepted (forward compatibility): %v", err)
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := map[string]Container{
		"\x7fELF\x02\x01\x01\x00":          ELF,
		"MZ\x90\x00\x03\x00\x00\x00":       PE,
		"\x00asm\x01\x00\x00\x00":          Wasm,
		"\xcf\xfa\xed\xfe\x07\x00\x00\x01": MachO,
		"\xca\xfe\xba\xbe\x00\x00\x00\x02": MachOUniversal,
		"\xca\xfe\xba\xbf\x00\x00\x00\x02": MachOUniversal,
		"\xca\xfe\xba\xbe\x00\x00\x00\x34": "", // a Java class file, version 52
		"#!/bin/sh\n":                      "",
		"PK\x03\x04\x14\x00\x00\x00":       "",
	}
	for in, want := range tests {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadsHeadersAndOneSection: for real binaries with symbol tables, the reader reads the headers and the
// dependency section, not the symbols the standard library's parsers decode.
func TestReadsHeadersAndOneSection(t *testing.T) {
	dir := testenv.SharedFixtures(t)
	for _, name := range []string{"trivy-test.exe", "trivy-test.macho", "trivy-test.elf"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		if _, err := Read(cr, int64(len(data)), Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The headers, section tables or load commands, and the section: a few KiB for these binaries.
		if n := cr.n.Load(); n > 32<<10 {
			t.Errorf("%s: read %d of %d bytes", name, n, len(data))
		}
	}
}

// TestMalformedContainers: real fixtures with one header field made hostile are refused with a FormatError
// naming the fault.
func TestMalformedContainers(t *testing.T) {
	read := func(t *testing.T, name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "bin", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		name, file string
		patch      func(d []byte) []byte
		want       string
	}{
		{"PE signature offset past the end", "x86_64-windows.exe", func(d []byte) []byte {
			le.PutUint32(d[0x3c:], 1<<30)
			return d
		}, "no PE signature"},
		{"PE section table past the end", "x86_64-windows.exe", func(d []byte) []byte {
			le.PutUint16(d[le.Uint32(d[0x3c:])+6:], 0xffff)
			return d
		}, "section table runs past the end"},
		{"PE section data past the end", "x86_64-windows.exe", func(d []byte) []byte {
			table := int(le.Uint32(d[0x3c:])) + 24 + int(le.Uint16(d[le.Uint32(d[0x3c:])+20:]))
			for i := table; i+40 <= len(d); i += 40 {
				if string(bytes.TrimRight(d[i:i+8], "\x00")) == SectionName {
					le.PutUint32(d[i+20:], uint32(len(d)))
					return d
				}
			}
			t.Fatal("no .dep-v0 header")
			return nil
		}, "runs past the end of the file"},
		{"Mach-O load commands past the end", "x86_64-darwin.macho", func(d []byte) []byte {
			le.PutUint32(d[20:], uint32(len(d)))
			return d
		}, "load commands run past the end"},
		{"Mach-O load command of size 4", "x86_64-darwin.macho", func(d []byte) []byte {
			le.PutUint32(d[32+4:], 4)
			return d
		}, "invalid size 4"},
		{"Mach-O segment with too many sections", "x86_64-darwin.macho", func(d []byte) []byte {
			for off := 32; off+72 <= len(d); off += int(le.Uint32(d[off+4:])) {
				if le.Uint32(d[off:]) == 0x19 && string(bytes.TrimRight(d[off+8:off+24], "\x00")) == MachOSegment {
					le.PutUint32(d[off+64:], 1000)
					return d
				}
			}
			t.Fatal("no __DATA segment")
			return nil
		}, "declares 1000 sections"},
		{"universal: two slices of one architecture", "universal-darwin.macho", func(d []byte) []byte {
			copy(d[8+20:8+28], d[8:16]) // the second slice's cpu and subtype become the first's
			return d
		}, "two slices for"},
		{"universal: slice of another architecture", "universal-darwin.macho", func(d []byte) []byte {
			cpu := be.Uint32(d[8:])
			be.PutUint32(d[8:], cpu^0x5) // neither the slice's own cpu nor the other slice's
			return d
		}, "slice holds a"},
		{"universal: slice past the end", "universal-darwin.macho", func(d []byte) []byte {
			be.PutUint32(d[8+12:], uint32(len(d)))
			return d
		}, "beyond the end of the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.patch(read(t, tt.file))
			_, err := Read(bytes.NewReader(d), int64(len(d)), Options{})
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a FormatError saying %q", err, tt.want)
			}
		})
	}
}

// TestUniversal64: the 64-bit universal header (fat_arch_64) reads as the 32-bit one does. The fixture's table is
// rewritten in the 64-bit form; the slices stay where they are.
func TestUniversal64(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "bin", "universal-darwin.macho"))
	if err != nil {
		t.Fatal(err)
	}
	fat64 := toFat64(t, data)
	if Sniff(fat64) != MachOUniversal {
		t.Fatalf("Sniff does not recognise the 64-bit universal header")
	}
	want, err := Read(bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(fat64), int64(len(fat64)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("64-bit universal header (-32-bit +64-bit):\n%s", diff)
	}
	binary.BigEndian.PutUint64(fat64[8+16:], 1<<40) // the first slice's size: far past the end
	if _, err := Read(bytes.NewReader(fat64), int64(len(fat64)), Options{}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("a 64-bit slice past the end: err = %v", err)
	}
}

// toFat64 rewrites a universal file's architecture table in the 64-bit form, leaving the slices where they are.
func toFat64(t testing.TB, data []byte) []byte {
	be := binary.BigEndian
	narch := int(be.Uint32(data[4:]))
	fat64 := bytes.Clone(data)
	clear(fat64[:8+32*narch])
	be.PutUint32(fat64[0:], 0xcafebabf)
	be.PutUint32(fat64[4:], uint32(narch))
	for i := range narch {
		in, out := data[8+20*i:], fat64[8+32*i:]
		if int(be.Uint32(in[8:])) < 8+32*narch {
			t.Fatal("the first slice starts inside a 64-bit table")
		}
		copy(out[0:8], in[0:8])                            // cpu, subtype
		be.PutUint64(out[8:], uint64(be.Uint32(in[8:])))   // offset
		be.PutUint64(out[16:], uint64(be.Uint32(in[12:]))) // size
		be.PutUint32(out[24:], be.Uint32(in[16:]))         // align
	}
	return fat64
}
