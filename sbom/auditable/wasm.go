package auditable

import (
	"bytes"
	"fmt"
	"io"
)

// maxWasmSections bounds the section walk of a module, or of a component with everything nested in it: real
// modules have a few dozen sections.
const maxWasmSections = 1 << 16

// maxWasmDepth bounds how deeply components and core modules nest in a component.
const maxWasmDepth = 16

// Wasm preambles: the magic number and version of a core module, and of a component (version 0x0d, layer 1).
var (
	wasmModule    = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	wasmComponent = []byte{0, 'a', 's', 'm', 0x0d, 0, 1, 0}
)

// Component section ids that hold a whole binary: a core module, a component.
const (
	componentCoreModule = 1
	componentComponent  = 4
)

type wasmExe struct {
	r    io.ReaderAt
	size int64
}

func openWasm(r io.ReaderAt, size int64) (exe, error) {
	var hdr [8]byte
	if n, _ := r.ReadAt(hdr[:], 0); n != len(hdr) {
		return nil, &FormatError{Msg: "Wasm: truncated header"}
	}
	if !bytes.Equal(hdr[:], wasmModule) {
		return nil, &FormatError{Off: 4, Msg: fmt.Sprintf("Wasm: unsupported version % x", hdr[4:])}
	}
	return &wasmExe{r: r, size: size}, nil
}

// isWasmComponent reports a component's preamble.
func isWasmComponent(r io.ReaderAt) bool {
	var hdr [8]byte
	n, _ := r.ReadAt(hdr[:], 0)
	return n == len(hdr) && bytes.Equal(hdr[:], wasmComponent)
}

