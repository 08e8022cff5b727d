package auditable

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"io"
)

// The PE reader parses the headers itself, with debug/pe's types, rather than calling pe.NewFile: NewFile also
// decodes the whole COFF symbol table and string table, which in a binary built by the GNU toolchain is megabytes
// read for nothing. The dependency section's name has seven bytes, so it is always stored in the section header
// itself and the string table of long names is never needed.

type peExe struct {
	machine  uint16
	sections []pe.SectionHeader32
	r        io.ReaderAt
	size     int64
}

func openPE(r io.ReaderAt, size int64) (exe, error) {
	var dos [64]byte
	if _, err := r.ReadAt(dos[:], 0); err != nil {
		return nil, &FormatError{Msg: "PE: truncated DOS header"}
	}
	lfanew := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	var sig [4]byte
	if _, err := r.ReadAt(sig[:], lfanew); err != nil || sig != [4]byte{'P', 'E', 0, 0} {
		return nil, &FormatError{Off: lfanew, Msg: "PE: no PE signature where the DOS header points"}
	}
	var fh pe.FileHeader
	if err := binary.Read(io.NewSectionReader(r, lfanew+4, 20), binary.LittleEndian, &fh); err != nil {
		return nil, &FormatError{Off: lfanew + 4, Msg: "PE: truncated file header"}
	}
	tableOff := lfanew + 4 + 20 + int64(fh.SizeOfOptionalHeader)
	tableLen := int64(fh.NumberOfSections) * 40
	if tableOff+tableLen > size {
		return nil, &FormatError{Off: tableOff, Msg: "PE: the section table runs past the end of the file"}
	}
	// The table is at most 65535×40 bytes and lies within the file: read it in one call.
	table := make([]byte, tableLen)
	if _, err := r.ReadAt(table, tableOff); err != nil {
		return nil, &FormatError{Off: tableOff, Msg: "PE: reading the section table: " + err.Error()}
	}
	x := &peExe{machine: fh.Machine, sections: make([]pe.SectionHeader32, fh.NumberOfSections), r: r, size: size}
	if err := binary.Read(bytes.NewReader(table), binary.LittleEndian, x.sections); err != nil {
		return nil, &FormatError{Off: tableOff, Msg: "PE: section table: " + err.Error()}
	}
	return x, nil
}

// peName is a section header's short name: up to eight bytes, NUL-padded. A long name ("/offset") never matches.
func peName(h *pe.SectionHeader32) string {
	n := bytes.IndexByte(h.Name[:], 0)
	if n < 0 {
		n = len(h.Name)
	}
	return string(h.Name[:n])
}

func (x *peExe) depSection() (*section, error) {
	var cur, leg []*section
	for i := range x.sections {
		h := &x.sections[i]
		name := peName(h)
		if name != SectionName && name != legacyPEName {
			continue
		}
		if h.PointerToRawData == 0 || h.SizeOfRawData == 0 {
			continue // no raw data in the file
		}
		off, raw := int64(h.PointerToRawData), int64(h.SizeOfRawData)
		if off+raw > x.size {
			return nil, &FormatError{Off: off, Msg: "PE: section " + name + " runs past the end of the file"}
		}
		// The raw size is padded to the file alignment; VirtualSize, when smaller, is the real size. The zlib
		// reader stops at the end of the stream anyway.
		size := raw
		if h.VirtualSize > 0 && int64(h.VirtualSize) < size {
			size = int64(h.VirtualSize)
		}
		sec := &section{name: name, legacy: name == legacyPEName, r: io.NewSectionReader(x.r, off, size), off: off}
		if sec.legacy {
			leg = append(leg, sec)
		} else {
			cur = append(cur, sec)
		}
	}
	return pick(cur, leg)
}

func (x *peExe) arch() string {
	switch x.machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "x86_64"
	case pe.IMAGE_FILE_MACHINE_I386:
		return "x86"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "aarch64"
	case pe.IMAGE_FILE_MACHINE_ARMNT, pe.IMAGE_FILE_MACHINE_ARM:
		return "arm"
	}
	return "unknown"
}

func (x *peExe) compiler() string { return "" }
