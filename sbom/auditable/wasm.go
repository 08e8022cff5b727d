package auditable

import (
	"fmt"
	"io"
)

// maxWasmSections bounds the section walk: real modules have a few dozen sections.
const maxWasmSections = 1 << 16

type wasmExe struct {
	r    io.ReaderAt
	size int64
}

func openWasm(r io.ReaderAt, size int64) (exe, error) {
	var hdr [8]byte
	if n, _ := r.ReadAt(hdr[:], 0); n != len(hdr) {
		return nil, &FormatError{Msg: "Wasm: truncated header"}
	}
	if hdr[4] != 1 || hdr[5] != 0 || hdr[6] != 0 || hdr[7] != 0 {
		return nil, &FormatError{Off: 4, Msg: fmt.Sprintf("Wasm: unsupported version % x", hdr[4:])}
	}
	return &wasmExe{r: r, size: size}, nil
}

// readULEB32 reads an unsigned LEB128 number of at most 32 bits (5 bytes; padded encodings, as Go's linker and
// llvm-objcopy write them, included) at off. It returns the value and its length in bytes.
func readULEB32(r io.ReaderAt, off, size int64) (uint32, int64, error) {
	var buf [5]byte
	n := int64(len(buf))
	if size-off < n {
		n = size - off
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

func (x *wasmExe) depSection() (*section, error) {
	var cur []*section
	off := int64(8)
	for count := 0; off < x.size; count++ {
		if count >= maxWasmSections {
			return nil, &FormatError{Off: off, Msg: fmt.Sprintf("Wasm: more than %d sections", maxWasmSections)}
		}
		var id [1]byte
		if n, _ := x.r.ReadAt(id[:], off); n != 1 {
			return nil, &FormatError{Off: off, Msg: "Wasm: truncated section header"}
		}
		size, n, err := readULEB32(x.r, off+1, x.size)
		if err != nil {
			return nil, err
		}
		body := off + 1 + n
		end := body + int64(size)
		if end > x.size {
			return nil, &FormatError{Off: off, Msg: fmt.Sprintf("Wasm: section of %d bytes runs past the end of the file", size)}
		}
		if id[0] == 0 { // custom section: name, then contents
			nameLen, m, err := readULEB32(x.r, body, end)
			if err != nil {
				return nil, err
			}
			nameEnd := body + m + int64(nameLen)
			if nameEnd > end {
				return nil, &FormatError{Off: body, Msg: "Wasm: custom section name runs past its section"}
			}
			if nameLen == uint32(len(SectionName)) {
				name := make([]byte, nameLen) // at most len(SectionName) bytes
				if k, _ := x.r.ReadAt(name, body+m); k != len(name) {
					return nil, &FormatError{Off: body + m, Msg: "Wasm: truncated section name"}
				}
				if string(name) == SectionName {
					cur = append(cur, &section{name: SectionName, r: io.NewSectionReader(x.r, nameEnd, end-nameEnd), off: nameEnd})
				}
			}
		}
		off = end
	}
	return pick(cur, nil)
}

func (x *wasmExe) arch() string     { return "wasm32" }
func (x *wasmExe) compiler() string { return "" }