// readULEB32 reads an unsigned LEB128 number of at most 32 bits (5 bytes; padded encodings, as Go's linker and
// llvm-objcopy write them, included) at off, before end. It returns the value and its length in bytes.
func readULEB32(r io.ReaderAt, off, end int64) (uint32, int64, error) {
	var buf [5]byte
	n := int64(len(buf))
	if end-off < n {
		n = end - off
	}
	if n <= 0 {
		return 0, 0, &FormatError{Off: off, Msg: "Wasm: truncated LEB128"}
	}
	if _, err := r.ReadAt(buf[:n], off); err != nil && err != io.EOF {
		return 0, 0, err
	}
	var v uint32
	for i := int64(0); i < n; i++ {
		b := buf[i]
		if i == 4 && b&0xf0 != 0 {
			return 0, 0, &FormatError{Off: off, Msg: "Wasm: LEB128 overflows 32 bits"}
		}
		v |= uint32(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, &FormatError{Off: off, Msg: "Wasm: unterminated LEB128"}
}

// wasmSection is one section of a module or component: its id and the range of its contents.
type wasmSection struct {
	id         byte
	body, end  int64
	customName string // for a custom section whose name is the dependency section's
}

// sections walks the sections of the module or component whose preamble is at start and which ends at end,
// calling f for each; count bounds the sections walked across calls.
func wasmSections(r io.ReaderAt, start, end int64, count *int, f func(wasmSection) error) error {
	off := start + 8
	for off < end {
		if *count++; *count > maxWasmSections {
			return &FormatError{Off: off, Msg: fmt.Sprintf("Wasm: more than %d sections", maxWasmSections)}
		}
		var id [1]byte
		if n, _ := r.ReadAt(id[:], off); n != 1 {
			return &FormatError{Off: off, Msg: "Wasm: truncated section header"}
		}
		size, n, err := readULEB32(r, off+1, end)
		if err != nil {
			return err
		}
		body := off + 1 + n
		secEnd := body + int64(size)
		if secEnd > end {
			return &FormatError{Off: off, Msg: fmt.Sprintf("Wasm: section of %d bytes runs past its end", size)}
		}
		s := wasmSection{id: id[0], body: body, end: secEnd}
		if s.id == 0 { // custom section: name, then contents
			nameLen, m, err := readULEB32(r, body, secEnd)
			if err != nil {
				return err
			}
			nameEnd := body + m + int64(nameLen)
			if nameEnd > secEnd {
				return &FormatError{Off: body, Msg: "Wasm: custom section name runs past its section"}
			}
			if nameLen == uint32(len(SectionName)) {
				name := make([]byte, nameLen) // at most len(SectionName) bytes
				if k, _ := r.ReadAt(name, body+m); k != len(name) {
					return &FormatError{Off: body + m, Msg: "Wasm: truncated section name"}
				}
				if string(name) == SectionName {
					s.customName, s.body = SectionName, nameEnd
				}
			}
		}
		if err := f(s); err != nil {
			return err
		}
		off = secEnd
	}
	return nil
}

func (x *wasmExe) depSection() (*section, error) {
	var cur []*section
	count := 0
	err := wasmSections(x.r, 0, x.size, &count, func(s wasmSection) error {
		if s.customName == SectionName {
			cur = append(cur, &section{name: SectionName, r: io.NewSectionReader(x.r, s.body, s.end-s.body), off: s.body})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pick(cur, nil)
}

func (x *wasmExe) arch() string     { return "wasm32" }
func (x *wasmExe) compiler() string { return "" }

// componentSection is a dependency section found in a component: where, and in which nested module.
type componentSection struct {
	where string
	sec   *section
}

// wasmComponentSections finds the dependency sections of a component (the component model's binary, layer 1):
// cargo-auditable's data is in the core module a component wraps, and a component may nest core modules and
// components, each of which may carry its own. Each module or component may hold one; depth and the number of
// sections walked are bounded.
func wasmComponentSections(r io.ReaderAt, size int64) ([]componentSection, error) {
	var out []componentSection
	count := 0
	var walk func(start, end int64, depth int, where string) error
	walk = func(start, end int64, depth int, where string) error {
		if depth > maxWasmDepth {
			return &FormatError{Off: start, Msg: fmt.Sprintf("Wasm: components nested more than %d deep", maxWasmDepth)}
		}
		var pre [8]byte
		if n, _ := r.ReadAt(pre[:], start); n != 8 || end-start < 8 {
			return &FormatError{Off: start, Msg: "Wasm: truncated preamble"}
		}
		component := bytes.Equal(pre[:], wasmComponent)
		if !component && !bytes.Equal(pre[:], wasmModule) {
			return &FormatError{Off: start + 4, Msg: fmt.Sprintf("Wasm: unsupported version % x", pre[4:])}
		}
		modules, components, found := 0, 0, 0
		return wasmSections(r, start, end, &count, func(s wasmSection) error {
			switch {
			case s.customName == SectionName:
				if found++; found > 1 {
					return fmt.Errorf("%w: %d sections named %s in %s", ErrDuplicateSection, found, SectionName, where)
				}
				out = append(out, componentSection{where: where, sec: &section{name: SectionName, r: io.NewSectionReader(r, s.body, s.end-s.body), off: s.body}})
			case component && s.id == componentCoreModule:
				modules++
				return walk(s.body, s.end, depth+1, fmt.Sprintf("%s, core module %d", where, modules-1))
			case component && s.id == componentComponent:
				components++
				return walk(s.body, s.end, depth+1, fmt.Sprintf("%s, component %d", where, components-1))
			}
			return nil
		})
	}
	if err := walk(0, size, 0, "component"); err != nil {
		return nil, err
	}
	return out, nil
}

// readComponent reads every dependency section of a component: one slice each, named after where it was found.
// Identical payloads (a component that repeats its module's data) are read once.
func readComponent(r io.ReaderAt, size int64, opts Options) (*File, error) {
	secs, err := wasmComponentSections(r, size)
	if err != nil {
		return nil, err
	}
	if len(secs) == 0 {
		return nil, ErrNotAuditable
	}
	out := &File{Container: WasmComponent}
	seen := map[string]bool{}
	for _, cs := range secs {
		data, err := inflate(cs.sec, opts.maxPayload())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cs.where, err)
		}
		if seen[string(data)] {
			continue
		}
		seen[string(data)] = true
		p, err := ParsePayload(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cs.where, err)
		}
		out.Slices = append(out.Slices, Slice{Arch: "wasm32", Container: Wasm, Section: SectionName + " (" + cs.where + ")", JSON: data, Payload: p})
	}
	return out, nil
}
