// Package elfgen writes small but well-formed ELF executables for tests: an x86-64 ELF64 file with a loadable
// .text, any further sections, and a section-name table, laid out as linkers lay them out. Tests use it to put a
// payload of their choosing (a hostile one) into a binary that every ELF reader accepts, without a toolchain.
package elfgen

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"encoding/binary"
)

// Section is one section to write.
type Section struct {
	Name  string
	Type  elf.SectionType // SHT_PROGBITS when zero
	Flags elf.SectionFlag
	Data  []byte
}

// Build returns an ELF64 little-endian x86-64 executable: the null section, a .text section holding a `ret`
// loaded by one PT_LOAD segment, the given sections, and .shstrtab last.
func Build(sections ...Section) []byte {
	const ehSize, phSize, shSize = 64, 56, 64
	text := Section{Name: ".text", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, Data: []byte{0xc3}}
	all := append([]Section{text}, sections...)
	var names bytes.Buffer
	names.WriteByte(0)
	nameOff := make([]uint32, len(all)+1)
	for i, s := range all {
		nameOff[i] = uint32(names.Len())
		names.WriteString(s.Name)
		names.WriteByte(0)
	}
	nameOff[len(all)] = uint32(names.Len())
	names.WriteString(".shstrtab\x00")
	all = append(all, Section{Name: ".shstrtab", Type: elf.SHT_STRTAB, Data: names.Bytes()})

	var body bytes.Buffer
	body.Write(make([]byte, ehSize+phSize))
	offsets := make([]uint64, len(all))
	for i, s := range all {
		for body.Len()%16 != 0 {
			body.WriteByte(0)
		}
		offsets[i] = uint64(body.Len())
		body.Write(s.Data)
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := uint64(body.Len())
	le := binary.LittleEndian
	sh := make([]byte, shSize) // the null section
	body.Write(sh)
	for i, s := range all {
		typ := s.Type
		if typ == 0 {
			typ = elf.SHT_PROGBITS
		}
		sh := make([]byte, shSize)
		le.PutUint32(sh[0:], nameOff[i])
		le.PutUint32(sh[4:], uint32(typ))
		le.PutUint64(sh[8:], uint64(s.Flags))
		if s.Flags&elf.SHF_ALLOC != 0 {
			le.PutUint64(sh[16:], 0x400000+offsets[i])
		}
		le.PutUint64(sh[24:], offsets[i])
		le.PutUint64(sh[32:], uint64(len(s.Data)))
		le.PutUint64(sh[48:], 1)
		body.Write(sh)
	}
	out := body.Bytes()
	h := out[:ehSize]
	copy(h, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	le.PutUint16(h[16:], uint16(elf.ET_EXEC))
	le.PutUint16(h[18:], uint16(elf.EM_X86_64))
	le.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(h[24:], 0x400000+offsets[0]) // entry: .text
	le.PutUint64(h[32:], ehSize)              // phoff
	le.PutUint64(h[40:], shoff)
	le.PutUint16(h[52:], ehSize)
	le.PutUint16(h[54:], phSize)
	le.PutUint16(h[56:], 1)
	le.PutUint16(h[58:], shSize)
	le.PutUint16(h[60:], uint16(len(all)+1))
	le.PutUint16(h[62:], uint16(len(all))) // .shstrtab is the last section
	ph := out[ehSize : ehSize+phSize]
	le.PutUint32(ph[0:], uint32(elf.PT_LOAD))
	le.PutUint32(ph[4:], uint32(elf.PF_R|elf.PF_X))
	le.PutUint64(ph[8:], offsets[0])
	le.PutUint64(ph[16:], 0x400000+offsets[0])
	le.PutUint64(ph[24:], 0x400000+offsets[0])
	le.PutUint64(ph[32:], uint64(len(text.Data)))
	le.PutUint64(ph[40:], uint64(len(text.Data)))
	le.PutUint64(ph[48:], 0x1000)
	return out
}

// Zlib compresses data as cargo-auditable does.
func Zlib(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// Auditable returns an executable carrying payload (JSON, compressed here) in .dep-v0, and, when comment is not
// empty, a .comment section holding it, as rustc writes its version there.
func Auditable(payload []byte, comment string) []byte {
	secs := []Section{{Name: ".dep-v0", Data: Zlib(payload)}}
	if comment != "" {
		secs = append(secs, Section{Name: ".comment", Flags: elf.SHF_MERGE | elf.SHF_STRINGS, Data: append([]byte(comment), 0)})
	}
	return Build(secs...)
}
