package auditable

import (
	"bufio"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"io"
)

// The Mach-O reader walks the load commands itself, with debug/macho's types, rather than calling macho.NewFile:
// NewFile also reads and decodes the whole symbol and string tables (tens of megabytes in a large Rust binary), and
// NewFatFile does so for every slice. Only the segment commands and their section headers are read here.

// Section types (the low byte of a section's flags) whose sections occupy no bytes in the file.
const (
	machoZerofill            = 0x1
	machoGBZerofill          = 0xc
	machoThreadLocalZerofill = 0x12
)

type machoSection struct {
	seg, name string
	off, size uint64
}

type machoExe struct {
	cpu  macho.Cpu
	typ  macho.Type
	r    io.ReaderAt
	size int64
	// sections holds the candidate dependency sections only, current and legacy.
	sections []machoSection
}

func openMachO(r io.ReaderAt, size int64) (*machoExe, error) {
	var m [4]byte
	if _, err := r.ReadAt(m[:], 0); err != nil {
		return nil, &FormatError{Msg: "Mach-O: truncated header"}
	}
	var bo binary.ByteOrder
	switch {
	case binary.BigEndian.Uint32(m[:])&^1 == macho.Magic32:
		bo = binary.BigEndian
	case binary.LittleEndian.Uint32(m[:])&^1 == macho.Magic32:
		bo = binary.LittleEndian
	default:
		return nil, &FormatError{Msg: "Mach-O: bad magic number"}
	}
	var fh macho.FileHeader
	if err := binary.Read(io.NewSectionReader(r, 0, 28), bo, &fh); err != nil {
		return nil, &FormatError{Msg: "Mach-O: truncated header"}
	}
	hdrSize := int64(28)
	if fh.Magic == macho.Magic64 {
		hdrSize = 32
	}
	if hdrSize+int64(fh.Cmdsz) > size {
		return nil, &FormatError{Off: hdrSize, Msg: "Mach-O: the load commands run past the end of the file"}
	}
	x := &machoExe{cpu: fh.Cpu, typ: fh.Type, r: r, size: size}
	// Every command is at least 8 bytes and must fit in Cmdsz, so the walk is bounded by the file's size.
	br := bufio.NewReaderSize(io.NewSectionReader(r, hdrSize, int64(fh.Cmdsz)), 4096)
	off := hdrSize
	end := hdrSize + int64(fh.Cmdsz)
	var cmd [8]byte
	for i := uint32(0); i < fh.Ncmd; i++ {
		if _, err := io.ReadFull(br, cmd[:]); err != nil {
			return nil, &FormatError{Off: off, Msg: fmt.Sprintf("Mach-O: load command %d of %d runs past the commands' size", i+1, fh.Ncmd)}
		}
		kind, n := macho.LoadCmd(bo.Uint32(cmd[:4])), int64(bo.Uint32(cmd[4:]))
		if n < 8 || off+n > end {
			return nil, &FormatError{Off: off, Msg: fmt.Sprintf("Mach-O: load command %d has an invalid size %d", i+1, n)}
		}
		body := io.LimitReader(br, n-8)
		var err error
		switch kind {
		case macho.LoadCmdSegment64:
			err = x.segment(body, bo, off, n, true)
		case macho.LoadCmdSegment:
			err = x.segment(body, bo, off, n, false)
		}
		if err != nil {
			return nil, err
		}
		// Skip what the segment reader left of the command, or the whole of any other command.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, &FormatError{Off: off, Msg: "Mach-O: reading load commands: " + err.Error()}
		}
		off += n
	}
	return x, nil
}

// segment reads a segment command's header and section headers from body (the command after its first 8 bytes),
// keeping the sections that may hold dependency data.
func (x *machoExe) segment(body io.Reader, bo binary.ByteOrder, off, n int64, is64 bool) error {
	var nsect uint32
	hdrLen, sectLen := int64(56), int64(68)
	if is64 {
		hdrLen, sectLen = 72, 80
		var seg macho.Segment64
		if err := readAfterCmd(body, bo, &seg, hdrLen); err != nil {
			return &FormatError{Off: off, Msg: "Mach-O: truncated segment command"}
		}
		nsect = seg.Nsect
	} else {
		var seg macho.Segment32
		if err := readAfterCmd(body, bo, &seg, hdrLen); err != nil {
			return &FormatError{Off: off, Msg: "Mach-O: truncated segment command"}
		}
		nsect = seg.Nsect
	}
	if hdrLen+int64(nsect)*sectLen > n {
		return &FormatError{Off: off, Msg: fmt.Sprintf("Mach-O: a segment command of %d bytes declares %d sections", n, nsect)}
	}
	for j := uint32(0); j < nsect; j++ {
		var s machoSection
		var flags uint32
		if is64 {
			var h macho.Section64
			if err := binary.Read(body, bo, &h); err != nil {
				return &FormatError{Off: off, Msg: "Mach-O: truncated section header"}
			}
			s = machoSection{seg: cstring(h.Seg[:]), name: cstring(h.Name[:]), off: uint64(h.Offset), size: h.Size}
			flags = h.Flags
		} else {
			var h macho.Section32
			if err := binary.Read(body, bo, &h); err != nil {
				return &FormatError{Off: off, Msg: "Mach-O: truncated section header"}
			}
			s = machoSection{seg: cstring(h.Seg[:]), name: cstring(h.Name[:]), off: uint64(h.Offset), size: uint64(h.Size)}
			flags = h.Flags
		}
		if !(s.seg == MachOSegment && s.name == SectionName) && !(s.seg == legacyMachOSegmnt && s.name == legacyMachOName) {
			continue
		}
		switch flags & 0xff {
		case machoZerofill, machoGBZerofill, machoThreadLocalZerofill:
			continue // no bytes in the file
		}
		x.sections = append(x.sections, s)
	}
	return nil
}

