package auditable

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"github.com/ferroseal/ferroseal/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/elfgen"
)

// TestELFHugeNameTable: an ELF file whose section-name table claims to fill a 1 GiB (sparse) file is read with
// flat memory. debug/elf.NewFile reads that whole table at the size the header claims.
func TestELFHugeNameTable(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a 1 GiB sparse file")
	}
	data := elfgen.Auditable([]byte(`{"format":1,"packages":[{"name":"app","version":"0.1.0","source":"local","root":true}]}`), "")
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	const gib = 1 << 30
	shoff := binary.LittleEndian.Uint64(data[40:])
	idx := uint64(binary.LittleEndian.Uint16(data[62:]))
	strtab := f.Sections[idx]
	binary.LittleEndian.PutUint64(data[shoff+idx*64+32:], gib-strtab.Offset) // sh_size: up to the end of the file
	p := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, gib); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := ReadFile(p, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Slices) != 1 || out.Slices[0].Payload.Packages[0].Name != "app" {
		t.Errorf("payload not read: %+v", out.Slices)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes for a section-name table the header claims is 1 GiB", alloc)
	}
}

// TestELFHeaderFaults: hostile section tables give FormatErrors, not allocations or panics.
func TestELFHeaderFaults(t *testing.T) {
	base := elfgen.Auditable([]byte(`{"packages":[]}`), "")
	le := binary.LittleEndian
	shoff := le.Uint64(base[40:])
	strndx := uint64(le.Uint16(base[62:]))
	tests := []struct {
		name  string
		patch func(b []byte)
	}{
		{name: "name table past the end", patch: func(b []byte) { le.PutUint64(b[shoff+strndx*64+24:], 1<<40) }},
		{name: "name table not a string table", patch: func(b []byte) { le.PutUint32(b[shoff+strndx*64+4:], uint32(elf.SHT_PROGBITS)) }},
		{name: "name index out of range", patch: func(b []byte) { le.PutUint16(b[62:], 200) }},
		{name: "section count past the end", patch: func(b []byte) { le.PutUint16(b[60:], 60000) }},
		{name: "extended count of 2^32", patch: func(b []byte) { le.PutUint16(b[60:], 0); le.PutUint64(b[shoff+32:], 1<<32) }},
		{name: "header size", patch: func(b []byte) { le.PutUint16(b[58:], 40) }},
		{name: "table offset past the end", patch: func(b []byte) { le.PutUint64(b[40:], 1<<62) }},
		{name: "section name past its table", patch: func(b []byte) { le.PutUint32(b[shoff+2*64:], 1<<20) }},
		{name: "dependency section past the end", patch: func(b []byte) { le.PutUint64(b[shoff+2*64+32:], 1<<40) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(base)
			tc.patch(b)
			_, err := Read(bytes.NewReader(b), int64(len(b)), Options{})
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Msg, "ELF:") {
				t.Errorf("err = %v, want an ELF FormatError", err)
			}
		})
	}
}

