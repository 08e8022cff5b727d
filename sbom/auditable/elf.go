package auditable

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// The ELF reader parses the file header and the section header table itself, with debug/elf's constants, rather
// than calling elf.NewFile: NewFile reads the whole section-name table at the size the header claims, so a
// patched header makes it allocate gigabytes from a file of a few kilobytes. Here every read is bounded: the
// header, the section headers one at a time, and of each section name only the bytes needed to tell whether it is
// one of the few names the reader looks for.

// maxELFSections bounds the section header table walked (extended numbering allows 2^32 entries).
const maxELFSections = 1 << 20

// maxELFNameTable is the largest section-name table read whole; a larger one is read name by name.
const maxELFNameTable = 64 << 10

// elfWanted are the section names the reader needs; a name is read only up to the longest of them.
var elfWanted = []string{SectionName, legacyELFName, ".comment"}

type elfSection struct {
	name       string
	typ        elf.SectionType
	flags      elf.SectionFlag
	off, size  uint64
	headerAt   int64
	nameOffset uint32
}

type elfExe struct {
	r        io.ReaderAt
	size     int64
	class    elf.Class
	order    binary.ByteOrder
	machine  elf.Machine
	sections []elfSection // only the wanted ones
}

func openELF(r io.ReaderAt, size int64) (exe, error) {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return nil, &FormatError{Msg: "ELF: truncated header"}
	}
	if string(ident[:4]) != elf.ELFMAG {
		return nil, &FormatError{Msg: "ELF: bad magic number"}
	}
	x := &elfExe{r: r, size: size, class: elf.Class(ident[elf.EI_CLASS])}
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		x.order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		x.order = binary.BigEndian
	default:
		return nil, &FormatError{Off: elf.EI_DATA, Msg: fmt.Sprintf("ELF: unknown data encoding %d", ident[elf.EI_DATA])}
	}
	if v := elf.Version(ident[elf.EI_VERSION]); v != elf.EV_CURRENT {
		return nil, &FormatError{Off: elf.EI_VERSION, Msg: fmt.Sprintf("ELF: unknown version %d", v)}
	}
	var shoff uint64
	var shentsize, shnum, shstrndx uint16
	var entWant uint16
	bo := x.order
	switch x.class {
	case elf.ELFCLASS64:
		var h [64]byte
		if _, err := r.ReadAt(h[:], 0); err != nil {
			return nil, &FormatError{Msg: "ELF: truncated header"}
		}
		x.machine = elf.Machine(bo.Uint16(h[18:]))
		shoff = bo.Uint64(h[40:])
		shentsize, shnum, shstrndx = bo.Uint16(h[58:]), bo.Uint16(h[60:]), bo.Uint16(h[62:])
		entWant = 64
	case elf.ELFCLASS32:
		var h [52]byte
		if _, err := r.ReadAt(h[:], 0); err != nil {
			return nil, &FormatError{Msg: "ELF: truncated header"}
		}
		x.machine = elf.Machine(bo.Uint16(h[18:]))
		shoff = uint64(bo.Uint32(h[32:]))
		shentsize, shnum, shstrndx = bo.Uint16(h[46:]), bo.Uint16(h[48:]), bo.Uint16(h[50:])
		entWant = 40
	default:
		return nil, &FormatError{Off: elf.EI_CLASS, Msg: fmt.Sprintf("ELF: unknown class %d", x.class)}
	}
	if shoff == 0 {
		if shnum != 0 {
			return nil, &FormatError{Msg: "ELF: sections declared without a section header table"}
		}
		return x, nil // no sections: not auditable
	}
	if shentsize != entWant {
		return nil, &FormatError{Msg: fmt.Sprintf("ELF: section header size %d, want %d", shentsize, entWant)}
	}
	if shoff >= uint64(size) {
		return nil, &FormatError{Off: int64(min(shoff, 1<<62)), Msg: "ELF: the section header table starts past the end of the file"}
	}
	// Section 0 carries the real count and name-table index when they do not fit the header (extended numbering).
	first, err := x.sectionHeader(int64(shoff))
	if err != nil {
		return nil, err
	}
	count := uint64(shnum)
	if shnum == 0 {
		count = first.size
	}
	strndx := uint64(shstrndx)
	if shstrndx == uint16(elf.SHN_XINDEX) {
		strndx = uint64(first.link)
	}
	if count > maxELFSections {
		return nil, &FormatError{Off: int64(shoff), Msg: fmt.Sprintf("ELF: %d sections, more than %d", count, maxELFSections)}
	}
	if count*uint64(entWant) > uint64(size)-shoff {
		return nil, &FormatError{Off: int64(shoff), Msg: fmt.Sprintf("ELF: a table of %d section headers runs past the end of the file", count)}
	}
	if count == 0 {
		return x, nil
	}
	if strndx == uint64(elf.SHN_UNDEF) || strndx >= count {
		return nil, &FormatError{Msg: fmt.Sprintf("ELF: section-name table index %d out of range [1, %d)", strndx, count)}
	}
	strtab, err := x.sectionHeader(int64(shoff + strndx*uint64(entWant)))
	if err != nil {
		return nil, err
	}
	if strtab.typ != elf.SHT_STRTAB || strtab.off > uint64(size) || strtab.size > uint64(size)-strtab.off {
		return nil, &FormatError{Off: int64(shoff + strndx*uint64(entWant)), Msg: "ELF: the section-name table is not a string table within the file"}
	}
	names := &elfNames{r: r, off: strtab.off, size: strtab.size}
	if strtab.size <= maxELFNameTable {
		names.table = make([]byte, strtab.size)
		if _, err := r.ReadAt(names.table, int64(strtab.off)); err != nil {
			return nil, &FormatError{Off: int64(strtab.off), Msg: "ELF: reading the section-name table: " + err.Error()}
		}
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, int64(shoff), int64(count*uint64(entWant))), 8192)
	hdr := make([]byte, entWant)
	for i := uint64(0); i < count; i++ {
		at := int64(shoff + i*uint64(entWant))
		if _, err := io.ReadFull(br, hdr); err != nil {
			return nil, &FormatError{Off: at, Msg: "ELF: truncated section header"}
		}
		s := x.decodeSection(hdr, at)
		name, err := names.wanted(s.nameOffset)
		if err != nil {
			return nil, &FormatError{Off: at, Msg: "ELF: section name: " + err.Error()}
		}
		if name == "" {
			continue
		}
		s.name = name
		x.sections = append(x.sections, s)
	}
	return x, nil
}

