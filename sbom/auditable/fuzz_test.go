package auditable

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"os"
	"path/filepath"
	"testing"
)

// seed adds every fixture whose name matches one of the patterns.
func seed(f *testing.F, patterns ...string) {
	n := 0
	for _, p := range patterns {
		files, _ := filepath.Glob(filepath.Join("testdata", "bin", p))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds for %v", patterns)
	}
}

// fuzzContainer reads data as one container: any input is data or an error, never a panic, and what is returned
// is validated.
func fuzzContainer(t *testing.T, data []byte, open func(r *bytes.Reader) (exe, error)) {
	r := bytes.NewReader(data)
	x, err := open(r)
	if err != nil {
		return
	}
	x.arch()
	x.compiler()
	s, err := readSlice(x, ELF, Options{MaxPayloadSize: 1 << 20})
	if err != nil {
		return
	}
	if err := s.Payload.Validate(); err != nil {
		t.Fatalf("returned payload does not validate: %v", err)
	}
}

func FuzzELF(f *testing.F) {
	seed(f, "*.elf")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzContainer(t, data, func(r *bytes.Reader) (exe, error) { return openELF(r, r.Size()) })
		agreeWithStdlib(t, data, ELF, stdlibELFSection)
	})
}

func FuzzPE(f *testing.F) {
	seed(f, "*.exe")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzContainer(t, data, func(r *bytes.Reader) (exe, error) { return openPE(r, r.Size()) })
		agreeWithStdlib(t, data, PE, stdlibPESection)
	})
}

func FuzzMachO(f *testing.F) {
	seed(f, "x86_64-darwin.macho", "legacy.macho")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzContainer(t, data, func(r *bytes.Reader) (exe, error) {
			x, err := openMachO(r, r.Size())
			if err != nil {
				return nil, err
			}
			return x, nil
		})
		agreeWithStdlib(t, data, MachO, stdlibMachOSection)
	})
}

func FuzzUniversal(f *testing.F) {
	seed(f, "universal-darwin.macho")
	data, err := os.ReadFile(filepath.Join("testdata", "bin", "universal-darwin.macho"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(toFat64(f, data))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := readUniversal(bytes.NewReader(data), int64(len(data)), Options{MaxPayloadSize: 1 << 20})
		if err == nil && len(out.Slices) == 0 {
			t.Fatal("a universal file with no slice was accepted")
		}
	})
}

func FuzzWasm(f *testing.F) {
	seed(f, "*.wasm")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzContainer(t, data, func(r *bytes.Reader) (exe, error) { return openWasm(r, int64(r.Len())) })
	})
}

// FuzzRead goes through the public entry point: sniffing, then whichever container the bytes announce.
func FuzzRead(f *testing.F) {
	seed(f, "x86_64-linux.elf", "i686-windows.exe", "wasm32.wasm", "legacy.macho")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Read(bytes.NewReader(data), int64(len(data)), Options{MaxPayloadSize: 1 << 20})
		if err != nil {
			return
		}
		for _, s := range out.Slices {
			if s.Payload == nil || len(s.JSON) > 1<<20 {
				t.Fatal("slice without a payload, or over the payload limit")
			}
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bin", "*.zlib.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[1],"root":true},{"name":"b","version":"1.0.0","source":"crates.io","dependencies":[0]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePayload(data)
		if err != nil {
			return
		}
		for i, pkg := range p.Packages {
			for _, d := range pkg.Dependencies {
				if d < 0 || d >= len(p.Packages) || d == i {
					t.Fatalf("accepted a bad dependency index %d", d)
				}
			}
		}
		if p.cycle() != "" {
			t.Fatal("accepted a cycle")
		}
	})
}

// stdlibPESection locates the dependency section with debug/pe: its offset, or ok false when debug/pe cannot parse
// the file or finds no single in-bounds current section.
func stdlibPESection(data []byte) (off int64, ok bool) {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return 0, false
	}
	n := 0
	for _, s := range f.Sections {
		if s.Name == SectionName && s.Offset != 0 && s.Size != 0 {
			off, n = int64(s.Offset), n+1
			if uint64(s.Offset)+uint64(s.Size) > uint64(len(data)) {
				return 0, false
			}
		}
	}
	return off, n == 1
}

// stdlibELFSection is stdlibPESection for ELF, with debug/elf.
func stdlibELFSection(data []byte) (off int64, ok bool) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return 0, false
	}
	n := 0
	for _, s := range f.Sections {
		if s.Name == SectionName && s.Type != elf.SHT_NOBITS {
			off, n = int64(s.Offset), n+1
			if s.Offset+s.FileSize > uint64(len(data)) || s.Flags&elf.SHF_COMPRESSED != 0 {
				return 0, false
			}
		}
	}
	return off, n == 1
}

// stdlibMachOSection is stdlibPESection for a thin Mach-O file, with debug/macho.
func stdlibMachOSection(data []byte) (off int64, ok bool) {
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return 0, false
	}
	n := 0
	for _, s := range f.Sections {
		if s.Seg == MachOSegment && s.Name == SectionName && s.Offset != 0 && s.Size != 0 {
			off, n = int64(s.Offset), n+1
			if s.Flags&0xff == machoZerofill || s.Flags&0xff == machoGBZerofill || s.Flags&0xff == machoThreadLocalZerofill ||
				uint64(s.Offset)+s.Size > uint64(len(data)) {
				return 0, false
			}
		}
	}
	return off, n == 1
}

// agreeWithStdlib checks the header-only reader against the standard library's full parse: where the standard
// library finds exactly one dependency section, within the file, the reader finds the same one.
func agreeWithStdlib(t *testing.T, data []byte, kind Container, stdlib func([]byte) (int64, bool)) {
	t.Helper()
	if Sniff(data) != kind {
		return // debug/pe also reads bare COFF objects, which are not executables
	}
	want, ok := stdlib(data)
	if !ok {
		return
	}
	x, err := openExe(Sniff(data), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the standard library finds the section at %#x; the reader fails: %v", want, err)
	}
	sec, err := x.depSection()
	if err != nil {
		t.Fatalf("the standard library finds the section at %#x; the reader: %v", want, err)
	}
	if sec.off != want {
		t.Fatalf("the standard library finds the section at %#x; the reader at %#x", want, sec.off)
	}
}

// FuzzWasmComponent reads fuzzed components: nested modules and components, custom sections, sizes.
func FuzzWasmComponent(f *testing.F) {
	seed(f, "component.wasm")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Read(bytes.NewReader(data), int64(len(data)), Options{MaxPayloadSize: 1 << 20})
		if err != nil {
			return
		}
		for _, s := range out.Slices {
			if err := s.Payload.Validate(); err != nil {
				t.Fatalf("returned payload does not validate: %v", err)
			}
		}
	})
}