// readAfterCmd decodes a load command structure whose first 8 bytes (cmd and cmdsize) were already consumed.
func readAfterCmd(body io.Reader, bo binary.ByteOrder, v any, size int64) error {
	buf := make([]byte, size)
	if _, err := io.ReadFull(body, buf[8:]); err != nil {
		return err
	}
	_, err := binary.Decode(buf, bo, v)
	return err
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (x *machoExe) depSection() (*section, error) {
	var cur, leg []*section
	for _, s := range x.sections {
		if s.off == 0 || s.size == 0 {
			continue // no data in the file
		}
		name := s.seg + "," + s.name
		if s.off > uint64(x.size) || s.size > uint64(x.size)-s.off {
			return nil, &FormatError{Off: int64(s.off), Msg: "Mach-O: section " + name + " runs past the end of the file"}
		}
		sec := &section{name: name, r: io.NewSectionReader(x.r, int64(s.off), int64(s.size)), off: int64(s.off)}
		if s.seg == legacyMachOSegmnt {
			sec.legacy = true
			leg = append(leg, sec)
		} else {
			cur = append(cur, sec)
		}
	}
	return pick(cur, leg)
}

func (x *machoExe) arch() string { return machoArch(x.cpu) }

func (x *machoExe) compiler() string { return "" }

func machoArch(c macho.Cpu) string {
	switch c {
	case macho.CpuAmd64:
		return "x86_64"
	case macho.Cpu386:
		return "x86"
	case macho.CpuArm64:
		return "aarch64"
	case macho.CpuArm:
		return "arm"
	case macho.CpuPpc64:
		return "powerpc64"
	case macho.CpuPpc:
		return "powerpc"
	}
	return fmt.Sprintf("cpu-%#x", uint32(c))
}

// readUniversal reads every slice of a universal (fat) Mach-O file. A slice without data is skipped; the file is
// not auditable only when no slice has data. A malformed slice, two slices of one architecture, or slices of
// different file types are errors: fail closed.
func readUniversal(r io.ReaderAt, size int64, opts Options) (*File, error) {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, &FormatError{Msg: "universal Mach-O: bad header"}
	}
	// The 64-bit form (fat_arch_64, for slices past 4 GiB) has 64-bit offsets and sizes and a reserved word.
	entry := int64(20)
	switch binary.BigEndian.Uint32(hdr[:4]) {
	case macho.MagicFat:
	case macho.MagicFat + 1:
		entry = 32
	default:
		return nil, &FormatError{Msg: "universal Mach-O: bad header"}
	}
	narch := binary.BigEndian.Uint32(hdr[4:])
	// Sniff admits at most 31 architectures (more would be a Java class file), but Read may be handed any file.
	if narch == 0 || narch > 64 {
		return nil, &FormatError{Off: 4, Msg: fmt.Sprintf("universal Mach-O: %d architectures", narch)}
	}
	out := &File{Container: MachOUniversal}
	seen := map[uint64]bool{}
	var typ macho.Type
	for i := range narch {
		at := 8 + int64(i)*entry
		var e [32]byte
		if _, err := r.ReadAt(e[:entry], at); err != nil {
			return nil, &FormatError{Off: at, Msg: "universal Mach-O: truncated architecture table"}
		}
		cpu := macho.Cpu(binary.BigEndian.Uint32(e[0:]))
		var off, n uint64
		if entry == 20 {
			off, n = uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		} else {
			off, n = binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])
		}
		if off > uint64(size) || n > uint64(size)-off {
			return nil, &FormatError{Off: at, Msg: "universal Mach-O: slice beyond the end of the file"}
		}
		sliceOff, sliceSize := int64(off), int64(n)
		key := binary.BigEndian.Uint64(e[0:8]) // cpu and subtype
		if seen[key] {
			return nil, &FormatError{Off: at, Msg: "universal Mach-O: two slices for " + machoArch(cpu)}
		}
		seen[key] = true
		x, err := openMachO(io.NewSectionReader(r, sliceOff, sliceSize), sliceSize)
		if err != nil {
			return nil, fmt.Errorf("slice %s: %w", machoArch(cpu), err)
		}
		if x.cpu != cpu {
			return nil, &FormatError{Off: sliceOff, Msg: fmt.Sprintf("universal Mach-O: the %s slice holds a %s binary", machoArch(cpu), machoArch(x.cpu))}
		}
		if i == 0 {
			typ = x.typ
		} else if x.typ != typ {
			return nil, &FormatError{Off: sliceOff, Msg: "universal Mach-O: slices of different file types"}
		}
		s, err := readSlice(x, MachO, opts)
		if err == ErrNotAuditable {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("slice %s: %w", machoArch(cpu), err)
		}
		out.Slices = append(out.Slices, *s)
	}
	if len(out.Slices) == 0 {
		return nil, ErrNotAuditable
	}
	return out, nil
}
