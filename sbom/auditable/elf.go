package auditable

import (
	"bytes"
	"debug/elf"
	"io"
	"strings"
)

type elfExe struct {
	f *elf.File
}

func openELF(r io.ReaderAt) (exe, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, &FormatError{Msg: "ELF: " + err.Error()}
	}
	return &elfExe{f: f}, nil
}

func (x *elfExe) depSection() (*section, error) {
	var cur, leg []*section
	for _, s := range x.f.Sections {
		if s.Type == elf.SHT_NOBITS {
			continue
		}
		switch s.Name {
		case SectionName:
			cur = append(cur, &section{name: s.Name, r: s.Open(), off: int64(s.Offset)})
		case legacyELFName:
			leg = append(leg, &section{name: s.Name, legacy: true, r: s.Open(), off: int64(s.Offset)})
		}
	}
	return pick(cur, leg)
}

func (x *elfExe) arch() string {
	m := x.f.Machine
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
		if x.f.ByteOrder.String() == "LittleEndian" {
			return "powerpc64le"
		}
		return "powerpc64"
	case elf.EM_PPC:
		return "powerpc"
	case elf.EM_RISCV:
		if x.f.Class == elf.ELFCLASS32 {
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
	s := x.f.Section(".comment")
	if s == nil || s.Type == elf.SHT_NOBITS {
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(s.Open(), 64<<10))
	if err != nil && len(data) == 0 {
		return ""
	}
	return rustcLine(data)
}

// rustcLine finds "rustc version ..." among NUL-separated strings.
func rustcLine(data []byte) string {
	for _, s := range bytes.Split(data, []byte{0}) {
		if line := strings.TrimSpace(string(s)); strings.HasPrefix(line, "rustc version ") && len(line) < 200 {
			return line
		}
	}
	return ""
}