// elfSectionHeader is a decoded section header with the fields extended numbering needs.
type elfSectionHeader struct {
	elfSection
	link uint32
}

func (x *elfExe) sectionHeader(at int64) (elfSectionHeader, error) {
	n := 64
	if x.class == elf.ELFCLASS32 {
		n = 40
	}
	buf := make([]byte, n)
	if _, err := x.r.ReadAt(buf, at); err != nil {
		return elfSectionHeader{}, &FormatError{Off: at, Msg: "ELF: truncated section header"}
	}
	s := x.decodeSection(buf, at)
	var link uint32
	if x.class == elf.ELFCLASS32 {
		link = x.order.Uint32(buf[24:])
	} else {
		link = x.order.Uint32(buf[40:])
	}
	return elfSectionHeader{elfSection: s, link: link}, nil
}

func (x *elfExe) decodeSection(h []byte, at int64) elfSection {
	bo := x.order
	s := elfSection{headerAt: at, nameOffset: bo.Uint32(h[0:]), typ: elf.SectionType(bo.Uint32(h[4:]))}
	if x.class == elf.ELFCLASS64 {
		s.flags = elf.SectionFlag(bo.Uint64(h[8:]))
		s.off, s.size = bo.Uint64(h[24:]), bo.Uint64(h[32:])
	} else {
		s.flags = elf.SectionFlag(bo.Uint32(h[8:]))
		s.off, s.size = uint64(bo.Uint32(h[16:])), uint64(bo.Uint32(h[20:]))
	}
	return s
}

// elfNames reads section names from the section-name table: from memory when the table is small, else with one
// bounded read per name.
type elfNames struct {
	r         io.ReaderAt
	off, size uint64
	table     []byte
}

