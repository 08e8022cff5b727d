package auditable

import (
	"debug/macho"
	"fmt"
	"io"
)

type machoExe struct {
	f *macho.File
}

func openMachO(r io.ReaderAt) (exe, error) {
	f, err := macho.NewFile(r)
	if err != nil {
		return nil, &FormatError{Msg: "Mach-O: " + err.Error()}
	}
	return &machoExe{f: f}, nil
}

func (x *machoExe) depSection() (*section, error) {
	var cur, leg []*section
	for _, s := range x.f.Sections {
		if s.Offset == 0 || s.Size == 0 {
			continue // zero-fill section: no data in the file
		}
		switch {
		case s.Seg == MachOSegment && s.Name == SectionName:
			cur = append(cur, &section{name: s.Seg + "," + s.Name, r: s.Open(), off: int64(s.Offset)})
		case s.Seg == legacyMachOSegmnt && s.Name == legacyMachOName:
			leg = append(leg, &section{name: s.Seg + "," + s.Name, legacy: true, r: s.Open(), off: int64(s.Offset)})
		}
	}
	return pick(cur, leg)
}

func (x *machoExe) arch() string { return machoArch(x.f.Cpu) }

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
// not auditable only when no slice has data. A malformed slice is an error: fail closed.
func readUniversal(r io.ReaderAt, size int64, opts Options) (*File, error) {
	ff, err := macho.NewFatFile(r)
	if err != nil {
		return nil, &FormatError{Msg: "universal Mach-O: " + err.Error()}
	}
	out := &File{Container: MachOUniversal}
	for _, a := range ff.Arches {
		if int64(a.Offset)+int64(a.Size) > size {
			return nil, &FormatError{Off: int64(a.Offset), Msg: "universal Mach-O: slice beyond the end of the file"}
		}
		s, err := readSlice(&machoExe{f: a.File}, MachO, opts)
		if err == ErrNotAuditable {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("slice %s: %w", machoArch(a.Cpu), err)
		}
		out.Slices = append(out.Slices, *s)
	}
	if len(out.Slices) == 0 {
		return nil, ErrNotAuditable
	}
	return out, nil
}