// TestPayloadDuplicateKeys: a payload that names a member twice, or twice but for case, is refused, since serde
// based readers refuse it and encoding/json alone would take the last one: one binary would show different crates
// to different tools.
func TestPayloadDuplicateKeys(t *testing.T) {
	for name, js := range map[string]string{
		"packages twice": `{"format":1,"packages":[{"name":"app","version":"0.1.0","source":"local","root":true}],` +
			`"packages":[{"name":"innocent","version":"1.0.0","source":"local","root":true}]}`,
		"Packages": `{"format":1,"packages":[{"name":"app","version":"0.1.0","source":"local","root":true}],` +
			`"Packages":[{"name":"innocent","version":"1.0.0","source":"local","root":true}]}`,
		"version twice": `{"packages":[{"name":"openssl","version":"0.10.0","source":"crates.io","version":"0.10.70"}]}`,
		"escaped name":  `{"packages":[{"name":"openssl","version":"0.10.0","source":"crates.io","\u0076ersion":"0.10.70"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			bin := elfgen.Auditable([]byte(js), "")
			_, err := Read(bytes.NewReader(bin), int64(len(bin)), Options{})
			if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), "duplicate") {
				t.Errorf("err = %v, want a refusal of a duplicate member", err)
			}
		})
	}
}

// TestPayloadNamesFollowCargo: names and versions cargo would refuse (line breaks, tag-value text, slashes) are
// refused in the payload.
func TestPayloadNamesFollowCargo(t *testing.T) {
	for _, pkg := range []string{
		`"name":"evil\nPackageName: injected","version":"1.0.0"`,
		`"name":"x","version":"1.0.0\nPackageVersion: 9"`,
		`"name":"x</text>","version":"1.0.0"`,
		`"name":"x","version":"latest"`,
		`"name":"\u202eevil","version":"1.0.0"`,
	} {
		bin := elfgen.Auditable([]byte(`{"packages":[{`+pkg+`,"source":"local","root":true}]}`), "")
		if _, err := Read(bytes.NewReader(bin), int64(len(bin)), Options{}); !errors.Is(err, ErrInvalidData) {
			t.Errorf("%s: err = %v, want ErrInvalidData", pkg, err)
		}
	}
}

// TestCompilerLine: the .comment line is kept only when it is one printable line.
func TestCompilerLine(t *testing.T) {
	payload := []byte(`{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true}]}`)
	for comment, want := range map[string]string{
		"GCC: (Debian 12.2.0)\x00rustc version 1.95.0 (59807616e 2026-04-14)": "rustc version 1.95.0 (59807616e 2026-04-14)",
		"rustc version 1.95.0\nCreator: Tool: evil":                           "",
		"rustc version 1.95.0 \x1b[2J":                                        "",
	} {
		bin := elfgen.Auditable(payload, comment)
		f, err := Read(bytes.NewReader(bin), int64(len(bin)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Slices[0].Compiler; got != want {
			t.Errorf("compiler from %q = %q, want %q", comment, got, want)
		}
	}
}

// wasmSec encodes one Wasm section.
func wasmSec(id byte, body []byte) []byte {
	return append(append([]byte{id}, uleb(uint32(len(body)))...), body...)
}

func uleb(v uint32) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b |= 0x80
		}
		out = append(out, b)
		if v == 0 {
			return out
		}
	}
}

func depSection(payload []byte) []byte {
	name := []byte(SectionName)
	return wasmSec(0, append(append(uleb(uint32(len(name))), name...), elfgen.Zlib(payload)...))
}

// TestWasmComponentByJco: a component made by jco new from the core module fixture (the test makes it afresh when
// jco is installed) gives the module's data.
func TestWasmComponentByJco(t *testing.T) {
	jco := testenv.Tool(t, "jco")
	out := filepath.Join(t.TempDir(), "component.wasm")
	if b, err := exec.Command(jco, "new", filepath.Join("testdata", "bin", "wasm32.wasm"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("jco new: %v\n%s", err, b)
	}
	f, err := ReadFile(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Container != WasmComponent || len(f.Slices) != 1 || f.Slices[0].Payload.Root() < 0 {
		t.Errorf("component: %+v", f)
	}
}

// TestWasmComponentNesting: data in several core modules and a nested component is found in each; nesting past
// the bound, a section running past its container and two dependency sections in one module are refused.
func TestWasmComponentNesting(t *testing.T) {
	app := []byte(`{"packages":[{"name":"app","version":"1.0.0","source":"local","root":true}]}`)
	lib := []byte(`{"packages":[{"name":"plugin","version":"2.0.0","source":"local","root":true}]}`)
	module := func(payload []byte) []byte { return append(append([]byte{}, wasmModule...), depSection(payload)...) }
	component := func(sections ...[]byte) []byte {
		out := append([]byte{}, wasmComponent...)
		for _, s := range sections {
			out = append(out, s...)
		}
		return out
	}
	nested := component(wasmSec(componentCoreModule, module(app)),
		wasmSec(componentComponent, component(wasmSec(componentCoreModule, module(lib)))))
	f, err := Read(bytes.NewReader(nested), int64(len(nested)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Slices {
		got = append(got, s.Payload.Packages[0].Name+" in "+s.Section)
	}
	want := ".dep-v0 (component, core module 0) .dep-v0 (component, component 0, core module 0)"
	if len(got) != 2 || !strings.Contains(got[0], "app in") || !strings.Contains(got[1], "plugin in") || !strings.HasSuffix(got[1], "component 0, core module 0)") {
		t.Errorf("slices %v, want app and plugin in %s", got, want)
	}

	deep := module(app)
	for range maxWasmDepth + 1 {
		deep = component(wasmSec(componentComponent, deep))
	}
	twice := component(wasmSec(componentCoreModule, append(module(app), depSection(lib)...)))
	overrun := append([]byte{}, wasmComponent...)
	overrun = append(overrun, componentCoreModule, 0x7f) // a 127-byte section in a file that ends here
	for name, data := range map[string][]byte{"too deep": deep, "two sections in one module": twice, "section past the end": overrun} {
		if _, err := Read(bytes.NewReader(data), int64(len(data)), Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