// wanted returns the name at offset when it is one of elfWanted, "" for any other name, and an error when the
// offset lies outside the table.
func (n *elfNames) wanted(offset uint32) (string, error) {
	if uint64(offset) >= n.size {
		if offset == 0 && n.size == 0 {
			return "", nil
		}
		return "", fmt.Errorf("offset %d past the end of a table of %d bytes", offset, n.size)
	}
	longest := 0
	for _, w := range elfWanted {
		longest = max(longest, len(w))
	}
	var b []byte
	if n.table != nil {
		b = n.table[offset:min(uint64(offset)+uint64(longest)+1, n.size)]
	} else {
		b = make([]byte, min(uint64(longest)+1, n.size-uint64(offset)))
		if _, err := n.r.ReadAt(b, int64(n.off)+int64(offset)); err != nil {
			return "", err
		}
	}
	end := bytes.IndexByte(b, 0)
	if end < 0 {
		return "", nil // longer than any wanted name, or not terminated within the table: not one of ours
	}
	name := string(b[:end])
	for _, w := range elfWanted {
		if name == w {
			return name, nil
		}
	}
	return "", nil
}

// data returns a reader of a section's bytes in the file, checked to lie within it.
func (x *elfExe) data(s elfSection) (io.Reader, error) {
	if s.off > uint64(x.size) || s.size > uint64(x.size)-s.off {
		return nil, &FormatError{Off: s.headerAt, Msg: "ELF: section " + s.name + " runs past the end of the file"}
	}
	return io.NewSectionReader(x.r, int64(s.off), int64(s.size)), nil
}

func (x *elfExe) depSection() (*section, error) {
	var cur, leg []*section
	for _, s := range x.sections {
		if s.typ == elf.SHT_NOBITS || (s.name != SectionName && s.name != legacyELFName) {
			continue
		}
		if s.flags&elf.SHF_COMPRESSED != 0 {
			return nil, &FormatError{Off: s.headerAt, Msg: "ELF: section " + s.name + " is compressed by the linker, which cargo-auditable never asks for"}
		}
		r, err := x.data(s)
		if err != nil {
			return nil, err
		}
		sec := &section{name: s.name, r: r, off: int64(s.off)}
		if s.name == legacyELFName {
			sec.legacy = true
			leg = append(leg, sec)
		} else {
			cur = append(cur, sec)
		}
	}
	return pick(cur, leg)
}

func (x *elfExe) arch() string {
	m := x.machine
	switch m {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_386:
		return "x86"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_PPC64:
		if x.order == binary.LittleEndian {
			return "powerpc64le"
		}
		return "powerpc64"
	case elf.EM_PPC:
		return "powerpc"
	case elf.EM_RISCV:
		if x.class == elf.ELFCLASS32 {
			return "riscv32"
		}
		return "riscv64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_MIPS:
		return "mips"
	case elf.EM_LOONGARCH:
		return "loongarch64"
	case elf.EM_SPARCV9:
		return "sparc64"
	}
	return strings.ToLower(strings.TrimPrefix(m.String(), "EM_"))
}

// compiler returns the rustc line of the .comment section ("rustc version 1.xx.y (hash date)"), reading at most
// 64 KiB of it.
func (x *elfExe) compiler() string {
	for _, s := range x.sections {
		if s.name != ".comment" || s.typ == elf.SHT_NOBITS || s.flags&elf.SHF_COMPRESSED != 0 {
			continue
		}
		r, err := x.data(s)
		if err != nil {
			return ""
		}
		data, err := io.ReadAll(io.LimitReader(r, 64<<10))
		if err != nil && len(data) == 0 {
			return ""
		}
		return rustcLine(data)
	}
	return ""
}

// rustcLine finds "rustc version ..." among NUL-separated strings: one line of printable text.
func rustcLine(data []byte) string {
	for _, s := range bytes.Split(data, []byte{0}) {
		line := strings.TrimSpace(string(s))
		if strings.HasPrefix(line, "rustc version ") && len(line) < 200 && printable(line) {
			return line
		}
	}
	return ""
}

// printable reports text without control characters or invalid UTF-8.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffd {
			return false
		}
	}
	return true
}
